"""Times shown to people and deadline instants follow the catalogue's `calendar.timezone`, not a fixed UTC+8."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from prometheus_client import CollectorRegistry

from alerts.render import Renderer
from alerts.settings import AlertSettings
from monitor import names
from monitor.service.commitment_metrics import CommitmentCollector, exported_unit

BERLIN = ZoneInfo("Europe/Berlin")


def in_berlin(catalogue):
    return dataclasses.replace(catalogue, calendar=catalogue.calendar.model_copy(update={"timezone": "Europe/Berlin"}))


def test_the_exported_deadline_is_the_end_of_the_deadline_day_in_the_calendars_zone(shipped_catalogue):
    catalogue = in_berlin(shipped_catalogue)
    registry = CollectorRegistry()
    registry.register(CommitmentCollector(lambda: catalogue, lambda: {}))
    c = next(c for c in catalogue.evaluated_commitments() if c.deadline is not None)
    labels = {"commitment": c.id, "document": c.document.id, "jurisdiction": c.document.jurisdiction,
              "agency": c.agency.id if c.agency else "", "kind": c.kind, "unit": exported_unit(c)}
    expected = datetime.combine(c.deadline, time.max, tzinfo=BERLIN).timestamp()
    assert registry.get_sample_value(names.METRIC_DEADLINE, labels) == expected


def test_messages_show_times_in_the_calendars_zone(shipped_catalogue, tmp_path):
    settings = AlertSettings(_env_file=None, maildir=tmp_path)
    moment = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
    assert Renderer.for_catalogue(settings, shipped_catalogue).local_time(moment) == "2026-01-05 16:30"
    berlin = Renderer.for_catalogue(settings, in_berlin(shipped_catalogue))
    assert berlin.local_time(moment) == "2026-01-05 09:30"
    assert Renderer.for_catalogue(settings, in_berlin(shipped_catalogue), berlin) is berlin   # kept while the zone holds
