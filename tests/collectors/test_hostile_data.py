"""Hostile data from feeds: absurd dates, ambiguous numbers, look-alike ids, redirect loops, deep JSON."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

import httpx

from collectors.base import FetchContext
from collectors.records import build_case_records
from collectors.runner import collect
from collectors.series import Table, extract_json, extract_table, to_number
from collectors.timebounds import TimeWindow
from monitor.observations import CollectionResult
from monitor.spec.feeds import SeriesSpec
from tests.collectors.helpers import NOW, TZ, feed


def collect_with(spec, handler) -> CollectionResult:
    async def run() -> CollectionResult:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler), follow_redirects=True) as client:
            return await collect(spec, FetchContext(client=client, now=NOW, timezone=TZ, demo_url="http://demo/"))
    return asyncio.run(run())


def json_answer(payload) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(200, json=payload)


CASES = SeriesSpec(name="c", type="cases")
VALUES = SeriesSpec(name="v", column="value", time_column="as_of")


def test_a_value_dated_in_the_far_future_is_rejected_and_counted():
    table = Table({"value": [5, 6], "as_of": ["9999-12-31", "2024-06-27"]}, 2)
    out = extract_table([VALUES], table, NOW, TZ)
    assert [v.value for v in out.values] == [6.0]
    assert out.rejected == {"time_in_future": 1}


def test_a_json_series_whose_own_date_is_absurd_is_rejected_not_kept_forever():
    spec = SeriesSpec(name="v", path="value", time_path="as_of")
    out = extract_json([spec], {"value": 5, "as_of": "9999-12-31"}, NOW, TZ)
    assert out.values == [] and out.rejected == {"time_in_future": 1}
    out = extract_json([spec], {"value": 5, "as_of": "0001-01-01"}, NOW, TZ)
    assert out.values == [] and out.rejected == {"time_too_old": 1}


def test_cases_submitted_in_1900_or_in_9999_are_rejected_by_reason():
    table = Table({"id": [1, 2, 3], "submitted": ["1900-01-01", "9999-12-30", "2024-06-03"],
                   "completed": ["1900-01-02", "", "2024-06-04"]}, 3)
    out = extract_table([CASES], table, NOW, TZ, keep_problems=True)
    assert out.rejected == {"time_too_old": 1, "time_in_future": 1}
    assert len(out.cases[0]) == 1
    assert {(p.column, p.reason) for p in out.problems} == {("submitted", "time_too_old"),
                                                            ("submitted", "time_in_future")}


def test_a_case_completed_after_the_instant_collected_for_is_kept_it_was_open_then():
    table = Table({"id": [1, 2], "submitted": ["2024-06-03", "2024-06-03"],
                   "completed": ["2025-03-01T10:00", "9999-12-31"]}, 2)
    out = extract_table([CASES], table, NOW, TZ, keep_problems=True)
    assert out.rejected == {} and out.problems == []
    assert [str(t)[:10] for t in out.cases[0].completed] == ["2025-03-01", "9999-12-31"]


def test_a_json_case_batch_stamped_after_the_instant_keeps_the_cases_submitted_before_it():
    spec = SeriesSpec(name="c", type="cases", records="cases", time_path="as_of")
    document = {"as_of": "2025-12-31", "cases": [{"id": 1, "submitted": "2024-06-03", "completed": "2025-02-01"},
                                                 {"id": 2, "submitted": "2025-01-05", "completed": ""}]}
    out = extract_json([spec], document, NOW, TZ)
    assert out.rejected == {"time_in_future": 1}          # the case submitted after the instant, only
    assert len(out.cases[0]) == 1 and out.cases[0].data_time == NOW


def test_the_window_is_a_generation_back_and_a_day_ahead():
    window = TimeWindow.around(NOW)
    assert window.reason(datetime(2000, 1, 1, tzinfo=TZ)) is None
    assert window.reason(datetime(1990, 1, 1, tzinfo=TZ)) == "time_too_old"
    assert window.reason(datetime(2024, 6, 30, tzinfo=TZ)) == "time_in_future"


def test_a_decimal_comma_is_not_read_as_a_thousands_separator():
    assert to_number("9,5") is None
    assert to_number("1,234") == 1234 and to_number("１，２３４.５") == 1234.5 and to_number("-12,000") == -12000
    assert to_number("12,34,567") is None


def test_ids_7_and_quoted_7_are_duplicates():
    records, rejected = build_case_records("c", NOW, ["2024-06-03", "2024-06-03", "2024-06-04"],
                                           ["", "", ""], TZ, ids=[7, "7", " 8"])
    assert rejected == {"duplicate_id": 1} and len(records) == 2


def test_a_redirect_loop_is_an_http_status_error_not_a_bug():
    spec = feed(kind="http_json", url="http://loop/a", retries=0, series=[{"name": "v", "path": "v"}])
    result = collect_with(spec, lambda request: httpx.Response(302, headers={"Location": "http://loop/a"}))
    assert result.error is not None
    assert not result.ok and result.error_category == "http_status" and "redirect" in result.error


def test_deeply_nested_json_is_a_decode_error_not_a_bug():
    spec = feed(kind="http_json", url="http://deep/", retries=0, series=[{"name": "v", "path": "v"}])
    body = b"[" * 100_000 + b"]" * 100_000
    result = collect_with(spec, lambda request: httpx.Response(200, content=body,
                                                               headers={"Content-Type": "application/json"}))
    assert not result.ok and result.error_category == "decode"


def demo_payload(points=(), cases=None) -> dict:
    series = [{"name": "v", "type": "value", "points": list(points)}]
    if cases is not None:
        series.append({"name": "c", "type": "cases", **cases})
    return {"series": series}


def test_the_demo_kind_rejects_nan_zone_less_and_future_points():
    payload = demo_payload([{"time": "2024-06-27T10:00:00+08:00", "value": 1},
                            {"time": "2024-06-27T10:00:00+08:00", "value": "NaN"},
                            {"time": "2024-06-27T10:00:00", "value": 2},
                            {"time": "9999-12-31T00:00:00+08:00", "value": 3}])
    result = collect_with(feed(kind="demo"), json_answer(payload))
    assert result.ok and [p.value for p in result.values] == [1.0]
    assert result.rows_rejected == {"not_a_number": 1, "unparseable_time": 1, "time_in_future": 1}


def test_the_demo_kind_rejects_cases_outside_the_window():
    cases = {"data_time": NOW.isoformat(), "records": [{"submitted": "1900-01-01", "completed": ""},
                                                       {"submitted": "2024-06-03", "completed": "2024-06-04"}]}
    result = collect_with(feed(kind="demo"), json_answer(demo_payload(cases=cases)))
    assert result.ok and result.rows_rejected == {"time_too_old": 1} and len(result.cases[0]) == 1
    cases["data_time"] = "9999-12-31T00:00:00+08:00"      # cases are dated by their own times
    result = collect_with(feed(kind="demo"), json_answer(demo_payload(cases=cases)))
    assert result.rows_rejected == {"time_too_old": 1} and len(result.cases[0]) == 1
    assert result.cases[0].data_time == NOW
