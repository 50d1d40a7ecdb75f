"""A /metrics registry with everything the dashboards read, including metrics not yet wired in the daemon.

CommitmentCollector and DaemonMetrics as the daemon builds them, plus detail_families (provenance
and case durations) and the alert outbox metrics, over a board with every status represented.
"""

from __future__ import annotations

from datetime import datetime, timezone

from prometheus_client import CollectorRegistry, Counter, Gauge

from monitor import names
from monitor.evaluate import Evaluation
from monitor.service.metrics import CommitmentCollector, DaemonMetrics
from monitor.model import Catalogue
from monitor.observations import CollectionResult


def synthetic_board(catalogue: Catalogue, now: datetime) -> dict[str, Evaluation]:
    board = {}
    for number, c in enumerate(catalogue.evaluated_commitments()):
        status = names.STATUSES[number % len(names.STATUSES)]
        board[c.id] = Evaluation(
            commitment=c.id, evaluated_at=now, status=status, actual=c.value * 0.9, target=c.value,
            margin=-0.1 * c.value, expected=c.value / 2 if c.kind == "cumulative" else None, data_time=now,
            cases=120 if c.kind == "case_duration" else None,
            duration_quantiles=((0.5, 1.0), (0.9, 2.0), (0.95, 3.0), (1.0, 7.0)) if c.kind == "case_duration" else ())
    return board


def full_registry(catalogue: Catalogue, now: datetime | None = None) -> CollectorRegistry:
    now = now or datetime.now(timezone.utc)
    registry = CollectorRegistry()
    board = synthetic_board(catalogue, now)
    registry.register(CommitmentCollector(lambda: catalogue, lambda: board))
    metrics = DaemonMetrics(registry)
    metrics.record_catalogue(catalogue)
    metrics.reload_success.set(1)
    metrics.reload_time.set(now.timestamp())
    metrics.record_collection(CollectionResult(feed="demo", fetched_at=now, ok=True, bytes_read=10,
                                               rows_accepted=5, duration_seconds=0.2))
    Gauge(names.METRIC_OUTBOX_BACKLOG, "Notifications waiting", registry=registry).set(3)
    sent = Counter(names.METRIC_NOTIFICATIONS_SENT.removesuffix("_total"), "Sent", [names.CHANNEL_LABEL],
                   registry=registry)
    sent.labels("email").inc(2)
    Counter(names.METRIC_NOTIFICATIONS_FAILED.removesuffix("_total"), "Failed", [names.CHANNEL_LABEL],
            registry=registry)
    return registry
