"""A snapshot feed sending the same cases again does not store them again: the stored batch takes the
new data time; changed cases, drop folders and named sources are stored as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import sqlalchemy

from monitor import migrations
from monitor.observations import CaseRecords, CollectionResult
from monitor.store import BATCH_TIME_REFRESH, Store, make_engine
from tests.sql_counts import rows_updated

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def open_store(url: str) -> Store:
    engine = make_engine(url)
    migrations.upgrade(engine)
    return Store(engine)


def batch(at: datetime, n: int = 50, shift: int = 0, source: str | None = None) -> CaseRecords:
    submitted = np.datetime64("2026-11-02T09:00:00", "s") + np.arange(n).astype("timedelta64[s]")
    completed = submitted + np.timedelta64(3600 + shift, "s")
    ids = np.array([f"C{i}" for i in range(n)])
    return CaseRecords("setup", at, submitted, completed, ids, source=source)


def stored_batches(store: Store) -> list[int]:
    """The case counts of the stored case batches, oldest first."""
    with store.engine.connect() as connection:
        return [n for (n,) in connection.execute(sqlalchemy.text(
            "SELECT n_cases FROM observation WHERE cases IS NOT NULL ORDER BY id")).all()]


def test_the_same_cases_sent_again_are_not_stored_again_and_take_the_new_data_time(database_url):
    store = open_store(database_url)
    for minute in range(5):
        at = NOW + timedelta(minutes=minute)
        store.save_collection(CollectionResult("feed", at, True, cases=[batch(at)]))
    assert stored_batches(store) == [50]
    data = store.measure_data("feed", "setup")
    assert data.cases is not None
    assert data.cases.data_time == NOW + timedelta(minutes=4) and len(data.cases) == 50


def test_changed_cases_are_stored_as_a_new_batch(database_url):
    store = open_store(database_url)
    store.save_collection(CollectionResult("feed", NOW, True, cases=[batch(NOW)]))
    later = NOW + timedelta(minutes=1)
    store.save_collection(CollectionResult("feed", later, True, cases=[batch(later, shift=60)]))
    store.save_collection(CollectionResult("feed", later, True, cases=[batch(later, n=51, shift=60)]))
    assert stored_batches(store) == [50, 50, 51]
    newest = store.measure_data("feed", "setup").cases
    assert newest is not None
    assert len(newest) == 51


def test_drop_folders_keep_every_batch_as_before(database_url):
    store = open_store(database_url)
    for day in range(3):
        at = NOW + timedelta(days=day)
        store.save_collection(CollectionResult("drop", at, True, cases=[batch(at)]), accumulates_cases=True)
    assert len(stored_batches(store)) == 3


def stored_time(database_url: str) -> datetime:
    """The batch's data time as another process (a fresh store on the same database) reads it."""
    cases = open_store(database_url).measure_data("feed", "setup").cases
    assert cases is not None
    return cases.data_time


def test_a_batch_sent_again_keeps_its_newer_data_time_in_memory_and_writes_it_daily(database_url):
    store = open_store(database_url)
    store.save_collection(CollectionResult("feed", NOW, True, cases=[batch(NOW)]))
    writes = rows_updated(store.engine, "observation")
    for minute in range(10, 24 * 60, 10):   # every ten minutes for a day: the row (which carries the cases) is not rewritten
        at = NOW + timedelta(minutes=minute)
        store.save_collection(CollectionResult("feed", at, True, cases=[batch(at)]))
    assert writes == [0]
    newest = NOW + timedelta(minutes=24 * 60 - 10)
    for data in (store.measure_data("feed", "setup"), store.feed_data("feed", [("setup", None)])[("setup", None)]):
        assert data.cases is not None and data.cases.data_time == newest   # this process reads the newer time
    assert stored_time(database_url) == NOW
    day = NOW + BATCH_TIME_REFRESH
    store.save_collection(CollectionResult("feed", day, True, cases=[batch(day)]))
    assert writes == [1]                                                  # a day on: written
    assert stored_time(database_url) == day


def test_a_clean_stop_writes_the_data_times_kept_in_memory(database_url):
    store = open_store(database_url)
    store.save_collection(CollectionResult("feed", NOW, True, cases=[batch(NOW)]))
    later = NOW + timedelta(minutes=5)
    store.save_collection(CollectionResult("feed", later, True, cases=[batch(later)]))
    assert stored_time(database_url) == NOW
    store.flush()
    assert stored_time(database_url) == later
    assert stored_batches(store) == [50]
