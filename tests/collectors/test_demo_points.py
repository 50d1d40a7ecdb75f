"""The demo kind's value points: each time text read once per payload, each point judged as before."""

from __future__ import annotations

import json

import pytest

from collectors import demo
from collectors.base import FeedError, FetchContext
from tests.collectors.helpers import feed
from tests.collectors.test_hostile_data import NOW, TZ, collect_with, json_answer


def values(*series_points) -> dict:
    return {"series": [{"name": f"v{i}", "type": "value", "points": list(points)}
                       for i, points in enumerate(series_points)]}


def test_a_time_shared_by_many_series_gives_each_its_point_and_a_bad_one_rejects_each():
    good, future = "2024-06-27T10:00:00+08:00", "9999-12-31T00:00:00+08:00"
    result = collect_with(feed(kind="demo"), json_answer(values(
        [{"time": good, "value": 1}, {"time": future, "value": 2}],
        [{"time": good, "value": 3}, {"time": future, "value": 4}, {"time": "2024-06-27", "value": 5}])))
    assert result.ok and [(p.series, p.value) for p in result.values] == [("v0", 1.0), ("v1", 3.0)]
    assert result.values[0].data_time == result.values[1].data_time
    assert list(result.rows_rejected.items()) == [("time_in_future", 2), ("unparseable_time", 1)]


def test_a_value_that_is_not_a_number_is_named_so_even_when_its_time_is_outside_the_window():
    result = collect_with(feed(kind="demo"), json_answer(values(
        [{"time": "9999-12-31T00:00:00+08:00", "value": "NaN"}, {"time": "9999-12-31T00:00:00+08:00", "value": 1}])))
    assert list(result.rows_rejected.items()) == [("not_a_number", 1), ("time_in_future", 1)]


def test_the_value_of_a_point_whose_time_cannot_be_read_is_not_looked_at():
    result = collect_with(feed(kind="demo"), json_answer(values(
        [{"time": "garbage", "value": "not a number"}, {"time": 20240627, "value": None}])))
    assert result.ok and result.rows_rejected == {"unparseable_time": 2}


def test_a_value_that_cannot_be_read_fails_the_payload_as_schema():
    result = collect_with(feed(kind="demo"), json_answer(values([{"time": "2024-06-27T10:00:00+08:00", "value": "x"}])))
    assert not result.ok and result.error_category == "schema"


# What msgspec refuses and json.loads takes, what neither takes, and plain payloads: `_read` answers
# each exactly as it did when json.loads read every payload (the same points, counts and errors).
PAYLOADS = [
    b'{"series": [{"name": "v", "type": "value", "points": [{"time": "2024-06-27T10:00:00+08:00", "value": 1.5}]}]}',
    b'{"series": [{"name": "v", "type": "value", "points": [{"time": "2024-06-27T10:00:00+08:00", "value": NaN}]}]}',
    b'{"series": [{"name": "v", "type": "value", "points": [{"time": "2024-06-27T10:00:00+08:00", "value": 1e400}]}]}',
    b'{"series": [{"name": "v", "type": "value", "points": [{"time": "2024-06-27T10:00:00+08:00", "value": -Infinity}]}]}',
    b'\xef\xbb\xbf{"series": []}',
    '{"series": [{"name": "\u6c34", "type": "value", "points": []}]}'.encode("utf-16"),
    b'{"series": [{"name": "\\ud800", "type": "value", "points": [{"time": "2024-06-27T10:00:00+08:00", "value": 2}]}]}',
    b'{"series": [], "series": [{"name": "v", "type": "value", "points": []}]}',
    b'{"series": [{"name": "v", "type": "value", "points": [{"time": "2024-06-27T10:00:00+08:00", "value": 123456789012345678901234567890}]}]}',
    b'{"series": [', b'{"series": []} trailing', b'', b'\xff\xfe\x00', b'[1, 2]', b'{"other": 1}', b'"text"',
    b'[' * 100_000 + b']' * 100_000,
]


@pytest.mark.parametrize("content", PAYLOADS, ids=range(len(PAYLOADS)))
def test_the_demo_payload_reads_as_json_loads_reads_it(content: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    context = FetchContext(client=None, now=NOW, timezone=TZ)  # type: ignore[arg-type]

    def outcome() -> object:
        try:
            result = demo._read("f", content, context)
        except FeedError as exc:
            return exc.category, str(exc)
        return [(p.series, p.data_time, p.value) for p in result.values], result.rows_rejected, result.rows_accepted

    fast = outcome()
    monkeypatch.setattr(demo, "_decode", json.loads)
    assert fast == outcome()
