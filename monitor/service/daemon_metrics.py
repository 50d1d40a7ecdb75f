"""The daemon's own metrics: collections, rows, feeds, reloads, the store, HTTP refusals, the catalogue."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from monitor import names
from monitor.model import Catalogue
from monitor.observations import CollectionResult


class DaemonMetrics:
    """The daemon's own counters and gauges, on an injected registry."""

    def __init__(self, registry: CollectorRegistry):
        feed = [names.FEED_LABEL]

        def counter(name: str, documentation: str, labels: list[str]) -> Counter:
            # names.py spells counters as exposed (…_total); prometheus_client adds the suffix itself
            return Counter(name.removesuffix("_total"), documentation, labels, registry=registry)

        def gauge(name: str, documentation: str, labels: tuple[str, ...] | list[str] = ()) -> Gauge:
            return Gauge(name, documentation, labels, registry=registry)

        self.collections = counter(names.METRIC_COLLECTIONS, "Feed collections by result",
                                   feed + [names.RESULT_LABEL])
        self.collection_duration = Histogram(names.METRIC_COLLECTION_DURATION, "Time to collect a feed", feed,
                                             buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60), registry=registry)
        self.collection_bytes = counter(names.METRIC_COLLECTION_BYTES, "Bytes read from feeds", feed)
        self.rows_accepted = counter(names.METRIC_ROWS_ACCEPTED, "Rows accepted from feeds", feed)
        self.rows_rejected = counter(names.METRIC_ROWS_REJECTED, "Rows rejected from feeds, by reason",
                                     feed + [names.REASON_LABEL])
        self.rows_skipped = counter(names.METRIC_ROWS_SKIPPED, "Rows skipped as not data (footer lines), by reason",
                                    feed + [names.REASON_LABEL])
        self.feed_last_success = gauge(names.METRIC_FEED_LAST_SUCCESS, "Time of the feed's last successful collection",
                                       feed)
        self.feed_up = gauge(names.METRIC_FEED_UP, "1 when the feed's last collection succeeded", feed)
        self.scheduler_misses = counter(names.METRIC_SCHEDULER_MISSES, "Scheduled runs missed or skipped",
                                        feed + [names.REASON_LABEL])
        self.reloads = counter(names.METRIC_RELOADS, "Configuration reloads by result", [names.RESULT_LABEL])
        self.reload_success = gauge(names.METRIC_RELOAD_SUCCESS, "1 when the last reload of targets.yaml succeeded")
        self.reload_time = gauge(names.METRIC_RELOAD_TIME, "Time of the last successful load of targets.yaml")
        self.evaluations = counter(names.METRIC_EVALUATIONS, "Evaluations by status", ["status"])
        self.store_writable = gauge(names.METRIC_STORE_WRITABLE, "0 when the last write or probe of the store failed")
        self.store_writable.set(1)
        self.http_rejected = counter(names.METRIC_HTTP_REJECTED, "HTTP requests refused, by reason",
                                     [names.REASON_LABEL])
        self.catalogue_commitments = gauge(names.METRIC_CATALOGUE_COMMITMENTS, "Commitments in the catalogue",
                                           ["state"])
        self.public_url = gauge(names.METRIC_PUBLIC_URL, "1, labelled with the base URL of the links to the "
                                "pages (MONITOR_PUBLIC_URL, else the listen address); rule annotations read it",
                                ["url"])
        self.catalogue_info = gauge(names.METRIC_CATALOGUE_INFO, "1 for the digest of the running catalogue "
                                    "(of the rules and dashboards it calls for)", ["digest"])

    def record_collection(self, result: CollectionResult) -> None:
        self.collections.labels(result.feed, "ok" if result.ok else result.error_category or "error").inc()
        self.collection_duration.labels(result.feed).observe(result.duration_seconds)
        self.collection_bytes.labels(result.feed).inc(result.bytes_read)
        self.rows_accepted.labels(result.feed).inc(result.rows_accepted)
        if result.receipts:   # the rejected-file count exists from the first file on (a rule takes its increase)
            self.rows_rejected.labels(result.feed, "file_rejected")
        for reason, count in result.rows_rejected.items():
            self.rows_rejected.labels(result.feed, reason).inc(count)
        for reason, count in result.rows_skipped.items():
            self.rows_skipped.labels(result.feed, reason).inc(count)
        self.feed_up.labels(result.feed).set(1 if result.ok else 0)
        if result.ok:
            self.feed_last_success.labels(result.feed).set(result.fetched_at.timestamp())

    def record_catalogue(self, catalogue: Catalogue) -> None:
        counts = {"active": 0, "draft": 0, "unmonitorable": 0, "unwired": 0}
        for c in (*catalogue.commitments.values(), *catalogue.drafts.values()):
            counts["draft" if c.draft else "unwired" if c.unwired else "active" if c.monitorable else "unmonitorable"] += 1
        for state, count in counts.items():
            self.catalogue_commitments.labels(state).set(count)
        from monitor.generators.digest import generated_digest

        self.catalogue_info.clear()
        self.catalogue_info.labels(generated_digest(catalogue)).set(1)
