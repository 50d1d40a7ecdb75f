"""The history records a verdict when it changes, plus one snapshot per commitment per UTC day; the
current state still follows every verdict. Migration 0010 thins a history written every cycle."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy
from alembic import command

from monitor import migrations
from monitor.cases import OffendingCase
from monitor.evaluate import Evaluation
from monitor.service.daemon import Daemon
from monitor.service.outage import StoreOutage
from monitor.store import Store, make_engine
from tests.sql_counts import rows_updated

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def open_store(url: str) -> Store:
    engine = make_engine(url)
    migrations.upgrade(engine)
    return Store(engine)


def recorded(store: Store, commitment: str) -> list[tuple[datetime, str, float | None]]:
    return [(h.evaluated_at, h.status, h.actual) for h in reversed(store.history(commitment, 100_000))]


def steady(at: datetime, **changes) -> Evaluation:
    fields = {"status": "met", "actual": 3.5, "target": 5.0, "op": "<=", "unit": "个工作日", "overdue_open": 0,
              "reason": "3.5 个工作日以内", **changes}
    return Evaluation("doc.c", at, **fields)


def test_a_steady_feed_writes_one_history_row_a_day_and_its_current_state_with_it(database_url):
    store = open_store(database_url)
    cycles = [NOW + timedelta(minutes=10 * i) for i in range(6 * 24 * 3)]   # every ten minutes for three days
    writes = rows_updated(store.engine, "current_state")
    for at in cycles:
        store.save_evaluations([steady(at)])
    days = sorted({at.date() for at in cycles})
    rows = recorded(store, "doc.c")
    assert [at.date() for at, _, _ in rows] == days                       # one snapshot per UTC day
    assert [at for at, _, _ in rows] == [min(a for a in cycles if a.date() == d) for d in days]   # its first verdict
    state = store.current_states()["doc.c"]
    assert state.evaluated_at == rows[-1][0] and state.status_since == cycles[0]   # the newest snapshot's
    assert writes[0] == len(days) - 1              # the first inserted, then once a day: not every cycle (431 of them)


def test_a_changed_verdict_rewrites_the_current_state_at_once(database_url):
    store = open_store(database_url)
    store.save_evaluations([steady(NOW)])
    store.save_evaluations([steady(NOW + timedelta(minutes=1), reason="newer data")])
    store.save_evaluations([steady(NOW + timedelta(minutes=2), reason="newer data")])
    state = store.current_evaluations()["doc.c"]
    assert (state.reason, state.evaluated_at) == ("newer data", NOW + timedelta(minutes=1))
    store.save_evaluations([steady(NOW + timedelta(minutes=3), status="missed", reason="newer data")])
    current = store.current_states()["doc.c"]
    assert (current.status, current.evaluated_at, current.status_since) == ("missed",) + (NOW + timedelta(minutes=3),) * 2


def test_an_open_late_case_growing_later_does_not_rewrite_the_current_state_but_a_new_late_case_does(database_url):
    store = open_store(database_url)
    writes = rows_updated(store.engine, "current_state")
    submitted, due = datetime(2026, 11, 18, 9, 0), datetime(2026, 11, 19, 9, 0)

    def late(at: datetime, *cases: OffendingCase) -> Evaluation:
        return steady(at, status="missed", overdue_open=1, offending_cases=cases)
    store.save_evaluations([late(NOW, OffendingCase("a", None, submitted, due, None, 2.0))])
    store.save_evaluations([late(NOW + timedelta(minutes=1), OffendingCase("a", None, submitted, due, None, 2.1))])
    assert writes[0] == 0
    store.save_evaluations([late(NOW + timedelta(minutes=2), OffendingCase("a", None, submitted, due, None, 2.2),
                                 OffendingCase("b", None, submitted, due, datetime(2026, 11, 20, 9, 0), 1.0))])
    assert writes[0] == 1
    assert [c.id for c in store.current_evaluations()["doc.c"].offending_cases] == ["a", "b"]


def test_a_data_time_moving_forward_does_not_rewrite_the_current_state_but_one_moving_back_does(database_url):
    store = open_store(database_url)   # a feed that dates its cases by the time it is read
    writes = rows_updated(store.engine, "current_state")
    for minute in range(30):
        store.save_evaluations([steady(NOW + timedelta(minutes=minute), data_time=NOW + timedelta(minutes=minute))])
    assert writes[0] == 0
    assert store.current_states()["doc.c"].data_time == NOW
    store.save_evaluations([steady(NOW + timedelta(minutes=30), data_time=NOW - timedelta(hours=1))])
    assert writes[0] == 1
    assert store.current_states()["doc.c"].data_time == NOW - timedelta(hours=1)


def test_each_kind_of_change_writes_a_row_and_a_move_within_the_tolerance_does_not(database_url):
    store = open_store(database_url)
    changes: list[dict[str, Any]] = [{}, {"actual": 3.5 * (1 + 1e-9)}, {"actual": 3.6}, {"actual": 3.6, "status": "at_risk"},
               {"actual": 3.6, "status": "at_risk", "overdue_open": 2},
               {"actual": 3.6, "status": "at_risk", "overdue_open": 2, "provisional": True},
               {"actual": 3.6, "status": "at_risk", "overdue_open": 2, "provisional": True,
                "settled_on": date(2026, 11, 1)},
               {"actual": None, "status": "at_risk", "overdue_open": 2, "provisional": True,
                "settled_on": date(2026, 11, 1)},
               {"actual": None, "status": "at_risk", "overdue_open": 2, "provisional": True,
                "settled_on": date(2026, 11, 1), "reason": "only the reason's words differ"}]
    times = [NOW + timedelta(minutes=i) for i in range(len(changes))]
    for at, change in zip(times, changes):
        store.save_evaluations([steady(at, **change)])
    assert [at for at, _, _ in recorded(store, "doc.c")] == [times[i] for i in (0, 2, 3, 4, 5, 6, 7)]
    assert store.current_evaluations()["doc.c"].reason == "only the reason's words differ"


def test_the_tolerance_is_a_setting_of_the_store(database_url):
    store = open_store(database_url)
    loose = Store(store.engine, actual_tolerance=0.05)
    for minute, actual in enumerate([100.0, 104.0, 111.0]):
        loose.save_evaluations([steady(NOW + timedelta(minutes=minute), actual=actual)])
    assert [actual for _, _, actual in recorded(loose, "doc.c")] == [100.0, 111.0]


def test_a_batch_naming_a_commitment_twice_records_what_changed_within_it(database_url):
    store = open_store(database_url)
    previous = store.save_evaluations([steady(NOW), steady(NOW + timedelta(seconds=1)),
                                       steady(NOW + timedelta(seconds=2), status="missed")])
    assert previous == {"doc.c": "met"}
    assert [status for _, status, _ in recorded(store, "doc.c")] == ["met", "missed"]


def test_the_history_pages_and_the_alert_trends_read_the_changes(database_url):
    store = open_store(database_url)
    for minute in range(30):
        status = "missed" if 10 <= minute < 20 else "met"
        store.save_evaluations([steady(NOW + timedelta(minutes=minute), status=status)])
    daemon = Daemon.__new__(Daemon)     # only its history reader, over this store
    daemon.store, daemon.store_reads = store, StoreOutage(logging.getLogger("test"))
    points = daemon.history("doc.c", 200)
    assert points is not None
    assert [(p.evaluated_at, p.status) for p in points] == [
        (NOW, "met"), (NOW + timedelta(minutes=10), "missed"), (NOW + timedelta(minutes=20), "met")]
    trend = store.recent_history(["doc.c"], 10)["doc.c"]
    assert [row.status for row in trend] == ["met", "missed", "met"]


def _insert(connection, commitment: str, at: datetime, status: str, actual: float | None,
            overdue_open: int | None = None) -> None:
    connection.execute(sqlalchemy.text(
        "INSERT INTO evaluation (commitment, evaluated_at, status, actual, reason, overdue_open) "
        "VALUES (:c, :at, :status, :actual, '', :overdue)"),
        {"c": commitment, "at": at, "status": status, "actual": actual, "overdue": overdue_open})


def test_migration_0010_thins_a_history_written_every_cycle_to_changes_and_daily_snapshots(database_url):
    engine = make_engine(database_url)
    config = migrations._config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0009")
    at = [NOW + timedelta(hours=h) for h in range(48)]   # hourly over three UTC days
    statuses = ["met"] * 10 + ["missed"] * 10 + ["met"] * 28
    actuals = [1.0] * 30 + [2.0] * 18
    with engine.begin() as connection:
        for i in range(48):
            _insert(connection, "doc.a", at[i], statuses[i], actuals[i] * (1 + 1e-9 * (i % 2)),
                    overdue_open=1 if i == 40 else 0)
            _insert(connection, "doc.b", at[i], "no_data", None)
    assert migrations.upgrade(engine) == ["0010", "0011"]
    store = Store(engine)
    kept = [(h.evaluated_at, h.status, h.actual) for h in reversed(store.history("doc.a", 1000))]
    first_of_day = {min(a for a in at if a.date() == d) for d in {a.date() for a in at}}
    expected = {0, 10, 20, 30, 40, 41} | {at.index(a) for a in first_of_day}
    assert [row[0] for row in kept] == [at[i] for i in sorted(expected)]
    assert [h.evaluated_at for h in reversed(store.history("doc.b", 1000))] == sorted(first_of_day)
