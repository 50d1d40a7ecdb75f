"""A feed's stored times read once per distinct value: the same aware datetimes as the ORM reads."""

from __future__ import annotations

from datetime import timedelta, timezone

from sqlmodel import Session, select

from monitor.observations import CollectionResult, DataWanted, ValuePoint
from monitor.store import Observation, StoredTimes
from tests.test_store import NOW, cases, open_store


def test_many_series_on_shared_times_read_as_the_orm_reads_them(database_url):
    store = open_store(database_url)
    china = timezone(timedelta(hours=8))
    days = [(NOW - timedelta(days=d)).astimezone(china) for d in range(5)]
    points = [ValuePoint(f"s{i}", day, float(i)) for i in range(40) for day in days]
    store.save_collection(CollectionResult("feed", NOW, True, values=points, cases=[cases("c", 3, NOW)]))
    store.save_collection(CollectionResult("feed", NOW + timedelta(minutes=1), True, values=points))   # all repeats
    with Session(store.engine) as session:
        stored = session.exec(select(Observation).where(Observation.cases == None)).all()  # noqa: E711
    assert len(stored) == len(points)
    wanted = [DataWanted(f"s{i}", None) for i in range(40)] + [DataWanted("s1", None, NOW), DataWanted("c", None)]
    data = store.feed_data("feed", wanted)
    for i in range(40):
        orm = sorted((o.data_time, o.value) for o in stored if o.series == f"s{i}")
        assert [(v.data_time, v.value) for v in data[DataWanted(f"s{i}", None)].values] == orm
    assert all(v.data_time.utcoffset() == timedelta(0) for w in wanted for v in data[w].values)
    assert [v.data_time for v in data[DataWanted("s1", None, NOW)].values] == [NOW]
    batch = data[DataWanted("c", None)].cases
    assert batch is not None and batch.data_time == NOW


def test_stored_times_turns_each_distinct_stored_value_once(database_url):
    store = open_store(database_url)
    with Session(store.engine) as session:
        read = StoredTimes(session)
        calls: list[object] = []
        original = read._read

        def counted(raw: object) -> object:
            calls.append(raw)
            return original(raw)
        read._read = counted
        stamp = "2026-11-20 08:00:00.000000" if database_url.startswith("sqlite") else NOW
        assert read(stamp) == NOW and read(stamp) is read(stamp)
        assert len(calls) == 1
