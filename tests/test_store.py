"""The store on SQLite and on the local PostgreSQL: observations, history, current state (upgrades: test_migrations)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
import sqlalchemy

from monitor.evaluate import Evaluation
from monitor.observations import CaseRecords, CollectionResult, ValuePoint
from monitor import migrations
from monitor.store import CASE_BATCHES_MAX_AGE_DAYS, CASE_BLOBS_KEPT, Observation, Store, make_engine

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)


def open_store(url: str) -> Store:
    engine = make_engine(url)
    migrations.upgrade(engine)
    return Store(engine)


def cases(series: str, n: int, at: datetime) -> CaseRecords:
    submitted = np.datetime64("2026-11-02T09:00:00", "s") + np.arange(n).astype("timedelta64[s]")
    completed = submitted + np.timedelta64(3600, "s")
    completed[0] = np.datetime64("NaT")
    return CaseRecords(series, at, submitted, completed)


def test_values_round_trip_as_aware_utc_and_repeats_are_not_stored_twice(database_url):
    store = open_store(database_url)
    china = timezone(timedelta(hours=8))
    result = CollectionResult("feed", NOW, True, values=[ValuePoint("share", NOW.astimezone(china), 91.5)])
    store.save_collection(result)
    store.save_collection(result)
    data = store.measure_data("feed", "share")
    assert [(v.data_time, v.value) for v in data.values] == [(NOW, 91.5)]
    assert data.values[0].data_time.tzinfo is not None


def test_case_records_round_trip_with_open_cases_and_old_batches_pruned(database_url):
    store = open_store(database_url)
    for i in range(CASE_BLOBS_KEPT + 2):
        store.save_collection(CollectionResult("feed", NOW, True, cases=[cases("setup", 50 + i, NOW + timedelta(minutes=i))]))
    data = store.measure_data("feed", "setup")
    assert len(data.cases) == 50 + CASE_BLOBS_KEPT + 1
    assert np.isnat(data.cases.completed[0]) and not np.isnat(data.cases.completed[1:]).any()
    with sqlalchemy.orm.Session(store.engine) as session:
        blobs = session.query(Observation).filter(Observation.cases.is_not(None)).count()
    assert blobs == CASE_BLOBS_KEPT


def test_evaluations_keep_history_and_current_state_tracks_status_changes(database_url):
    store = open_store(database_url)
    first = Evaluation("doc.c1", NOW, "met", actual=95.0, target=90.0, op=">=", unit="%", margin=5.0)
    second = Evaluation("doc.c1", NOW + timedelta(minutes=1), "met", actual=94.0, target=90.0, op=">=", unit="%",
                        margin=4.0)
    third = Evaluation("doc.c1", NOW + timedelta(minutes=2), "missed", actual=80.0, target=90.0, op=">=", unit="%",
                       margin=-10.0, reason="broken")
    assert store.save_evaluations([first]) == {"doc.c1": None}
    assert store.save_evaluations([second]) == {"doc.c1": "met"}
    store.save_evaluations([third])
    state = store.current_states()["doc.c1"]
    assert (state.status, state.actual, state.status_since) == ("missed", 80.0, NOW + timedelta(minutes=2))
    assert [h.status for h in store.history("doc.c1")] == ["missed", "met", "met"]
    assert store.current_evaluations()["doc.c1"].reason == "broken"


def test_failed_collections_are_recorded_as_runs(database_url):
    store = open_store(database_url)
    store.save_collection(CollectionResult.failure("feed", NOW, "timeout", "timed out after 10s"))
    run = store.last_runs()["feed"]
    assert (run.ok, run.error_category) == (False, "timeout")


def test_drop_folder_batches_are_joined_while_snapshot_feeds_use_the_newest(database_url):
    store = open_store(database_url)
    for i in range(CASE_BLOBS_KEPT + 2):
        batch = cases("monthly", 10, NOW + timedelta(days=i))
        store.save_collection(CollectionResult("drop", NOW, True, cases=[batch]), accumulates_cases=True)
    joined = store.measure_data("drop", "monthly", since=NOW - timedelta(days=1), accumulates_cases=True)
    assert len(joined.cases) == 10 * (CASE_BLOBS_KEPT + 2)
    assert joined.cases.data_time == NOW + timedelta(days=CASE_BLOBS_KEPT + 1)
    recent = store.measure_data("drop", "monthly", since=NOW + timedelta(days=2), accumulates_cases=True)
    assert len(recent.cases) == 10 * (CASE_BLOBS_KEPT)


@pytest.mark.parametrize("now", [datetime(2019, 3, 1, tzinfo=timezone.utc), datetime(2041, 3, 1, tzinfo=timezone.utc)],
                         ids=["past", "future"])
def test_accumulated_batches_are_pruned_by_the_collections_time_not_the_wall_clock(tmp_path, now):
    store = open_store(f"sqlite:///{tmp_path / 'monitor.db'}")
    old, recent = now - timedelta(days=CASE_BATCHES_MAX_AGE_DAYS + 1), now - timedelta(days=CASE_BATCHES_MAX_AGE_DAYS - 1)
    for at in (old, recent):
        store.save_collection(CollectionResult("drop", now, True, cases=[cases("monthly", 10, at)]),
                              accumulates_cases=True)
    kept = store.measure_data("drop", "monthly", since=now - timedelta(days=10_000), accumulates_cases=True)
    assert len(kept.cases) == 10 and kept.cases.data_time == recent
