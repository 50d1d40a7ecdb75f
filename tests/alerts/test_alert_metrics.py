"""The outbox counters on a prometheus_client registry, read as a scrape would."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from prometheus_client import CollectorRegistry

from alerts.metrics import AlertMetrics
from alerts.pipeline import AlertPipeline
from monitor import names
from monitor.calendar import WorkCalendar
from monitor.service.retention import Retention, prune
from tests.alerts.alert_helpers import ONLINE, SETUP, T0


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


def test_the_sent_counter_does_not_fall_when_retention_deletes_the_sent_notifications(cycle, pipeline, engine,
                                                                                      catalogue):
    registry = CollectorRegistry()
    registry.register(AlertMetrics(pipeline))
    cycle(T0, (SETUP, "missed", 2.5), (ONLINE, "at_risk", 89))
    asyncio.run(pipeline.deliver_due(T0))
    sent = registry.get_sample_value("monitor_notifications_sent_total", {"channel": "email"})
    assert sent == 2
    report = prune(engine, catalogue, WorkCalendar.from_spec(catalogue.calendar), T0 + timedelta(days=31),
                   Retention(notifications_days=30))
    assert report.rows[names.TABLE_NOTIFICATION] == 2   # the rows the counter was once read from are gone
    assert registry.get_sample_value("monitor_notifications_sent_total", {"channel": "email"}) == sent


def test_a_second_sender_on_the_same_database_exports_only_what_it_sent(cycle, pipeline, engine, settings):
    """Replicas: each exports its own deliveries, so Prometheus's sum over replicas counts a mail once."""
    other = AlertPipeline(engine, settings)
    registry, other_registry = CollectorRegistry(), CollectorRegistry()
    registry.register(AlertMetrics(pipeline))
    other_registry.register(AlertMetrics(other))
    cycle(T0, (SETUP, "missed", 2.5), (ONLINE, "at_risk", 89))
    asyncio.run(pipeline.deliver_due(T0))
    sent = [r.get_sample_value("monitor_notifications_sent_total", {"channel": "email"})
            for r in (registry, other_registry)]
    assert sent == [2, 0]
