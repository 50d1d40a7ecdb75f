"""The feeds and daemon dashboard: collections, latency, staleness, rejected rows, misses, outbox, reloads."""

from __future__ import annotations

from datetime import timedelta

from monitor import names
from monitor.generators import panels as p
from monitor.model import Catalogue
from monitor.vocabulary import PRODUCT_NAME

UID = "monitor-feeds"
FEEDS = 'feed=~"$feed"'
CRON_WINDOW = timedelta(hours=25)   # a cron feed runs at least daily in practice; look back a day and a bit
MIN_WINDOW = timedelta(minutes=5)


def collection_window(catalogue: Catalogue) -> str:
    """A rate window that always holds a few collections of the slowest feed (3 intervals, at least 5m)."""
    longest = MIN_WINDOW
    for feed in catalogue.feeds.values():
        interval = feed.schedule.interval
        longest = max(longest, 3 * interval if interval is not None else CRON_WINDOW)
    return f"{int(longest.total_seconds())}s"


def _zero_per_feed() -> str:
    """Zeros labelled by feed, so a counter that has never moved still draws a flat line."""
    return f"(sum by (feed) ({names.METRIC_FEED_UP}{{{FEEDS}}}) * 0)"


def _health_tiles() -> list[p.Json]:
    # $job: the Prometheus job that scrapes the daemon, offered from the jobs that export its metrics
    feed_up = p.stat("Feed up 数据源", f"{names.METRIC_FEED_UP}{{{FEEDS}}}", legend="{{feed}}",
                     text_mode="value_and_name", w=6,
                     mappings=[{"type": "value", "options": {"1": {"text": "up", "color": "green", "index": 0},
                                                             "0": {"text": "down", "color": "red", "index": 1}}}],
                     description="1 when the feed's last collection succeeded.")
    exporter = p.stat("Exporter scraped", 'up{job="$job"}', w=3,
                      mappings=[{"type": "value", "options": {"1": {"text": "up", "color": "green", "index": 0},
                                                              "0": {"text": "down", "color": "red", "index": 1}}}],
                      description="Whether Prometheus reaches the daemon's /metrics (the job chosen in $job).")
    reload_ok = p.stat("Config reload", names.METRIC_RELOAD_SUCCESS, w=3,
                       mappings=[{"type": "value", "options": {
                           "1": {"text": "ok", "color": "green", "index": 0},
                           "0": {"text": "rejected", "color": "red", "index": 1}}}],
                       description="Whether the last load of targets.yaml was valid (a rejected reload keeps the "
                                   "previous catalogue running).")
    loaded = p.stat("Catalogue loaded", f"time() - {names.METRIC_RELOAD_TIME}", w=3, unit="s", colour_mode="none",
                    description="Time since the last successful load of targets.yaml.")
    backlog = p.stat("Outbox backlog 待发送", f"sum(max by (channel) ({names.METRIC_OUTBOX_BACKLOG}))", w=3,
                     steps=p.thresholds((None, "green"), (1, "yellow"), (50, "red")),
                     description="Notifications waiting in the outbox (every replica reads the one shared "
                                 "outbox, so the replicas' values are not added up).")
    catalogue = p.stat("Commitments by state", names.METRIC_CATALOGUE_COMMITMENTS, w=6, colour_mode="none",
                       legend="{{state}}", text_mode="value_and_name",
                       description="Commitments in the loaded catalogue: active, draft, not monitorable.")
    return [feed_up, exporter, reload_ok, loaded, backlog, catalogue]


def _collections(window: str) -> list[p.Json]:
    total = f"sum by (feed) (rate({names.METRIC_COLLECTIONS}{{{FEEDS}}}[{window}]))"
    ok = f'sum by (feed) (rate({names.METRIC_COLLECTIONS}{{{FEEDS}, result="ok"}}[{window}]))'
    success = p.timeseries("Collection success ratio 采集成功率", [
        p.target(f"({ok} or {total} * 0) / {total}", legend="{{feed}}")], w=12, unit="percentunit",
        steps=p.thresholds((None, "red"), (0.95, "green")),
        description=f"Share of collections that succeeded, over {window}.")
    by_result = p.timeseries("Collections by result (per hour)", [
        p.target(f"sum by (feed, result) (increase({names.METRIC_COLLECTIONS}{{{FEEDS}}}[1h]))",
                 legend="{{feed}} {{result}}")], w=12, decimals=0,
        description="Collections in the last hour, by outcome (ok or an error category).")
    buckets = f"sum by (feed, le) (rate({names.METRIC_COLLECTION_DURATION}_bucket{{{FEEDS}}}[{window}]))"
    latency = p.timeseries("Collection latency 采集耗时", [
        p.target(f"histogram_quantile(0.5, {buckets})", "A", "{{feed}} p50"),
        p.target(f"histogram_quantile(0.95, {buckets})", "B", "{{feed}} p95")], w=12, unit="s",
        description=f"Median and 95th percentile time to collect a feed, over {window}.")
    volume = p.timeseries("Bytes read per hour", [
        p.target(f"sum by (feed) (increase({names.METRIC_COLLECTION_BYTES}{{{FEEDS}}}[1h]))", legend="{{feed}}")],
        w=12, unit="bytes")
    return [success, by_result, latency, volume]


def _staleness(catalogue: Catalogue) -> p.Json:
    overrides = [{"matcher": {"id": "byName", "options": feed.id}, "properties": [
        {"id": "thresholds", "value": p.thresholds((None, "green"), (feed.max_age.total_seconds(), "red"))}]}
        for feed in catalogue.feeds.values()]
    return p.timeseries("Staleness: time since last good collection 数据时效", [
        p.target(f"time() - {names.METRIC_FEED_LAST_SUCCESS}{{{FEEDS}}}", legend="{{feed}}")], w=12, unit="s",
        steps=p.thresholds((None, "green")), overrides=overrides,
        custom={"drawStyle": "line", "lineWidth": 2, "fillOpacity": 0, "showPoints": "never", "spanNulls": True,
                "thresholdsStyle": {"mode": "line+area"}},
        description="Seconds since each feed last collected successfully; red past the feed's max_age "
                    "(its verdicts turn no_data).")


def _rows_and_misses(window: str) -> list[p.Json]:
    rejected = p.timeseries("Rows rejected per hour 拒收行", [
        p.target(f"sum by (feed, reason) (increase({names.METRIC_ROWS_REJECTED}{{{FEEDS}}}[1h])) "
                 f"or {_zero_per_feed()}", "A", "{{feed}} {{reason}}"),
        p.target(f"sum by (feed) (increase({names.METRIC_ROWS_ACCEPTED}{{{FEEDS}}}[1h]))", "B", "{{feed}} accepted")],
        w=12, decimals=0, description="Rows dropped by reason (bad timestamp, missing field...) against rows accepted.")
    misses = p.timeseries("Scheduler misses per hour 漏跑", [
        p.target(f"sum by (feed, reason) (increase({names.METRIC_SCHEDULER_MISSES}{{{FEEDS}}}[1h])) "
                 f"or {_zero_per_feed()}", legend="{{feed}} {{reason}}")], w=12, decimals=0,
        description="Scheduled runs missed (the daemon was busy or asleep) or skipped (the previous run still "
                    "going).")
    evaluations = p.timeseries("Evaluations per minute by status", [
        p.target(f"sum by (status) (rate({names.METRIC_EVALUATIONS}[{window}])) * 60", legend="{{status}}")],
        w=12, decimals=1)
    return [rejected, misses, evaluations]


def _notifications() -> list[p.Json]:
    sent = p.timeseries("E-mails and notifications sent / failed per hour 通知", [
        p.target(f"sum by (channel) (increase({names.METRIC_NOTIFICATIONS_SENT}[1h])) or vector(0)", "A",
                 "sent {{channel}}"),
        p.target(f"sum by (channel) (increase({names.METRIC_NOTIFICATIONS_FAILED}[1h])) or vector(0)", "B",
                 "failed {{channel}}")], w=12, decimals=0,
        description="Deliveries from the outbox by channel; failures are retried until permanent.")
    backlog = p.timeseries("Outbox backlog over time", [
        p.target(f"sum(max by (channel) ({names.METRIC_OUTBOX_BACKLOG}))", legend="backlog")], w=12, decimals=0)
    reloads = p.timeseries("Config reloads per hour", [
        p.target(f"sum by (result) (increase({names.METRIC_RELOADS}[1h])) or vector(0)", "A", "{{result}}"),
        p.target(names.METRIC_RELOAD_SUCCESS, "B", "last reload ok")], w=12, decimals=0,
        description="Reloads of targets.yaml (SIGHUP or POST /-/reload) by result.")
    return [sent, backlog, reloads]


def job_variable(job: str) -> p.Json:
    """The scrape job, defaulting to `job`; its choices are the jobs whose targets export the daemon's metrics."""
    return p.query_variable("job", "Prometheus job", f"label_values({names.METRIC_RELOAD_SUCCESS}, job)", current=job)


def build(catalogue: Catalogue, job: str = names.DEFAULT_JOB) -> p.Json:
    window = collection_window(catalogue)
    feed_variable = p.query_variable("feed", "Feed 数据源", f"label_values({names.METRIC_FEED_UP}, feed)",
                                     include_all=True, multi=True)
    panels = [
        p.row("Health 运行状态"), *_health_tiles(),
        p.row("Collections 采集"), *_collections(window), _staleness(catalogue),
        p.row("Rows and scheduling"), *_rows_and_misses(window),
        p.row("Notifications and configuration 通知与配置"), *_notifications(),
    ]
    return p.dashboard(UID, f"{PRODUCT_NAME}：数据源与守护进程 Feeds and daemon",
                       "The monitor itself: collection success and latency per feed, staleness, rows rejected, "
                       "scheduler misses, outbox backlog, notifications, config reloads. Generated by "
                       "`monitor grafana`.", panels, variables=[job_variable(job), feed_variable], time_from="now-24h")
