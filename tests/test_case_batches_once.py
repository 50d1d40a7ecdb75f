"""A snapshot feed sending the same cases again does not store them again: the stored batch takes the
new data time; changed cases, drop folders and named sources are stored as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import sqlalchemy

from monitor import migrations
from monitor.observations import CaseRecords, CollectionResult
from monitor.store import Store, make_engine

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
