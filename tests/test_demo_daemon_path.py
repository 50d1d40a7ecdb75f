"""The demo generator on the shipped catalogue's commitments (all measured on one demo feed here: the shipped
catalogue reads agencies' files and reports, which `--demo` fills from this generator), through the
daemon's own path: the demo server on loopback, the demo collector, the store and `evaluate_feed`
(which chooses how far back to read each series).

Every commitment must land on the verdict the generator intends, including settled targets whose
data are years old and a year (2027) whose holiday notice is not published yet: no no_data, no error."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from collectors.base import FetchContext
from collectors.runner import collect
from monitor import migrations
from monitor.calendar import WorkCalendar
from monitor.service.daemon import evaluate_feed
from monitor.service.demo.generate import intended_outcomes
from monitor.service.demo.server import DemoServer
from monitor.store import Store, make_engine

INSTANTS = {
    "2026-11": datetime(2026, 11, 30, 3, 0, tzinfo=UTC),
    "2027-03 (provisional calendar)": datetime(2027, 3, 15, 2, 0, tzinfo=UTC),
}


def _stopped_at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


async def _collect_once(feed, calendar, url, now):
    async with httpx.AsyncClient() as client:
        return await collect(feed, FetchContext(client=client, now=now, timezone=calendar.timezone, demo_url=url))


@pytest.mark.parametrize("now", INSTANTS.values(), ids=INSTANTS.keys())
def test_daemon_demo_lands_every_commitment_on_its_intended_verdict(shipped_on_demo, tmp_path, now):
    calendar = WorkCalendar.from_spec(shipped_on_demo.calendar)
    server = DemoServer(lambda: shipped_on_demo, lambda: calendar, 42, clock=lambda: now).start()
    try:
        result = asyncio.run(_collect_once(shipped_on_demo.feeds["demo"], calendar, server.url, now))
    finally:
        server.stop()
    assert result.ok, result.error
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    migrations.upgrade(engine)
    store = Store(engine)
    store.save_collection(result, shipped_on_demo.feeds["demo"].accumulates_cases)
    evaluations = evaluate_feed(shipped_on_demo, calendar, store, "demo", now)
    intents = intended_outcomes(shipped_on_demo, now, calendar, seed=42)
    wrong = [f"{e.commitment}: intended {intents[e.commitment]}, got {e.status} ({e.reason})"
             for e in evaluations if e.status != intents[e.commitment]]
    assert not wrong, f"{len(wrong)} off their intended verdict:\n" + "\n".join(wrong[:30])
    assert not Counter(e.status for e in evaluations) & Counter({"error": 1, "no_data": 1})


def test_reading_only_the_newest_value_gives_every_verdict_that_reading_the_whole_window_gives(
        shipped_on_demo, tmp_path):
    """`evaluate_feed` reads a latest-value commitment's newest value only (DataWanted.newest_by):
    every shipped commitment must get the verdict it gets from its whole window, also as of an
    earlier moment than the newest data stored (so later points must be left out)."""
    from datetime import timedelta

    from monitor.evaluate import data_needed_since, evaluate
    calendar = WorkCalendar.from_spec(shipped_on_demo.calendar)
    first = INSTANTS["2026-11"]
    later = first + timedelta(hours=3)   # the demo's newest points move once an hour
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    migrations.upgrade(engine)
    store = Store(engine)
    for now in (first, later):
        server = DemoServer(lambda: shipped_on_demo, lambda: calendar, 42, clock=_stopped_at(now)).start()
        try:
            result = asyncio.run(_collect_once(shipped_on_demo.feeds["demo"], calendar, server.url, now))
        finally:
            server.stop()
        store.save_collection(result, shipped_on_demo.feeds["demo"].accumulates_cases)
    for now in (first + timedelta(minutes=30), later, later + timedelta(days=800)):
        read_newest = {e.commitment: e for e in evaluate_feed(shipped_on_demo, calendar, store, "demo", now)}
        for c in shipped_on_demo.evaluated_commitments("demo"):
            whole = store.measure_data("demo", c.measure.series, data_needed_since(c, now, calendar))
            assert read_newest[c.id] == evaluate(c, whole, now, calendar), (c.id, now)
