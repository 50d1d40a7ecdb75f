"""A /metrics registry with everything the dashboards read, built from the real exporters.

CommitmentCollector and DaemonMetrics as the daemon builds them, and the alert pipeline's own
collector (`AlertMetrics`) over a real pipeline on an in-memory database that has processed the
board, so the outbox and alert families carry the labels the daemon serves; over a board with
every status represented.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry

from alerts.pipeline import AlertPipeline
from monitor import migrations, names
from monitor.evaluate import Evaluation
from monitor.model import Catalogue
from monitor.observations import CollectionResult
from monitor.service.commitment_metrics import CommitmentCollector
from monitor.service.daemon_metrics import DaemonMetrics
from monitor.store import make_engine


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
    now = now or datetime.now(UTC)
    registry = CollectorRegistry()
    board = synthetic_board(catalogue, now)
    registry.register(CommitmentCollector(lambda: catalogue, lambda: board))
    metrics = DaemonMetrics(registry)
    metrics.record_catalogue(catalogue)
    metrics.reload_success.set(1)
    metrics.reload_time.set(now.timestamp())
    metrics.record_collection(CollectionResult(feed="demo", fetched_at=now, ok=True, bytes_read=10,
                                               rows_accepted=5, duration_seconds=0.2))
    engine = make_engine("sqlite://")
    migrations.upgrade(engine)
    pipeline = AlertPipeline(engine)
    earlier = now - timedelta(hours=2)    # two cycles: alerts fire, then their group's messages wait in the outbox
    pipeline.process(catalogue, [replace(e, evaluated_at=earlier) for e in board.values()], earlier)
    pipeline.process(catalogue, list(board.values()), now)
    registry.register(pipeline.metrics_collector())
    return registry
