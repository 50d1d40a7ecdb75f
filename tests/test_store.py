"""The store on SQLite and on the local PostgreSQL: observations, history, current state (upgrades: test_migrations)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
import sqlalchemy
from sqlmodel import Session, col, select

from monitor import migrations
from monitor import store as store_module
from monitor.evaluate import Evaluation
from monitor.observations import CaseRecords, CollectionResult, ValuePoint
from monitor.store import CASE_BATCHES_MAX_AGE_DAYS, CASE_BLOBS_KEPT, Observation, Store, make_engine

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


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


def test_repeats_are_recognised_per_series_from_each_series_own_earliest_point(database_url):
    store = open_store(database_url)
    years_ago, day = NOW - timedelta(days=1500), timedelta(days=1)
    first = [ValuePoint("total", years_ago, 1.0), ValuePoint("total", NOW, 9.0), ValuePoint("share", NOW - day, 90.0)]
    store.save_collection(CollectionResult("feed", NOW, True, values=first))
    again = first + [ValuePoint("share", NOW, 91.0), ValuePoint("share", NOW - 3 * day, 89.0)]
    store.save_collection(CollectionResult("feed", NOW + day, True, values=again))
    assert [(v.data_time, v.value) for v in store.measure_data("feed", "total").values] == [(years_ago, 1.0), (NOW, 9.0)]
    assert [(v.data_time, v.value) for v in store.measure_data("feed", "share").values] == [
        (NOW - 3 * day, 89.0), (NOW - day, 90.0), (NOW, 91.0)]


def test_newest_only_reads_the_value_a_whole_read_would_pick(database_url):
    from monitor.observations import DataWanted
    store = open_store(database_url)
    day = timedelta(days=1)
    store.save_collection(CollectionResult("feed", NOW, True, values=[ValuePoint("a", NOW, 1.0)]))
    store.save_collection(CollectionResult("feed", NOW, True, values=[
        ValuePoint("a", NOW + day, 5.0), ValuePoint("b", NOW - 10 * day, 7.0)]))
    asked = [DataWanted("a", NOW - day, NOW), DataWanted("a", None, NOW + 2 * day),
             DataWanted("b", NOW - day, NOW), DataWanted("b", None, NOW), DataWanted("a", None)]
    found = store.feed_data("feed", asked)
    assert [[(v.data_time, v.value) for v in found[w].values] for w in asked] == [
        [(NOW, 1.0)], [(NOW + day, 5.0)], [], [(NOW - 10 * day, 7.0)], [(NOW, 1.0), (NOW + day, 5.0)]]


def test_case_records_round_trip_with_open_cases_and_old_batches_pruned(database_url):
    store = open_store(database_url)
    for i in range(CASE_BLOBS_KEPT + 2):
        store.save_collection(CollectionResult("feed", NOW, True, cases=[cases("setup", 50 + i, NOW + timedelta(minutes=i))]))
    data = store.measure_data("feed", "setup")
    assert data.cases is not None
    assert len(data.cases) == 50 + CASE_BLOBS_KEPT + 1
    assert np.isnat(data.cases.completed[0]) and not np.isnat(data.cases.completed[1:]).any()
    with sqlalchemy.orm.Session(store.engine) as session:
        blobs = session.query(Observation).filter(col(Observation.cases).is_not(None)).count()
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
    run = store.latest_runs(["feed"])["feed"]
    assert (run.ok, run.error_category) == (False, "timeout")


def _runs(store: Store) -> list[tuple[datetime, bool, int]]:
    run = store_module.CollectionRun
    with Session(store.engine) as session:
        return [(r.fetched_at, r.ok, r.rows_accepted)
                for r in session.exec(select(run).order_by(col(run.fetched_at), col(run.id))).all()]


def test_a_steady_feed_records_its_run_hourly_and_every_change_and_failure_at_once(database_url):
    store = open_store(database_url)
    minute = timedelta(minutes=1)

    def ok(at: datetime, accepted: int = 10) -> CollectionResult:
        return CollectionResult(feed="feed", fetched_at=at, ok=True, rows_accepted=accepted)
    for m in range(0, 61):                          # the same outcome every minute for an hour
        store.save_collection(ok(NOW + m * minute))
    store.save_collection(ok(NOW + 62 * minute, accepted=11))                                   # a change
    store.save_collection(CollectionResult.failure("feed", NOW + 63 * minute, "timeout", "timed out"))
    store.save_collection(CollectionResult.failure("feed", NOW + 64 * minute, "timeout", "timed out"))
    store.save_collection(ok(NOW + 65 * minute, accepted=11))                                   # recovered
    store.save_collection(ok(NOW + 66 * minute, accepted=11))
    assert _runs(store) == [(NOW, True, 10), (NOW + 60 * minute, True, 10), (NOW + 62 * minute, True, 11),
                            (NOW + 63 * minute, False, 0), (NOW + 64 * minute, False, 0), (NOW + 65 * minute, True, 11)]
    assert store.latest_runs(["feed"])["feed"].ok


def test_a_store_records_its_first_run_of_a_feed_and_one_after_another_process_recorded(database_url):
    first = open_store(database_url)
    first.save_collection(CollectionResult(feed="feed", fetched_at=NOW, ok=True))
    again = Store(first.engine)                     # another process: a restart, or a replica taking the feed over
    again.save_collection(CollectionResult(feed="feed", fetched_at=NOW + timedelta(minutes=1), ok=True))
    again.save_collection(CollectionResult(feed="feed", fetched_at=NOW + timedelta(minutes=2), ok=True))
    assert [at for at, _, _ in _runs(first)] == [NOW, NOW + timedelta(minutes=1)]
    # the feed comes back to the first process: the other one recorded since, so its run is recorded
    first.save_collection(CollectionResult(feed="feed", fetched_at=NOW + timedelta(minutes=3), ok=True))
    first.save_collection(CollectionResult(feed="feed", fetched_at=NOW + timedelta(minutes=4), ok=True))
    assert [at for at, _, _ in _runs(first)] == [NOW, NOW + timedelta(minutes=1), NOW + timedelta(minutes=3)]


def test_latest_runs_gives_each_feeds_newest_run_in_one_query(database_url):
    store = open_store(database_url)
    store.save_collection(CollectionResult.failure("a", NOW, "timeout", "timed out"))
    store.save_collection(CollectionResult(feed="a", fetched_at=NOW + timedelta(minutes=1), ok=True))
    store.save_collection(CollectionResult.failure("b", NOW, "connect", "refused"))
    runs = store.latest_runs(["a", "b", "never"])
    assert {feed: (run.ok, run.fetched_at) for feed, run in runs.items()} == {
        "a": (True, NOW + timedelta(minutes=1)), "b": (False, NOW)}


def test_recent_history_gives_each_commitments_last_points_oldest_first(database_url):
    store = open_store(database_url)
    for minute in range(5):
        store.save_evaluations([Evaluation(commitment=c, evaluated_at=NOW + timedelta(minutes=minute),
                                           status="met", actual=float(minute)) for c in ("x", "y")])
    history = store.recent_history(["x", "y", "z"], 3)
    assert [h.actual for h in history["x"]] == [2.0, 3.0, 4.0] == [h.actual for h in history["y"]]
    assert history["z"] == []


def test_drop_folder_batches_are_joined_while_snapshot_feeds_use_the_newest(database_url):
    store = open_store(database_url)
    for i in range(CASE_BLOBS_KEPT + 2):
        batch = cases("monthly", 10, NOW + timedelta(days=i))
        store.save_collection(CollectionResult("drop", NOW, True, cases=[batch]), accumulates_cases=True)
    joined = store.measure_data("drop", "monthly", since=NOW - timedelta(days=1), accumulates_cases=True)
    assert joined.cases is not None
    assert len(joined.cases) == 10 * (CASE_BLOBS_KEPT + 2)
    assert joined.cases.data_time == NOW + timedelta(days=CASE_BLOBS_KEPT + 1)
    recent = store.measure_data("drop", "monthly", since=NOW + timedelta(days=2), accumulates_cases=True)
    assert recent.cases is not None
    assert len(recent.cases) == 10 * (CASE_BLOBS_KEPT)


def _same(a, b) -> bool:
    if a.values != b.values or (a.cases is None) != (b.cases is None):
        return False
    return a.cases is None or (a.cases.data_time == b.cases.data_time and len(a.cases) == len(b.cases)
                               and (a.cases.submitted == b.cases.submitted).all())


def _selects(engine, statements: list[str]):
    @sqlalchemy.event.listens_for(engine, "before_cursor_execute")
    def count(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and "observation" in statement:
            statements.append(statement)
    return count


def test_feed_data_reads_a_whole_feed_in_two_queries_and_agrees_with_measure_data(database_url):
    store = open_store(database_url)
    for accumulates, feed in ((False, "api"), (True, "drop")):
        for day in range(3):
            at = NOW + timedelta(days=day)
            values = [ValuePoint(name, at, float(day)) for name in ("a", "b", "c")]
            store.save_collection(CollectionResult(feed, at, True, values=values,
                                                   cases=[cases("x", 4, at), cases("y", 5 + day, at)]),
                                  accumulates_cases=accumulates)
        wanted = [(name, since) for name in ("a", "b", "c", "x", "y", "absent")
                  for since in (None, NOW + timedelta(days=1), NOW + timedelta(days=5))]
        statements: list[str] = []
        listener = _selects(store.engine, statements)
        found = store.feed_data(feed, wanted, accumulates)
        sqlalchemy.event.remove(store.engine, "before_cursor_execute", listener)
        assert len(statements) == 2, statements
        for name, since in wanted:
            assert _same(found[(name, since)], store.measure_data(feed, name, since, accumulates)), (feed, name, since)


def test_the_verdict_columns_are_the_evaluations_fields_and_every_verdict_table_has_them():
    import dataclasses

    from alerts.tables import AlertState
    from monitor.store import VERDICT_FIELDS, CurrentState, EvaluationRow
    kept_elsewhere = {"commitment", "evaluated_at"}           # keys and times of each table
    not_stored = {"duration_quantiles"}                        # recomputed by every evaluation, shown live
    assert set(VERDICT_FIELDS) == {f.name for f in dataclasses.fields(Evaluation)} - kept_elsewhere - not_stored
    for table in (EvaluationRow, CurrentState, AlertState):
        assert set(VERDICT_FIELDS) <= set(sqlalchemy.inspect(table).local_table.columns.keys()), table


@pytest.mark.parametrize("now", [datetime(2019, 3, 1, tzinfo=UTC), datetime(2041, 3, 1, tzinfo=UTC)],
                         ids=["past", "future"])
def test_accumulated_batches_are_pruned_by_the_collections_time_not_the_wall_clock(tmp_path, now):
    store = open_store(f"sqlite:///{tmp_path / 'monitor.db'}")
    old, recent = now - timedelta(days=CASE_BATCHES_MAX_AGE_DAYS + 1), now - timedelta(days=CASE_BATCHES_MAX_AGE_DAYS - 1)
    for at in (old, recent):
        store.save_collection(CollectionResult("drop", now, True, cases=[cases("monthly", 10, at)]),
                              accumulates_cases=True)
    kept = store.measure_data("drop", "monthly", since=now - timedelta(days=10_000), accumulates_cases=True)
    assert kept.cases is not None
    assert len(kept.cases) == 10 and kept.cases.data_time == recent


def test_reading_a_whole_feed_at_once_gives_each_series_what_reading_it_alone_gives(database_url, monkeypatch):
    store = open_store(database_url)
    monkeypatch.setattr(store_module, "PAGE", 2)   # more series than a page: the feed's rows, picked here
    for accumulates in (False, True):
        feed = f"feed{accumulates}"
        for day in range(5):
            at = NOW + timedelta(days=day)
            store.save_collection(CollectionResult(feed, at, True, values=[ValuePoint("a", at, day),
                                                                           ValuePoint("b", at, 10 + day)],
                                                   cases=[cases("c", 5 + day, at)]), accumulates_cases=accumulates)
        wanted = [("a", None), ("a", NOW + timedelta(days=2)), ("b", NOW + timedelta(days=3)),
                  ("c", NOW + timedelta(days=1)), ("c", None), ("missing", None)]
        many = store.feed_data(feed, wanted, accumulates)
        for series, since in wanted:
            assert _same(many[(series, since)], store.measure_data(feed, series, since, accumulates)), (series, since)


def test_a_batch_of_evaluations_with_a_commitment_twice_ends_as_saving_them_one_by_one(database_url):
    store = open_store(database_url)
    store.save_evaluations([Evaluation("doc.a", NOW, "met"), Evaluation("doc.b", NOW, "met")])
    later = NOW + timedelta(minutes=1)
    previous = store.save_evaluations([Evaluation("doc.a", later, "met", actual=1.0),
                                       Evaluation("doc.b", later, "missed"),
                                       Evaluation("doc.b", later + timedelta(seconds=1), "missed", actual=2.0),
                                       Evaluation("doc.c", later, "no_data")])
    assert previous == {"doc.a": "met", "doc.b": "missed", "doc.c": None}
    states = store.current_states()
    assert (states["doc.a"].status_since, states["doc.a"].actual) == (NOW, 1.0)
    assert (states["doc.b"].status, states["doc.b"].status_since, states["doc.b"].actual) == ("missed", later, 2.0)
    assert states["doc.c"].status_since == later
    assert len(store.history("doc.b")) == 3
