"""Suspended time through the store: totals in a stated unit and pause intervals are kept, batches
of a drop folder joined with their pauses, and a case id seen again keeps only its newest pauses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from monitor import migrations
from monitor.observations import CaseRecords, CollectionResult, PauseIntervals
from monitor.store import Store, make_engine

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
T = np.datetime64


def open_store(url: str) -> Store:
    engine = make_engine(url)
    migrations.upgrade(engine)
    return Store(engine)


def batch(ids: list[str], at: datetime, pauses: list[tuple[int, str, str | None]], totals: list[float] | None = None,
          unit: str | None = None) -> CaseRecords:
    submitted = np.array(["2026-11-02T09:00"] * len(ids), dtype="datetime64[s]")
    completed = np.array(["2026-11-09T09:00"] * len(ids), dtype="datetime64[s]")
    intervals = PauseIntervals(np.array([p[0] for p in pauses], dtype=np.intp),
                               np.array([p[1] for p in pauses], dtype="datetime64[s]"),
                               np.array([p[2] or "NaT" for p in pauses], dtype="datetime64[s]"))
    return CaseRecords("s", at, submitted, completed, np.array(ids), None if totals is None else np.array(totals),
                       paused_unit=unit, pauses=intervals)


def test_totals_with_their_unit_and_intervals_with_open_ends_round_trip(database_url):
    store = open_store(database_url)
    sent = batch(["a", "b"], NOW, [(1, "2026-11-03T10:00", None), (0, "2026-11-04T10:00", "2026-11-05T10:00")],
                 totals=[1.5, 0], unit="工作日")
    store.save_collection(CollectionResult("feed", NOW, True, cases=[sent]))
    kept = store.measure_data("feed", "s").cases
    assert kept is not None and kept.paused is not None and kept.pauses is not None
    assert kept.paused_unit == "工作日" and list(kept.paused) == [1.5, 0]
    assert list(kept.pauses.case) == [1, 0] and np.isnat(kept.pauses.end[0])
    assert kept.pauses.start[1] == T("2026-11-04T10:00")


def test_a_case_seen_again_in_a_newer_batch_keeps_the_newer_batchs_pauses(database_url):
    store = open_store(database_url)
    older = batch(["a", "b"], NOW, [(0, "2026-11-03T10:00", None), (1, "2026-11-04T10:00", "2026-11-05T10:00")])
    newer = batch(["a"], NOW + timedelta(days=1), [(0, "2026-11-03T10:00", "2026-11-06T10:00")])
    for i, one in enumerate((older, newer)):
        store.save_collection(CollectionResult("drop", NOW + timedelta(days=i), True, cases=[one]), accumulates_cases=True)
    joined = store.measure_data("drop", "s", since=NOW - timedelta(days=1), accumulates_cases=True).cases
    assert joined is not None and joined.ids is not None and joined.pauses is not None
    assert sorted(joined.ids) == ["a", "b"]
    by_case = {str(joined.ids[c]): (s, e) for c, s, e in zip(joined.pauses.case, joined.pauses.start, joined.pauses.end)}
    assert by_case == {"a": (T("2026-11-03T10:00"), T("2026-11-06T10:00")),
                       "b": (T("2026-11-04T10:00"), T("2026-11-05T10:00"))}


def test_totals_in_each_commitments_own_unit_are_stored_as_before_stated_units(database_url):
    store = open_store(database_url)
    plain = CaseRecords("s", NOW, np.array(["2026-11-02T09:00"], dtype="datetime64[s]"),
                        np.array(["2026-11-09T09:00"], dtype="datetime64[s]"), paused=np.array([2.5]))
    store.save_collection(CollectionResult("feed", NOW, True, cases=[plain]))
    kept = store.measure_data("feed", "s").cases
    assert kept is not None and kept.paused is not None
    assert list(kept.paused) == [2.5] and kept.paused_unit is None and kept.pauses is None
