"""Suspended time (`paused`) and case events from http_json and http_csv, against a real HTTP
server on 127.0.0.1; then through the evaluator, two promises in different units reading one series."""

from __future__ import annotations

import json

import numpy as np
import pytest

from collectors.series import extract_json
from monitor.calendar import WorkCalendar
from monitor.cases import case_timing
from monitor.observations import CaseRecords
from monitor.pauses import suspended_time
from monitor.units import parse_unit
from tests.collectors.feed_server import FeedServer
from tests.collectors.helpers import NOW, TZ, collect_once, fast_backoff, feed

pytestmark = pytest.mark.integration

T = np.datetime64
CASES = [
    {"id": "A1", "submitted": "2024-06-03 09:00", "completed": "2024-06-12 10:00", "paused_days": 2,
     "pauses": [{"start": "2024-06-04 10:00", "end": "2024-06-06 10:00"}, ["2024-06-07 09:00", "2024-06-11 09:00"]]},
    {"id": "A2", "submitted": "2024-06-17 09:00", "completed": None, "paused_days": None,
     "pauses": [{"start": "2024-06-18 10:00", "end": None}]},
    {"id": "A3", "submitted": "2024-06-03 09:00", "completed": "2024-06-04 10:00", "paused_days": "两天",
     "pauses": []},
]
EVENTS = [   # as an approval system keeps them: one row per event, in the order the system wrote them
    ("B1", "收件受理", "2024-06-03 09:00", ""), ("B1", "挂起", "2024-06-04 10:00", "检验检测"),
    ("B1", "承办", "2024-06-04 11:00", ""), ("B1", "解挂", "2024-06-06 10:00", "检验检测"),
    ("B1", "办结", "2024-06-10 10:00", ""),
    ("B2", "收件受理", "2024-06-03 09:00", ""), ("B2", "补正告知", "2024-06-03 10:00", ""),
    ("B2", "补交受理", "2024-06-05 09:00", ""), ("B2", "挂起", "2024-06-06 10:00", "专家评审"),
    ("B3", "解挂", "2024-06-04 10:00", "听证"), ("B3", "收件受理", "2024-06-03 09:00", ""),
    ("B4", "办结", "2024-06-05 09:00", ""),
]
WORDS = {"收件受理": "受理", "挂起": "特别程序开始", "解挂": "特别程序结束", "办结": "审批结果"}
EVENT_SERIES = [{"name": "setup", "type": "cases", "records": "events", "id_field": "办件编号",
                 "events": {"kind": "环节", "time": "时间", "procedure": "特别程序种类", "words": WORDS}}]


def _json(payload):
    body = json.dumps(payload, ensure_ascii=False).encode()
    return lambda handler, query: handler.answer(200, body, "application/json")


def _csv(text):
    body = text.encode()
    return lambda handler, query: handler.answer(200, body, "text/csv; charset=utf-8")


@pytest.fixture(scope="module")
def server():
    with fast_backoff(), FeedServer() as running:
        running.routes["/cases.json"] = _json({"cases": CASES})
        running.routes["/events.json"] = _json({"events": [dict(zip(("办件编号", "环节", "时间", "特别程序种类"), e))
                                                           for e in EVENTS]})
        running.routes["/cases.csv"] = _csv(
            "编号,受理时间,办结时间,挂起1,恢复1,挂起2,恢复2\n"
            "C1,2024-06-03 09:00,2024-06-12 10:00,2024-06-04 10:00,2024-06-06 10:00,2024-06-07 09:00,2024-06-11 09:00\n"
            "C2,2024-06-17 09:00,,2024-06-18 10:00,,,\n"
            "C3,2024-06-03 09:00,2024-06-04 10:00,,2024-06-04 09:00,,\n"
            "C4,2024-06-03 09:00,2024-06-05 10:00,2024-06-04 10:00,2024-06-03 10:00,,\n")
        running.routes["/events.csv"] = _csv("办件编号,环节,时间,特别程序种类\n" + "".join(",".join(e) + "\n" for e in EVENTS))
        yield running


def json_cases(server, paused):
    return feed(kind="http_json", url=server.url + "/cases.json",
                series=[{"name": "setup", "type": "cases", "records": "cases", "paused": paused}])


def test_json_series_naming_paused_reads_it_instead_of_failing_the_feed(server):
    result = collect_once(json_cases(server, "paused_days"))
    assert result.ok, result.error
    batch = result.cases[0]
    assert batch.ids is not None and batch.paused is not None
    assert list(batch.ids) == ["A1", "A2"] and list(batch.paused) == [2, 0]
    assert batch.paused_unit is None
    assert result.rows_rejected == {"bad_paused": 1}     # 两天 is not a number


def test_json_total_in_a_stated_unit_keeps_its_unit(server):
    result = collect_once(json_cases(server, {"field": "paused_days", "unit": "工作日"}))
    assert result.ok, result.error
    assert result.cases[0].paused_unit == "工作日"


def test_json_list_of_pauses_per_case_gives_intervals_open_ones_without_an_end(server):
    result = collect_once(json_cases(server, {"intervals": "pauses"}))
    assert result.ok, result.error
    batch = result.cases[0]
    assert batch.paused is None and batch.pauses is not None
    assert list(batch.pauses.case) == [0, 0, 1]
    assert list(batch.pauses.start) == [T("2024-06-04T10:00"), T("2024-06-07T09:00"), T("2024-06-18T10:00")]
    assert batch.pauses.end[1] == T("2024-06-11T09:00") and np.isnat(batch.pauses.end[2])


def test_csv_repeated_pause_columns_give_several_intervals_and_reject_unmatched_ones(server):
    spec = feed(kind="http_csv", url=server.url + "/cases.csv",
                columns={"编号": "id", "受理时间": "submitted", "办结时间": "completed"},
                series=[{"name": "setup", "type": "cases",
                         "paused": {"start": ["挂起1", "挂起2"], "end": ["恢复1", "恢复2"]}}])
    result = collect_once(spec)
    assert result.ok, result.error
    batch = result.cases[0]
    assert batch.ids is not None and batch.pauses is not None
    assert list(batch.ids) == ["C1", "C2"]
    assert list(batch.pauses.case) == [0, 1, 0]
    assert np.isnat(batch.pauses.end[1])
    assert result.rows_rejected == {"pause_end_without_start": 1, "pause_end_before_start": 1}


@pytest.mark.parametrize("path,records", [("/events.json", "events"), ("/events.csv", None)])
def test_case_events_are_assembled_into_cases_with_their_pauses(server, path, records):
    series = [dict(EVENT_SERIES[0], records=records)] if records else [
        {k: v for k, v in EVENT_SERIES[0].items() if k != "records"}]
    spec = feed(kind="http_json" if records else "http_csv", url=server.url + path, series=series)
    result = collect_once(spec)
    assert result.ok, result.error
    batch = result.cases[0]
    assert batch.ids is not None and batch.pauses is not None
    assert list(batch.ids) == ["B1", "B2", "B3"]
    # B2 is accepted at its 补交受理; B3's 解挂 had no 挂起 before it
    assert list(batch.submitted) == [T("2024-06-03T09:00"), T("2024-06-05T09:00"), T("2024-06-03T09:00")]
    assert batch.completed[0] == T("2024-06-10T10:00") and np.isnat(batch.completed[1:]).all()
    assert list(batch.pauses.case) == [0, 1]
    assert batch.pauses.end[0] == T("2024-06-06T10:00") and np.isnat(batch.pauses.end[1])
    assert result.rows_rejected == {"end_without_start": 1, "no_acceptance": 1}
    assert result.rows_skipped == {"other_event": 2}    # 承办, 补正告知


def test_one_case_series_serves_promises_in_working_days_calendar_days_and_working_hours():
    """A1 of the JSON feed, June 3 09:00 to June 12 10:00 (June 10 is 端午), paused June 4 10:00 to
    June 6 10:00 and June 7 09:00 to June 11 09:00: each promise counts both in its own unit."""
    spec = feed(kind="http_json", url="http://127.0.0.1:1/unused",
                series=[{"name": "setup", "type": "cases", "records": "cases", "paused": {"intervals": "pauses"}}])
    batch: CaseRecords = extract_json(spec.series, {"cases": CASES[:1]}, NOW, TZ).cases[0]
    calendar = WorkCalendar()
    for unit, duration, left_out in (("工作日", 6 - 3, 2 + 1), ("日", 9 - 6, 2 + 4), ("工作小时", 43 - 21, 14 + 7)):
        paused = suspended_time(parse_unit(unit), batch, np.array([0]), batch.completed, calendar, None)
        timing = case_timing(parse_unit(unit), "<=", 100, None, batch.submitted, batch.completed, calendar, None, paused)
        assert timing.taken_off is not None
        assert (timing.durations[0], timing.taken_off[0]) == (duration, left_out), unit
