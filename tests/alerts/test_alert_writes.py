"""What the alert engine writes: an alert state only when something in it changed; the times every
cycle moves (evaluated_at, last_bad_at, data_time) kept in memory and written at most hourly (alerts.seen)."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session

from alerts.engine import TARGET
from alerts.pipeline import AlertPipeline
from alerts.render import local_time
from alerts.tables import AlertState
from monitor.cases import OffendingCase
from monitor.store import unpack_offending
from tests.alerts.alert_helpers import SETUP, T0, Cycle, load_fixture_catalogue, minutes, read_mails

ALERT_TABLES = ("alert_state", "alert_transition", "alert_group", "alert_onboarding", "notification",
                "delivery_attempt")
_WRITE = re.compile(r"\s*(INSERT INTO|UPDATE)\s+\"?(\w+)", re.I)


class Writes:
    """INSERT and UPDATE statements that touched rows of the alert tables, by table (rows of an
    executemany counted). An UPDATE whose WHERE matched nothing (the outbox's claim when nothing is
    due) wrote nothing and is not counted."""

    def __init__(self) -> None:
        self.by_table: Counter[str] = Counter()
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                 executemany: bool) -> None:
        found = _WRITE.match(statement)
        if found is None or found.group(2) not in ALERT_TABLES:
            return
        if "SET cursor=alert_group.cursor" in statement.replace(" ", "").replace("SETcursor", "SET cursor"):
            return   # the lock: an UPDATE that changes nothing (see test_taking_the_lock_writes_no_page)
        if cursor.rowcount == 0:
            return
        self.by_table[found.group(2)] += len(parameters) if executemany else 1
        self.statements.append(statement)

    def clear(self) -> None:
        self.by_table.clear()
        self.statements.clear()


@pytest.fixture
def writes(engine) -> Iterator[Writes]:
    counter = Writes()
    event.listen(engine, "after_cursor_execute", counter)
    yield counter
    event.remove(engine, "after_cursor_execute", counter)


def deliver(pipeline: AlertPipeline, at) -> int:
    return asyncio.run(pipeline.deliver_due(at))


def stored_state(engine, commitment: str = SETUP, alert: str = TARGET) -> AlertState:
    with Session(engine) as session:   # a plain session: what the database holds
        state = session.get(AlertState, (commitment, alert))
        assert state is not None
        return state


def test_a_second_identical_cycle_writes_nothing_to_the_alert_tables(cycle, pipeline, writes, engine):
    cycle(T0, (SETUP, "missed", 2.5))
    deliver(pipeline, T0 + minutes(1))
    assert writes.by_table["alert_state"] >= 1 and writes.by_table["notification"] >= 1   # the counter sees writes
    writes.clear()
    cycle(T0 + minutes(2), (SETUP, "missed", 2.5))
    deliver(pipeline, T0 + minutes(3))
    assert writes.by_table == Counter(), writes.statements
    assert stored_state(engine).evaluated_at == T0   # the new time is kept in memory


def test_a_changed_status_writes_the_state_and_its_transition(cycle, pipeline, writes, engine):
    cycle(T0, (SETUP, "missed", 2.5))
    cycle(T0 + minutes(1), (SETUP, "missed", 2.5))
    writes.clear()
    cycle(T0 + minutes(2), (SETUP, "met", 0.8))
    # the state, then (group_wait 0s) what its receivers were told, in the same transaction
    assert writes.by_table["alert_state"] >= 1 and writes.by_table["alert_transition"] == 1
    state = stored_state(engine)
    assert (state.state, state.status, state.actual) == ("resolved", "met", 0.8)
    assert state.evaluated_at == T0 + minutes(2)   # written with the row, not left in memory


def test_a_changed_value_is_written_though_the_status_holds(cycle, pipeline, writes, engine):
    cycle(T0, (SETUP, "missed", 2.5))
    writes.clear()
    cycle(T0 + minutes(1), (SETUP, "missed", 2.7))
    assert writes.by_table["alert_state"] == 1
    assert stored_state(engine).actual == 2.7


def test_an_open_late_case_growing_later_is_kept_in_memory_but_a_new_late_case_is_written(cycle, pipeline, writes,
                                                                                         engine):
    submitted, due = datetime(2021, 5, 28, 9, 0), datetime(2021, 5, 31, 9, 0)

    def still_open(over: float) -> OffendingCase:
        return OffendingCase("a", None, submitted, due, None, over)
    cycle(T0, (SETUP, "missed", 2.5), overdue_open=1, offending_cases=(still_open(1.0),))
    writes.clear()
    cycle(T0 + minutes(1), (SETUP, "missed", 2.5), overdue_open=1, offending_cases=(still_open(1.1),))
    assert writes.by_table["alert_state"] == 0
    with pipeline.seen.session(engine) as session:   # what the pipeline's messages read
        state = session.get(AlertState, (SETUP, TARGET))
        assert state is not None and [c.over for c in unpack_offending(state.offending_cases)] == [1.1]
    closed = OffendingCase("b", None, submitted, due, datetime(2021, 6, 1, 9, 0), 0.5)
    cycle(T0 + minutes(2), (SETUP, "missed", 2.5), overdue_open=1, offending_cases=(still_open(1.2), closed))
    assert writes.by_table["alert_state"] == 1
    assert [c.id for c in unpack_offending(stored_state(engine).offending_cases)] == ["a", "b"]


def test_a_data_time_moving_forward_is_kept_in_memory_and_one_moving_back_is_written(cycle, pipeline, writes, engine):
    # a feed that dates its cases by the time it is read moves data_time every cycle
    cycle(T0, (SETUP, "missed", 2.5), data_time=T0)
    writes.clear()
    cycle(T0 + minutes(1), (SETUP, "missed", 2.5), data_time=T0 + minutes(1))
    assert writes.by_table["alert_state"] == 0
    assert stored_state(engine).data_time == T0
    with pipeline.seen.session(engine) as session:   # what the pipeline's messages read
        state = session.get(AlertState, (SETUP, TARGET))
        assert state is not None and state.data_time == T0 + minutes(1)
    cycle(T0 + minutes(2), (SETUP, "missed", 2.5), data_time=T0 - minutes(30))   # a file sent again, older
    assert writes.by_table["alert_state"] == 1
    assert stored_state(engine).data_time == T0 - minutes(30)


def test_a_clean_stop_writes_the_kept_data_time(store, engine, settings):
    catalogue = load_fixture_catalogue()
    pipeline = AlertPipeline(engine, settings)
    cycle = Cycle(store, pipeline, catalogue)
    cycle(T0, (SETUP, "missed", 2.5), data_time=T0)
    cycle(T0 + minutes(5), (SETUP, "missed", 2.5), data_time=T0 + minutes(4))
    assert stored_state(engine).data_time == T0
    asyncio.run(pipeline.aclose())
    assert stored_state(engine).data_time == T0 + minutes(4)


def test_a_steady_state_is_written_again_once_its_stored_times_are_an_hour_old(cycle, pipeline, writes, engine):
    cycle(T0, (SETUP, "missed", 2.5))
    writes.clear()
    for minute in range(1, 60):
        cycle(T0 + minutes(minute), (SETUP, "missed", 2.5))
    assert writes.by_table["alert_state"] == 0
    cycle(T0 + minutes(60), (SETUP, "missed", 2.5))
    assert writes.by_table["alert_state"] == 1
    state = stored_state(engine)
    assert state.evaluated_at == T0 + minutes(60) and state.last_bad_at == T0 + minutes(60)


def test_a_firing_alert_does_not_count_its_evaluations_on(cycle, engine):
    cycle(T0, (SETUP, "missed", 2.5))
    for minute in range(1, 120, 7):
        cycle(T0 + minutes(minute), (SETUP, "missed", 2.5))
    assert stored_state(engine).consecutive == 1   # what fired it; for_evaluations counts only while pending


def test_the_kept_time_is_what_a_repeat_mail_shows(cycle, pipeline, settings, engine):
    cycle(T0, (SETUP, "missed", 2.5))
    deliver(pipeline, T0)
    day = T0 + timedelta(days=1)
    cycle(day - minutes(30), (SETUP, "missed", 2.5))   # written: the stored times were a day old
    cycle(day - minutes(1), (SETUP, "missed", 2.5))    # kept in memory only
    assert stored_state(engine).evaluated_at == day - minutes(30)
    deliver(pipeline, day + minutes(1))   # the repeat is due here, in a session of its own, not in a cycle
    repeated = read_mails(settings.maildir)[-1]
    assert "重复提醒" in repeated["Subject"]
    shown = local_time(day - minutes(1), load_fixture_catalogue().calendar_zone)
    assert f"评估时间 {shown}" in repeated.get_body(("plain",)).get_content()


def _keep_firing_cycles(cycle: Cycle, until: int) -> None:
    for minute in range(0, until + 1):
        cycle(T0 + minutes(minute), (SETUP, "missed", 2.5))


def test_keep_firing_for_counts_from_the_last_bad_evaluation_though_it_was_not_written(store, engine, settings):
    catalogue = load_fixture_catalogue(keep_firing_for="10m")
    pipeline = AlertPipeline(engine, settings)
    cycle = Cycle(store, pipeline, catalogue)
    _keep_firing_cycles(cycle, 15)
    assert stored_state(engine).last_bad_at == T0   # the later ones are in memory
    cycle(T0 + minutes(16), (SETUP, "met", 0.8))
    assert stored_state(engine).state == "firing"   # 1 minute since the last bad one, not 16
    cycle(T0 + minutes(25), (SETUP, "met", 0.8))
    assert stored_state(engine).state == "resolved"


def test_a_clean_stop_writes_the_kept_times_so_a_restart_keeps_keep_firing_for(store, engine, settings):
    catalogue = load_fixture_catalogue(keep_firing_for="10m")
    first = AlertPipeline(engine, settings)
    _keep_firing_cycles(Cycle(store, first, catalogue), 15)
    asyncio.run(first.aclose())
    assert stored_state(engine).last_bad_at == T0 + minutes(15)
    restarted = Cycle(store, AlertPipeline(engine, settings), catalogue)
    restarted(T0 + minutes(16), (SETUP, "met", 0.8))
    assert stored_state(engine).state == "firing"


def test_taking_the_lock_writes_no_page(cycle, pipeline, engine, tmp_path: Path):
    cycle(T0, (SETUP, "missed", 2.5))
    deliver(pipeline, T0)
    wal = tmp_path / "monitor.db-wal"
    before = wal.stat().st_size
    for second in range(10, 60, 10):   # flushes with nothing due: each takes the lock
        deliver(pipeline, T0 + timedelta(seconds=second))
    assert wal.stat().st_size == before
