"""The alert path on /metrics: a prometheus_client Collector reading the outbox on each scrape.

Register on the daemon's registry: `registry.register(AlertMetrics(pipeline))`. The backlog and
firing gauges are read from the database (the same on every replica sharing it); the sent and
failed counters count what this process delivered or gave up on (alerts.tally), so they never fall
when retention deletes old notifications, and a sum over replicas counts each message once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Protocol

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from monitor import names

log = logging.getLogger("monitor.alerts")
CHANNELS = ("email", "webhook", "alertmanager")


class OutboxStats(Protocol):
    """What the collector reads of the alert pipeline (alerts.pipeline.AlertPipeline, which imports this module)."""

    def stats(self) -> dict[str, dict[str, int]]: ...


class AlertMetrics(Collector):
    def __init__(self, pipeline: OutboxStats) -> None:
        self.pipeline = pipeline

    def collect(self) -> Iterator[Metric]:
        try:
            stats = self.pipeline.stats()
        except Exception:   # a scrape must not fail because the database blinked
            log.exception("alert_metrics_failed")
            return
        backlog = GaugeMetricFamily(names.METRIC_OUTBOX_BACKLOG, "Notifications waiting to be sent.",
                                    labels=[names.CHANNEL_LABEL])
        sent = CounterMetricFamily(names.METRIC_NOTIFICATIONS_SENT.removesuffix("_total"),
                                   "Notifications delivered.", labels=[names.CHANNEL_LABEL])
        failed = CounterMetricFamily(names.METRIC_NOTIFICATIONS_FAILED.removesuffix("_total"),
                                     "Notifications given up on (permanent error or too many attempts).",
                                     labels=[names.CHANNEL_LABEL])
        for channel in CHANNELS:
            backlog.add_metric([channel], stats["backlog"].get(channel, 0))
            sent.add_metric([channel], stats["sent"].get(channel, 0))
            failed.add_metric([channel], stats["failed"].get(channel, 0))
        firing = GaugeMetricFamily(names.METRIC_ALERTS_FIRING, "Alerts firing, by severity.", labels=["severity"])
        for severity in ("critical", "warning", "data"):
            firing.add_metric([severity], stats["firing"].get(severity, 0))
        yield from (backlog, sent, failed, firing)
