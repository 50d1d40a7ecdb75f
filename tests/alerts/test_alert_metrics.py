"""The outbox counters on a prometheus_client registry, read as a scrape would."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry

from alert_helpers import ONLINE, SETUP, T0
from alerts.metrics import AlertMetrics


def test_backlog_sent_failed_and_firing_are_exported_by_channel(cycle, pipeline):
    registry = CollectorRegistry()
    registry.register(AlertMetrics(pipeline))
    cycle(T0, (SETUP, "missed", 2.5), (ONLINE, "at_risk", 89))
    assert registry.get_sample_value("monitor_outbox_backlog", {"channel": "email"}) == 2
    assert registry.get_sample_value("monitor_alerts_firing", {"severity": "critical"}) == 1
    asyncio.run(pipeline.deliver_due(T0))
    assert registry.get_sample_value("monitor_outbox_backlog", {"channel": "email"}) == 0
    assert registry.get_sample_value("monitor_notifications_sent_total", {"channel": "email"}) == 2
    assert registry.get_sample_value("monitor_notifications_failed_total", {"channel": "webhook"}) == 0
