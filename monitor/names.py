"""Every metric name, label name and table name the project exposes, in one place."""

# Per-commitment metrics (one series per commitment; labels below).
METRIC_STATUS = "commitment_status"
METRIC_ACTUAL = "commitment_actual"
METRIC_TARGET = "commitment_target"
METRIC_MARGIN = "commitment_margin"
METRIC_EXPECTED = "commitment_expected_to_date"
METRIC_LAST_EVALUATION = "commitment_last_evaluation_timestamp_seconds"
METRIC_DATA_AS_OF = "commitment_data_as_of_timestamp_seconds"
METRIC_DEADLINE = "commitment_deadline_timestamp_seconds"
METRIC_INFO = "commitment_info"
METRIC_OVERDUE_OPEN = "commitment_overdue_open_cases"

COMMITMENT_LABELS = ("commitment", "document", "jurisdiction", "agency", "kind", "unit")
STATUS_LABEL = "status"
PROVISIONAL_LABEL = "provisional"   # "true" when the verdict used a year with no published holiday notice
STATUSES = ("met", "on_track", "at_risk", "missed", "no_data", "error")   # on_track: not yet kept, on pace

# Daemon self-metrics.
METRIC_COLLECTIONS = "monitor_collections_total"                 # labels: feed, result
METRIC_COLLECTION_DURATION = "monitor_collection_duration_seconds"  # labels: feed
METRIC_COLLECTION_BYTES = "monitor_collection_bytes_total"       # labels: feed
METRIC_ROWS_ACCEPTED = "monitor_feed_rows_accepted_total"        # labels: feed
METRIC_ROWS_REJECTED = "monitor_feed_rows_rejected_total"        # labels: feed, reason
METRIC_ROWS_SKIPPED = "monitor_feed_rows_skipped_total"          # labels: feed, reason (footer lines)
METRIC_FEED_LAST_SUCCESS = "monitor_feed_last_success_timestamp_seconds"  # labels: feed
METRIC_FEED_UP = "monitor_feed_up"                               # labels: feed
METRIC_SCHEDULER_MISSES = "monitor_scheduler_missed_runs_total"  # labels: feed, reason
METRIC_RELOADS = "monitor_config_reloads_total"                  # labels: result
METRIC_RELOAD_SUCCESS = "monitor_config_last_reload_successful"
METRIC_RELOAD_TIME = "monitor_config_last_reload_success_timestamp_seconds"
METRIC_CATALOGUE_INFO = "monitor_catalogue_info"   # labels: digest (monitor/generators/digest.py); value 1
METRIC_CATALOGUE_COMMITMENTS = "monitor_catalogue_commitments"   # labels: state (active, draft, unmonitorable)
METRIC_EVALUATIONS = "monitor_evaluations_total"                 # labels: status
METRIC_STORE_WRITABLE = "monitor_store_writable"                 # 0 when the last write or probe failed
METRIC_PUBLIC_URL = "monitor_public_url_info"                   # labels: url (the base of links to the pages)
METRIC_HTTP_REJECTED = "monitor_http_requests_rejected_total"    # labels: reason (busy, unauthorized, forbidden)

# The Prometheus job that scrapes the daemon, as generated dashboards and rules select it by default
# (`monitor grafana --job NAME`, `monitor rules --job NAME` for another).
DEFAULT_JOB = "commitment-monitor"

# Commitment alert names, the same from either source: the generated Prometheus rules (route:
# prometheus) or the daemon's forwarding to Alertmanager (route: alertmanager); `alerting.route`
# lets only one of them send. The first two are for agencies, the others for the operators.
ALERT_MISSED = "CommitmentMissed"
ALERT_AT_RISK = "CommitmentAtRisk"
ALERT_NO_DATA = "CommitmentNoData"
ALERT_EVALUATION_ERROR = "CommitmentEvaluationError"
AGENCY_ALERTS = (ALERT_MISSED, ALERT_AT_RISK)

FEED_LABEL = "feed"
RESULT_LABEL = "result"
REASON_LABEL = "reason"

# Tables.
TABLE_OBSERVATION = "observation"
TABLE_EVALUATION = "evaluation"
TABLE_CURRENT_STATE = "current_state"
TABLE_COLLECTION_RUN = "collection_run"
TABLE_ALERT_STATE = "alert_state"
TABLE_ALERT_TRANSITION = "alert_transition"
TABLE_ALERT_GROUP = "alert_group"
TABLE_NOTIFICATION = "notification"
TABLE_DELIVERY_ATTEMPT = "delivery_attempt"
TABLE_SILENCE = "silence"
TABLE_STORE_PROBE = "store_probe"
TABLE_FEED_LEASE = "feed_lease"
TABLE_REPLICA = "replica"
TABLE_DISPUTE = "dispute"
TABLE_ALERT_ONBOARDING = "alert_onboarding"

# Outbox and notification metrics (exported by the alerts package).
METRIC_OUTBOX_BACKLOG = "monitor_outbox_backlog"
METRIC_ALERTS_FIRING = "monitor_alerts_firing"                  # labels: severity
METRIC_NOTIFICATIONS_SENT = "monitor_notifications_sent_total"      # labels: channel
METRIC_NOTIFICATIONS_FAILED = "monitor_notifications_failed_total"  # labels: channel
CHANNEL_LABEL = "channel"

# Per-commitment detail for dashboards (monitor.service.commitment_metrics.CommitmentCollector yields them).
# commitment_info is 1 with the provenance as labels (quotes are too long and free-form for the
# other series); the case metrics exist only for case_duration commitments.
INFO_LABELS = ("commitment", "document", "document_title", "clause", "quote", "measured", "promise",
               "agency_name")
METRIC_CASES = "commitment_cases_in_window"
METRIC_CASE_DURATION = "commitment_case_duration"                 # labels: commitment labels + case_quantile
# Not `quantile`: that label belongs to summaries, whose quantiles come with a running _sum and _count
# since the process started. These are quantiles over the cases in the measure's window, a gauge.
QUANTILE_LABEL = "case_quantile"
CASE_DURATION_QUANTILES = (0.5, 0.9, 0.95, 1.0)
TABLE_REPORT_ENTRY = "report_entry"
TABLE_FILE_RECEIPT = "file_receipt"
