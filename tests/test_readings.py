"""The readings table: how each wording of a promise is read, one hand-computed case per row.

Every row names the wording it stands for and runs through the public path: a commitment written
as in targets.yaml, loaded by the real loader, evaluated by `evaluate` with the real calendar.
The rules are stated in docs/targets-format.md ("How promises are read").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import yaml

from monitor.calendar import WorkCalendar
from monitor.evaluate import evaluate, late_note
from monitor.loader import load_catalogue
from monitor.observations import CaseRecords, MeasureData, PauseIntervals, ValuePoint
from monitor.spec import CatalogueSpec

SH = ZoneInfo("Asia/Shanghai")

HEADER = """\
version: 1
calendar:
  office_hours:
    某市某区: ["09:00-12:00", "13:30-17:30"]
documents:
  - id: plan
    source: seed.txt
    title: 某区优化营商环境实施方案
    jurisdiction: 某市某区
    issuer: 某区人民政府
    issued: 2024-01-01
    period: {start: 2024-01-01, end: 2024-12-31}
agencies:
  - id: plan.bureau
    name: 区行政审批局
feeds:
  - id: feed
    kind: demo
    max_age: 400d
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def cases(*pairs: tuple[str, str | None], paused: list[float] | None = None) -> MeasureData:
    submitted = np.array([s for s, _ in pairs], dtype="datetime64[s]")
    completed = np.array([c or "NaT" for _, c in pairs], dtype="datetime64[s]")
    ids = np.array([f"case-{i}" for i in range(len(pairs))], dtype=str)
    batch_time = max(at(s) for s, _ in pairs) + timedelta(days=1)
    return MeasureData(cases=CaseRecords("s", batch_time, submitted, completed, ids,
                                         None if paused is None else np.array(paused, dtype=float)))


def repeat(pair: tuple[str, str | None], n: int) -> list[tuple[str, str | None]]:
    return [pair] * n


def values(*points: tuple[str, float]) -> MeasureData:
    return MeasureData(values=tuple(ValuePoint("s", at(t), v) for t, v in points))


@dataclass(frozen=True)
class Reading:
    wording: str
    fields: dict[str, Any]
    data: MeasureData
    now: str
    status: str
    actual: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    says: str = ""           # words the reason must contain


def per_case(op: str, value: float, unit: str = "个工作日", **measure: Any) -> dict[str, Any]:
    return {"kind": "case_duration", "op": op, "value": value, "unit": unit,
            "measure": {"feed": "feed", "series": "s", "aggregate": "share_within", "window": "365d"} | measure}


def level(kind: str, op: str, value: float, unit: str, **more: Any) -> dict[str, Any]:
    return {"kind": kind, "op": op, "value": value, "unit": unit, "measure": {"feed": "feed", "series": "s"}} | more


WEEK = ("2024-05-20T10:00", "2024-05-23T16:00")       # Monday to Thursday: 3 working days after acceptance

READINGS = [
    # -- 受理之日起N个工作日: the day after acceptance is day 1 -----------------------------------
    Reading("受理之日起3个工作日内办结: done on the third working day", per_case("<=", 3), cases(WEEK),
            "2024-06-01T12:00", "met", 100),
    Reading("受理之日起3个工作日内办结: done on the fourth working day", per_case("<=", 3),
            cases(("2024-05-20T10:00", "2024-05-24T09:00")), "2024-06-01T12:00", "missed", 0),
    Reading("不超过9个工作日 promises every case: 4 of 100 at 12 days", per_case("<=", 9),
            cases(*repeat(("2024-05-06T10:00", "2024-05-09T10:00"), 96),
                  *repeat(("2024-05-06T10:00", "2024-05-22T10:00"), 4)), "2024-06-01T12:00", "missed", 96),
    Reading("90%的事项3个工作日内办结: a share the text states", per_case("<=", 3, min_share=90),
            cases(*repeat(WEEK, 92), *repeat(("2024-05-20T10:00", "2024-05-31T10:00"), 8)),
            "2024-06-01T12:00", "met", 92),
    Reading("N个工作日内办结: open cases past the limit are late (10 on time, 50 open for 47 days)",
            per_case("<=", 9), cases(*repeat(WEEK, 10), *repeat(("2024-04-01T10:00", None), 50)),
            "2024-06-07T12:00", "missed", 10 * 100 / 60, extra={"overdue_open": 50}),
    Reading("N个工作日内办结: an open case still within its limit is not yet late", per_case("<=", 9),
            cases(WEEK, ("2024-06-05T10:00", None)), "2024-06-07T12:00", "met", 100, extra={"overdue_open": 0}),
    Reading("受理之日起: a submission after closing time is accepted the next working day",
            per_case("<=", 1), cases(("2024-05-20T18:30", "2024-05-22T10:00")), "2024-06-01T12:00", "met", 100),
    Reading("受理之日起: a submission on a Saturday is accepted on Monday", per_case("<=", 1),
            cases(("2024-05-25T10:00", "2024-05-28T10:00")), "2024-06-01T12:00", "met", 100),
    Reading("即办: filed Friday 17:45, after office hours, done Monday 09:05", per_case("<=", 0),
            cases(("2024-05-24T17:45", "2024-05-27T09:05")), "2024-06-01T12:00", "met", 100),
    Reading("即办: done the next working day is late", per_case("<=", 0),
            cases(("2024-05-27T10:00", "2024-05-28T09:00")), "2024-06-01T12:00", "missed", 0),
    Reading("当场办结: on a rest day, done at Monday's opening", per_case("<=", 0),
            cases(("2024-05-25T10:00", "2024-05-27T11:00")), "2024-06-01T12:00", "met", 100),
    Reading("国庆 with 调休: the make-up Saturday and Sunday count (2023-10-07, 10-08)", per_case("<=", 3),
            cases(("2023-09-28T10:00", "2023-10-09T10:00")), "2023-10-20T12:00", "met", 100),
    Reading("国庆 without its 调休 would be late: the fourth working day after is late", per_case("<=", 3),
            cases(("2023-09-28T10:00", "2023-10-10T10:00")), "2023-10-20T12:00", "missed", 0),
    Reading("春节 2024 with 调休: Sunday 02-18 is a working day", per_case("<=", 1),
            cases(("2024-02-09T10:00", "2024-02-18T10:00")), "2024-02-28T12:00", "met", 100),
    Reading("暂停 (专家评审) left out: 7 working days elapsed, 3 suspended, limit 5", per_case("<=", 5),
            cases(("2024-05-20T10:00", "2024-05-29T10:00"), paused=[3]), "2024-06-01T12:00", "met", 100),
    Reading("a year past the built-in tables (2027): 国庆 computed, provisional", per_case("<=", 5),
            cases(("2027-09-30T10:00", "2027-10-08T10:00")), "2027-10-20T12:00", "met", 100,
            extra={"provisional": True}),
    Reading("a year past the built-in tables (2027): 春节 除夕 to 初三 off", per_case("<=", 1),
            cases(("2027-02-04T10:00", "2027-02-09T10:00")), "2027-02-20T12:00", "met", 100,
            extra={"provisional": True}),
    Reading("a year with its notice is not provisional", per_case("<=", 3), cases(WEEK), "2024-06-01T12:00",
            "met", extra={"provisional": False}),
    # -- N个工作小时: office hours only -------------------------------------------------------------
    Reading("8个工作小时: Monday 16:00 to Tuesday 14:00 is 5 office hours",
            per_case("<=", 8, "个工作小时", aggregate="max"),
            cases(("2024-05-20T16:00", "2024-05-21T14:00")), "2024-06-01T12:00", "met", 5),
    Reading("8个工作小时: a Saturday submission starts at Monday's opening",
            per_case("<=", 8, "个工作小时", aggregate="max"),
            cases(("2024-05-25T10:00", "2024-05-27T17:00")), "2024-06-01T12:00", "met", 6.5),
    Reading("8个工作小时: Monday 09:00 to Tuesday 11:00 is 9 office hours",
            per_case("<=", 8, "个工作小时", aggregate="max"),
            cases(("2024-05-20T09:00", "2024-05-21T11:00")), "2024-06-01T12:00", "missed", 9),
    # -- N日/N天: calendar days by local date, day of the event is day 0 -----------------------------
    Reading("发出之日起20日内: signed on the afternoon of day 20", per_case("<=", 20, "日"),
            cases(("2024-05-08T09:00", "2024-05-28T16:00")), "2024-06-10T12:00", "met", 100),
    Reading("发出之日起20日内: signed on day 21", per_case("<=", 20, "日"),
            cases(("2024-05-08T09:00", "2024-05-29T08:00")), "2024-06-10T12:00", "missed", 0),
    Reading("20日内 ending in the 国庆 holiday: the first working day after it is the last day",
            per_case("<=", 20, "日"), cases(("2024-09-11T10:00", "2024-10-08T16:00")), "2024-10-20T12:00",
            "met", 100),
    Reading("20日内 ending in the 国庆 holiday: a day later is late", per_case("<=", 20, "日"),
            cases(("2024-09-11T10:00", "2024-10-09T09:00")), "2024-10-20T12:00", "missed", 0),
    Reading("3天内: counted by date, not in 24-hour blocks (mean of 2 and 1 days)",
            per_case("<=", 3, "天", aggregate="mean"),
            cases(("2024-06-07T23:00", "2024-06-09T01:00"), ("2024-06-07T10:00", "2024-06-08T10:00")),
            "2024-06-10T12:00", "met", 1.5),
    # -- 日 periods end at closing time where office hours are known (民法典 第二百零三条) ---------------
    Reading("20日内 with office hours: signed at 17:30 sharp on day 20, the closing time, is on time",
            per_case("<=", 20, "日"), cases(("2024-05-08T09:00", "2024-05-28T17:30")), "2024-06-10T12:00", "met", 100),
    Reading("20日内 with office hours: signed at 17:31 on day 20, after closing, is late",
            per_case("<=", 20, "日"), cases(("2024-05-08T09:00", "2024-05-28T17:31")), "2024-06-10T12:00",
            "missed", 0),
    Reading("20日内 ending in the 国庆 holiday: on 10-08, the day it moves to, after closing is late",
            per_case("<=", 20, "日"), cases(("2024-09-11T10:00", "2024-10-08T18:00")), "2024-10-20T12:00",
            "missed", 0),
    # -- 个月/年 periods: the corresponding day of the last month (民法典 第二百零二条) -----------------
    Reading("自受理之日起1个月内办结: 2025-07-15 to 2025-08-15, the corresponding day, is on time",
            per_case("<=", 1, "个月"), cases(("2025-07-15T10:00", "2025-08-15T16:00")), "2025-09-01T12:00", "met", 100),
    Reading("自受理之日起1个月内办结: 2025-07-15 to 2025-08-18, after the corresponding day, is late",
            per_case("<=", 1, "个月"), cases(("2025-07-15T10:00", "2025-08-18T09:00")), "2025-09-01T12:00",
            "missed", 0),
    Reading("1个月 from January 31 ends on February 28 (no February 31): done 02-28 is on time",
            per_case("<=", 1, "个月"), cases(("2025-01-31T10:00", "2025-02-28T16:00")), "2025-03-10T12:00", "met", 100),
    Reading("1个月 from January 31 ends on February 28: done 03-03, the next working day, is late",
            per_case("<=", 1, "个月"), cases(("2025-01-31T10:00", "2025-03-03T09:00")), "2025-03-10T12:00",
            "missed", 0),
    Reading("1个月 from 2024-01-31 ends on February 29 in a leap year: done 02-29 is on time",
            per_case("<=", 1, "个月"), cases(("2024-01-31T10:00", "2024-02-29T16:00")), "2024-03-10T12:00", "met", 100),
    Reading("1个月 from 2024-01-31: done 03-01 is late even in a leap year",
            per_case("<=", 1, "个月"), cases(("2024-01-31T10:00", "2024-03-01T09:00")), "2024-03-10T12:00",
            "missed", 0),
    Reading("1个月 whose last day is 国庆 (2024-10-01) ends on 10-08, the first working day after",
            per_case("<=", 1, "个月"), cases(("2024-09-01T10:00", "2024-10-08T16:00")), "2024-10-20T12:00", "met", 100),
    Reading("1个月 ending on the first working day after 国庆 ends at its closing time: 10-08 18:00 is late",
            per_case("<=", 1, "个月"), cases(("2024-09-01T10:00", "2024-10-08T18:00")), "2024-10-20T12:00",
            "missed", 0),
    Reading("1年 from 2024-02-29 ends on 2025-02-28; from 03-01 on 2025-03-01, a Saturday, so Monday 03-03",
            per_case("<=", 1, "年"),
            cases(("2024-02-29T10:00", "2025-02-28T16:00"), ("2024-03-01T10:00", "2025-03-04T09:00")),
            "2025-03-10T12:00", "missed", 50),
    Reading("1个月, durations in months: 2025-01-15 to 02-01 is 17/31 of a month",
            per_case("<=", 1, "个月", aggregate="max"),
            cases(("2025-01-15T10:00", "2025-02-01T10:00")), "2025-02-10T12:00", "met", 17 / 31),
    # -- boundaries: the submission at closing time, the window's start, the due moment -------------
    Reading("受理之日起1个工作日: a submission at 17:30 sharp, the closing time, is accepted the next day",
            per_case("<=", 1), cases(("2024-05-20T17:30", "2024-05-22T10:00")), "2024-06-01T12:00", "met", 100),
    Reading("受理之日起1个工作日: a submission at 17:29, before closing, is accepted that day",
            per_case("<=", 1), cases(("2024-05-20T17:29", "2024-05-22T10:00")), "2024-06-01T12:00", "missed", 0),
    Reading("a case completed exactly at the window's start is inside the window",
            per_case("<=", 3, window="30d"),
            cases(("2024-05-20T10:00", "2024-05-31T12:00"), ("2024-06-17T10:00", "2024-06-18T10:00")),
            "2024-06-30T12:00", "missed", 50),
    Reading("a case completed a second before the window's start is outside it",
            per_case("<=", 3, window="30d"),
            cases(("2024-05-20T10:00", "2024-05-31T11:59:59"), ("2024-06-17T10:00", "2024-06-18T10:00")),
            "2024-06-30T12:00", "met", 100),
    Reading("8个工作小时: completed exactly at the eighth office hour is on time",
            per_case("<=", 8, "个工作小时", aggregate="max"),
            cases(("2024-05-20T09:00", "2024-05-21T10:00")), "2024-06-01T12:00", "met", 8),
    # -- replays: at T, a case completed after T was open at T ------------------------------------
    Reading("at T, a case submitted before T and completed long after T is open and overdue at T",
            per_case("<=", 3), cases(WEEK, ("2024-04-01T10:00", "2024-09-02T10:00")), "2024-06-07T12:00",
            "missed", 50, extra={"overdue_open": 1}),
    Reading("at T, a case submitted before T and completed after T, still within its limit at T, is not late",
            per_case("<=", 3), cases(WEEK, ("2024-06-06T10:00", "2024-06-20T10:00")), "2024-06-07T12:00",
            "met", 100, extra={"overdue_open": 0}),
    # -- comparators (民法典 第一千二百五十九条) -----------------------------------------------------
    Reading("超30亿元: exactly 30 is not more than 30", level("cumulative", ">", 30, "亿元", deadline="2024-12-31"),
            values(("2024-12-20T12:00", 30)), "2025-01-05T12:00", "missed", 30),
    Reading("超30亿元: 31 keeps it", level("cumulative", ">", 30, "亿元", deadline="2024-12-31"),
            values(("2024-12-20T12:00", 31)), "2025-01-05T12:00", "met", 31),
    Reading("不低于100亿元 (2020): 102.5 is kept, two years later", level("value", ">=", 100, "亿元",
            deadline="2020-12-31"), values(("2020-12-20T12:00", 102.5)), "2022-12-01T12:00", "met", 102.5,
            extra={"settled_on": date(2020, 12, 31)}),
    Reading("不低于100亿元: exactly 100 is kept", level("value", ">=", 100, "亿元"),
            values(("2024-06-01T12:00", 100)), "2024-06-02T12:00", "met", 100),
    Reading("新增10家: exactly 10 firms is kept", level("cumulative", ">=", 10, "家", deadline="2024-12-31"),
            values(("2024-11-01T12:00", 10)), "2024-11-02T12:00", "met", 10),
    Reading("达到4级: 4 service levels of 4 is kept", level("value", ">=", 4, "级"),
            values(("2024-06-01T12:00", 4)), "2024-06-02T12:00", "met", 4),
    Reading("不超过1个环节: exactly 1 step is kept", level("value", "<=", 1, "环节"),
            values(("2024-06-01T12:00", 1)), "2024-06-02T12:00", "met", 1),
    Reading("95%以上: 95 is kept", level("share", ">=", 95, "%"), values(("2024-06-01T12:00", 95)),
            "2024-06-02T12:00", "met", 95),
    Reading("突破10万件: exactly 10万 is not more than 10万", level("value", ">", 100000, "件"),
            values(("2024-06-01T12:00", 100000)), "2024-06-02T12:00", "missed", 100000),
    Reading("不足5%: 5 is not less than 5", level("share", "<", 5, "%"), values(("2024-06-01T12:00", 5)),
            "2024-06-02T12:00", "missed", 5),
    Reading("未满18个月: 17 months is under 18", level("value", "<", 18, "个月"), values(("2024-06-01T12:00", 17)),
            "2024-06-02T12:00", "met", 17),
    Reading("达90%: exactly 90 is kept", level("share", ">=", 90, "%"), values(("2024-06-01T12:00", 90)),
            "2024-06-02T12:00", "met", 90),
    Reading("10月份完成 (X月份: the last day of that month): done on the evening of October 31",
            level("milestone", ">=", 100, "%", deadline="2024-10-31"), values(("2024-10-31T21:00", 100)),
            "2024-11-01T09:00", "met", 100, extra={"settled_on": date(2024, 10, 31)}),
    Reading("低于5%: 5 is not below 5", level("share", "<", 5, "%"), values(("2024-06-01T12:00", 5)),
            "2024-06-02T12:00", "missed", 5),
    # -- deadlines: judged on the data as of the deadline, then settled ----------------------------
    Reading("年底前建成: 80% on Dec 31 and 100% two weeks later is missed",
            level("milestone", ">=", 100, "%", deadline="2024-12-31"),
            values(("2024-12-31T18:00", 80), ("2025-01-14T12:00", 100)), "2025-01-20T12:00", "missed", 80),
    Reading("年底前达到90%: kept on Dec 31, slipping in February, stays met",
            level("share", ">=", 90, "%", deadline="2024-12-31"),
            values(("2024-12-31T18:00", 92), ("2025-02-10T12:00", 85)), "2025-02-20T12:00", "met", 92,
            extra={"settled_on": date(2024, 12, 31)}),
    Reading("年底前: a feed that stops after year-end still gives the verdict",
            level("share", ">=", 90, "%", deadline="2024-12-31"), values(("2024-12-30T12:00", 95)),
            "2025-06-01T12:00", "met", 95),
    Reading("年底前: not yet kept in June is at risk", level("share", ">=", 90, "%", deadline="2024-12-31"),
            values(("2024-06-01T12:00", 80)), "2024-06-02T12:00", "at_risk", 80),
    Reading("年底前建成: done half an hour after the deadline is missed, and the reason says when it came",
            level("milestone", ">=", 100, "%", deadline="2024-12-31"),
            values(("2024-12-20T12:00", 60), ("2025-01-01T00:30", 100)), "2025-01-10T12:00", "missed", 60,
            extra={"late_note": "截止日后于2025-01-01 00:30达到100%（迟于截止日30分钟）"}),
    Reading("年底前建成: a value that keeps it after the evaluation instant is not mentioned",
            level("milestone", ">=", 100, "%", deadline="2024-12-31"),
            values(("2024-12-20T12:00", 60), ("2025-02-01T10:00", 100)), "2025-01-10T12:00", "missed", 60,
            extra={"late_note": None}),
    Reading("a stale value's reason says its age in words", level("share", ">=", 90, "%"),
            values(("2023-05-01T12:00", 95)), "2024-06-06T12:00", "no_data",
            says="older than the feed's max_age of 400天"),
    Reading("6月底前: done on the evening of June 30, judged July 1",
            level("milestone", ">=", 100, "%", deadline="2024-06-30"), values(("2024-06-30T22:00", 100)),
            "2024-07-01T09:00", "met", 100),
    Reading("a value dated after the evaluation instant is not used yet",
            level("share", ">=", 90, "%"), values(("2024-06-01T12:00", 80), ("2024-12-01T12:00", 100)),
            "2024-06-07T12:00", "missed", 80),
    Reading("年底前 per-case: judged on cases as of the deadline; a later completion was open then",
            per_case("<=", 3) | {"deadline": "2024-05-31"},
            cases(WEEK, ("2024-05-20T10:00", "2024-06-03T10:00")), "2024-06-10T12:00", "missed", 50,
            extra={"overdue_open": 1}),
    # -- 全年保持 / 始终: every day from the start, not only at the end ------------------------------
    Reading("全年保持100%: a dip in March breaks it before the deadline",
            level("share", ">=", 100, "%", deadline="2024-12-31", throughout=True),
            values(("2024-02-01T12:00", 100), ("2024-03-05T12:00", 98), ("2024-06-01T12:00", 100)),
            "2024-06-07T12:00", "missed", 98),
    Reading("全年保持100%: kept on every report so far is on track, not yet kept",
            level("share", ">=", 100, "%", deadline="2024-12-31", throughout=True),
            values(("2024-02-01T12:00", 100), ("2024-06-01T12:00", 100)), "2024-06-07T12:00", "on_track", 100),
    Reading("全年保持100%: kept on every report to the end of the year is met",
            level("share", ">=", 100, "%", deadline="2024-12-31", throughout=True),
            values(("2024-02-01T12:00", 100), ("2024-12-31T12:00", 100)), "2025-01-02T12:00", "met", 100),
    # -- 压缩至 / 压缩…% / 缩短 -----------------------------------------------------------------------
    Reading("压缩至6个工作日: exactly 6 is kept", level("value", "<=", 6, "个工作日"),
            values(("2024-06-01T12:00", 6)), "2024-06-02T12:00", "met", 6),
    Reading("压缩到6—15个工作日 promises a ceiling: 3 is better, not missed", level("value", "<=", 15, "个工作日"),
            values(("2024-06-01T12:00", 3)), "2024-06-02T12:00", "met", 3),
    Reading("压缩60% from a stated 45天: a level of 18 is a 60% cut",
            level("reduction", ">=", 60, "%", baseline={"value": 45, "unit": "天"}),
            values(("2024-06-01T12:00", 18)), "2024-06-02T12:00", "met", 60),
    Reading("压缩50% from the feed's own value at the plan's start: 20 to 11 is 45%",
            level("reduction", ">=", 50, "%", baseline={"date": "2024-01-01"}),
            values(("2023-12-31T12:00", 20), ("2024-06-01T12:00", 11)), "2024-06-02T12:00", "missed", 45),
    Reading("缩短5天 from 20天: a level of 15 is kept", level("reduction", ">=", 5, "天",
            baseline={"value": 20, "unit": "天"}), values(("2024-06-01T12:00", 15)), "2024-06-02T12:00", "met", 5),
    # -- pace toward a cumulative target, on whole local days ---------------------------------------
    Reading("全年新增366家: exactly on pace on July 1 (182 of 366 days elapsed) is on track, not met",
            level("cumulative", ">=", 366, "家", deadline="2024-12-31"), values(("2024-06-30T18:00", 182)),
            "2024-07-01T23:00", "on_track", 182),
    Reading("全年新增366家: one short of pace is at risk",
            level("cumulative", ">=", 366, "家", deadline="2024-12-31"), values(("2024-06-30T18:00", 181)),
            "2024-07-01T23:00", "at_risk", 181),
    Reading("全年新增73家: 58 in October is on pace, on track (正常推进), not met",
            level("cumulative", ">=", 73, "家", start="2025-01-01", deadline="2025-12-31"),
            values(("2025-10-09T18:00", 58)), "2025-10-10T12:00", "on_track", 58),
    Reading("全年新增73家: 73 of 73 in October is reached: kept before the deadline",
            level("cumulative", ">=", 73, "家", start="2025-01-01", deadline="2025-12-31"),
            values(("2025-10-09T18:00", 73)), "2025-10-10T12:00", "met", 73),
    Reading("全年新增73家: 56 in October is behind pace (expected 56.4)",
            level("cumulative", ">=", 73, "家", start="2025-01-01", deadline="2025-12-31"),
            values(("2025-10-09T18:00", 56)), "2025-10-10T12:00", "at_risk", 56),
    Reading("全年新增: short after the deadline is missed, never at risk",
            level("cumulative", ">=", 366, "家", deadline="2024-12-31"), values(("2024-12-31T18:00", 365)),
            "2025-01-02T12:00", "missed", 365),
    Reading("累计不超过100件: a running total over its cap before the deadline is already missed",
            level("cumulative", "<=", 100, "件", deadline="2024-12-31"), values(("2024-05-31T12:00", 120)),
            "2024-06-02T12:00", "missed", 120),
    Reading("累计不超过100件: under its cap before the deadline is on track, not yet kept",
            level("cumulative", "<=", 100, "件", deadline="2024-12-31"),
            values(("2024-05-31T12:00", 80)), "2024-06-02T12:00", "on_track", 80),
    Reading("累计不超过100件: under its cap at the deadline is met",
            level("cumulative", "<=", 100, "件", deadline="2024-12-31"),
            values(("2024-12-31T12:00", 95)), "2025-01-02T12:00", "met", 95),
    Reading("全年保持降幅10%以上 from the feed's own value: the baseline day is not a 0% cut",
            level("reduction", ">=", 10, "%", baseline={"date": "2024-01-01"}, throughout=True,
                  deadline="2024-12-31", start="2024-01-01"),
            values(("2024-01-01T12:00", 100), ("2024-03-01T12:00", 85), ("2024-06-01T12:00", 80)),
            "2024-06-02T12:00", "on_track", 20),
    # -- at_risk is a forecast: only an editor's opt-in margin, only before a deadline --------------
    Reading("warn_margin opted in: 91% against 90% before the deadline is at risk",
            level("share", ">=", 90, "%", deadline="2024-12-31") | {"measure": {"feed": "feed", "series": "s",
                                                                              "warn_margin": 2}},
            values(("2024-06-01T12:00", 91)), "2024-06-02T12:00", "at_risk", 91),
    Reading("warn_margin opted in: an exact count reached (10家 of 10家) is met, never at risk",
            level("value", ">=", 10, "家", deadline="2024-12-31") | {"measure": {"feed": "feed", "series": "s",
                                                                               "warn_margin": 2}},
            values(("2024-06-01T12:00", 10)), "2024-06-02T12:00", "met", 10),
    Reading("warn_margin opted in: a share exactly at its target (90% of 90%) is at risk",
            level("share", ">=", 90, "%", deadline="2024-12-31") | {"measure": {"feed": "feed", "series": "s",
                                                                              "warn_margin": 2}},
            values(("2024-06-01T12:00", 90)), "2024-06-02T12:00", "at_risk", 90),
    Reading("原则上3个工作日内办结: the hedge is recorded, every case still counts",
            per_case("<=", 3) | {"hedge": "原则上"},
            cases(*repeat(WEEK, 9), ("2024-05-20T10:00", "2024-05-31T10:00")), "2024-06-01T12:00", "missed", 90,
            extra={"hedge": None}),
    Reading("warn_margin opted in: 91% against 90% at the deadline is met",
            level("share", ">=", 90, "%", deadline="2024-12-31") | {"measure": {"feed": "feed", "series": "s",
                                                                              "warn_margin": 2}},
            values(("2024-12-31T12:00", 91)), "2025-01-02T12:00", "met", 91),
]


def suspended(*pairs: tuple[str, str | None], pauses: Sequence[tuple[int, str, str | None]] = (),
              totals: list[float] | None = None, unit: str | None = None) -> MeasureData:
    """Cases with suspended time: pause intervals (case, start, end or None while it goes on), or
    totals in a stated unit."""
    data = cases(*pairs, paused=totals)
    assert data.cases is not None
    intervals = PauseIntervals(np.array([p[0] for p in pauses], dtype=np.intp),
                               np.array([p[1] for p in pauses], dtype="datetime64[s]"),
                               np.array([p[2] or "NaT" for p in pauses], dtype="datetime64[s]")) if pauses else None
    return MeasureData(cases=replace(data.cases, paused_unit=unit, pauses=intervals))


NATIONAL_DAY_CASE = ("2024-09-27T10:00", "2024-10-10T10:00")   # Friday to Thursday across 国庆 2024
NATIONAL_DAY_PAUSE = [(0, "2024-09-30T10:00", "2024-10-08T10:00")]

# 行政许可法 第四十五条: suspended time is not counted; never more than the case's own time
READINGS += [
    Reading("暂停 longer than the case (a total of 5 on a 2-day case) gives 0, not a negative duration",
            per_case("<=", 3, aggregate="max"), cases(("2024-05-20T10:00", "2024-05-22T10:00"), paused=[5]),
            "2024-06-01T12:00", "met", 0, extra={"paused_cases": 1, "paused_total": 2}),
    Reading("暂停 interval reaching before acceptance and past completion counts only the case's own days",
            per_case("<=", 3, aggregate="max"),
            suspended(("2024-05-20T10:00", "2024-05-22T10:00"), pauses=[(0, "2024-05-15T10:00", "2024-05-30T10:00")]),
            "2024-06-01T12:00", "met", 0, extra={"paused_total": 2}),
    Reading("暂停 begun before submission, 日: only the days from submission count (5 days less 2)",
            per_case("<=", 10, "日", aggregate="max"),
            suspended(("2024-05-20T10:00", "2024-05-25T10:00"), pauses=[(0, "2024-05-10T10:00", "2024-05-22T10:00")]),
            "2024-06-01T12:00", "met", 3, extra={"paused_total": 2}),
    Reading("暂停 over a weekend, 个工作日: Friday to Tuesday leaves out Monday and Tuesday only (5 - 2)",
            per_case("<=", 3, aggregate="max"),
            suspended(("2024-05-23T10:00", "2024-05-30T10:00"), pauses=[(0, "2024-05-24T10:00", "2024-05-28T10:00")]),
            "2024-06-07T12:00", "met", 3, extra={"paused_cases": 1, "paused_total": 2}),
    Reading("暂停 across 国庆, 个工作日: Sep 30 to Oct 8 is one working day (29 Sep is a 调休 working day: 5 - 1)",
            per_case("<=", 5, aggregate="max"), suspended(NATIONAL_DAY_CASE, pauses=NATIONAL_DAY_PAUSE),
            "2024-10-20T12:00", "met", 4, extra={"paused_total": 1}),
    Reading("暂停 across 国庆, 日, from the same case series: 13 days less 8",
            per_case("<=", 10, "日", aggregate="max"), suspended(NATIONAL_DAY_CASE, pauses=NATIONAL_DAY_PAUSE),
            "2024-10-20T12:00", "met", 5, extra={"paused_total": 8}),
    Reading("暂停 across 国庆, 工作小时, from the same case series: 35 office hours less 7",
            per_case("<=", 40, "个工作小时", aggregate="max"), suspended(NATIONAL_DAY_CASE, pauses=NATIONAL_DAY_PAUSE),
            "2024-10-20T12:00", "met", 28, extra={"paused_total": 7}),
    Reading("an open case with an open pause: its clock stopped on the day the pause began (14 - 12 working days)",
            per_case("<=", 3),
            suspended(WEEK, ("2024-05-20T10:00", None), pauses=[(1, "2024-05-22T10:00", None)]),
            "2024-06-07T12:00", "met", 100, extra={"overdue_open": 0}),
    Reading("an open case whose pause has ended counts again from its end (14 - 2 working days: late)",
            per_case("<=", 3),
            suspended(WEEK, ("2024-05-20T10:00", None), pauses=[(1, "2024-05-22T10:00", "2024-05-24T10:00")]),
            "2024-06-07T12:00", "missed", 50, extra={"overdue_open": 1, "paused_cases": 1, "paused_total": 2}),
    Reading("overlapping pauses of one case count once: Tue-Thu and Wed-Fri are Wed, Thu, Fri (9 - 3)",
            per_case("<=", 9, aggregate="max"),
            suspended(("2024-05-20T10:00", "2024-05-31T10:00"), pauses=[(0, "2024-05-21T10:00", "2024-05-23T10:00"),
                                                                         (0, "2024-05-22T10:00", "2024-05-24T10:00")]),
            "2024-06-07T12:00", "met", 6, extra={"paused_total": 3}),
    Reading("a total stated in 工作日 read by a 工作小时 promise: one working day is 7 office hours (12.5 - 7)",
            per_case("<=", 8, "个工作小时", aggregate="max"),
            suspended(("2024-05-20T09:00", "2024-05-21T16:00"), totals=[1], unit="工作日"),
            "2024-06-01T12:00", "met", 5.5),
    Reading("a total stated in 工作日 cannot be read by a 日 promise: an error saying to give the pauses' times",
            per_case("<=", 10, "日", aggregate="max"),
            suspended(("2024-05-20T09:00", "2024-05-24T16:00"), totals=[1], unit="工作日"),
            "2024-06-01T12:00", "error"),
]


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar.from_spec(CatalogueSpec.model_validate(yaml.safe_load(HEADER)).calendar)


def test_the_table_has_at_least_forty_readings() -> None:
    assert len(READINGS) >= 40
    assert len({r.wording for r in READINGS}) == len(READINGS)


@pytest.mark.parametrize("reading", READINGS, ids=[r.wording for r in READINGS])
def test_reading(tmp_path: Path, calendar: WorkCalendar, reading: Reading) -> None:
    commitment = {"id": "plan.promise", "document": "plan", "clause": "一、1", "quote": reading.wording,
                  "measured": {"zh": "指标"}, "agency": "plan.bureau"} | reading.fields
    path = tmp_path / "targets.yaml"
    path.write_text(HEADER + yaml.safe_dump({"commitments": [commitment]}, allow_unicode=True), encoding="utf-8")
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "seed.txt").write_text(reading.wording, encoding="utf-8")
    loaded = load_catalogue(path).commitments["plan.promise"]
    verdict = evaluate(loaded, reading.data, at(reading.now), calendar)
    assert verdict.status == reading.status, verdict.reason
    if reading.actual is not None:
        assert verdict.actual == pytest.approx(reading.actual), verdict.reason
    for name, want in reading.extra.items():
        if name == "late_note":
            assert late_note(verdict.reason) == want, verdict.reason
            continue
        if name == "hedge":
            assert loaded.hedge == reading.fields["hedge"] and loaded.hedge_note == "原文为'原则上'，按全部办件评估"
            continue
        assert getattr(verdict, name) == want, (name, verdict.reason)
    assert reading.says in verdict.reason


def load_one(tmp_path: Path, fields: dict[str, Any], wording: str, header: str = HEADER) -> Any:
    commitment = {"id": "plan.promise", "document": "plan", "clause": "一、1", "quote": wording,
                  "measured": {"zh": "指标"}, "agency": "plan.bureau"} | fields
    path = tmp_path / "targets.yaml"
    path.write_text(header + yaml.safe_dump({"commitments": [commitment]}, allow_unicode=True), encoding="utf-8")
    (tmp_path / "seeds").mkdir(exist_ok=True)
    (tmp_path / "seeds" / "seed.txt").write_text(wording, encoding="utf-8")
    return load_catalogue(path)


def test_without_office_hours_a_day_period_ends_at_midnight_of_its_last_day(tmp_path: Path) -> None:
    header = HEADER.replace('calendar:\n  office_hours:\n    某市某区: ["09:00-12:00", "13:30-17:30"]\n', "")
    assert header != HEADER
    catalogue = load_one(tmp_path, per_case("<=", 20, "日"), "发出之日起20日内", header)
    calendar = WorkCalendar.from_spec(catalogue.calendar)
    c = catalogue.commitments["plan.promise"]
    evening = evaluate(c, cases(("2024-05-08T09:00", "2024-05-28T23:30")), at("2024-06-10T12:00"), calendar)
    next_morning = evaluate(c, cases(("2024-05-08T09:00", "2024-05-29T00:00")), at("2024-06-10T12:00"), calendar)
    assert (evening.status, next_morning.status) == ("met", "missed")


def test_a_hedge_the_quote_does_not_write_is_refused(tmp_path: Path) -> None:
    from monitor.problems import ConfigError
    with pytest.raises(ConfigError, match="the quote does not write '力争'"):
        load_one(tmp_path, per_case("<=", 3) | {"hedge": "力争"}, "受理之日起3个工作日内办结")
    traditional = load_one(tmp_path, per_case("<=", 3) | {"hedge": "原则上"}, "原則上3個工作日內辦結")
    assert traditional.commitments["plan.promise"].hedge == "原则上"


def test_validate_points_out_a_hedge_in_the_quote_left_unrecorded(tmp_path: Path) -> None:
    import subprocess
    import sys
    load_one(tmp_path, level("cumulative", ">=", 3, "家", deadline="2024-12-31"), "年内力争新增上市企业3家")
    done = subprocess.run([sys.executable, "-m", "monitor", "validate", str(tmp_path / "targets.yaml")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "plan.promise" in done.stderr and "hedge: 力争" in done.stderr
    load_one(tmp_path, level("cumulative", ">=", 3, "家", deadline="2024-12-31") | {"hedge": "力争"},
             "年内力争新增上市企业3家")
    done = subprocess.run([sys.executable, "-m", "monitor", "validate", str(tmp_path / "targets.yaml")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "hedge" not in done.stderr


@pytest.mark.parametrize("text, hedges", [
    ("原则上应在7个工作日内组织履约情况验收", ("原则上",)), ("力爭新增兩萬套", ("力争",)),
    ("争取逐步实现企业开办零成本", ("逐步",)), ("基本实现全部涉税事项网上办", ("基本",)),
    ("完善基本公共服务体系", ()), ("3个工作日内办结", ())])
def test_hedges_are_found_as_written_and_jiben_only_before_a_verb_of_completion(text: str, hedges: tuple) -> None:
    from monitor.hedges import hedges_in
    assert hedges_in(text) == hedges


def test_the_documented_wording_table_is_the_one_the_extraction_and_the_docs_use() -> None:
    from monitor.comparators import BOUND_WORDINGS
    from monitor.extract.numbers import Quantity
    from monitor.extract.rules import comparator
    docs = (Path(__file__).parent.parent / "docs" / "targets-format.md").read_text(encoding="utf-8")
    table = {op: line for line in docs.splitlines() if line.startswith("| ")
             for op in ("`>=`", "`<=`", "`>`", "`<`") if line.rstrip().endswith(f"| {op} |")}
    number = Quantity(0, 2, 5.0, None, "家", "arabic")
    for wording, op in BOUND_WORDINGS.items():
        assert wording in table[f"`{op}`"].split("|")[1], (wording, op)
        if wording in ("以上", "以下", "以内"):
            assert comparator("新增", wording, number)[0] == op
        else:
            assert comparator(f"新增{wording}", "", number)[0] == op, wording


def test_month_fen_deadlines_are_the_last_day_of_that_month() -> None:
    from monitor.extract.deadlines import find_deadline
    text = "10月份完成系统上线，2月份实现全覆盖"
    assert find_deadline(text, 0, 8, 2024)[0] == date(2024, 10, 31)
    assert find_deadline(text, 9, len(text), 2024)[0] == date(2024, 2, 29)


def test_demo_data_for_a_month_limit_land_on_their_intended_verdicts(tmp_path: Path) -> None:
    from collectors.records import build_case_records
    from monitor.service.demo.generate import demo_payload, intended_outcomes
    catalogue = load_one(tmp_path, per_case("<=", 1, "个月"), "自受理之日起1个月内办结")
    calendar = WorkCalendar.from_spec(catalogue.calendar)
    c = catalogue.commitments["plan.promise"]
    now = at("2025-09-10T12:00")
    seen = set()
    for seed in range(12):
        intent = intended_outcomes(catalogue, now, calendar, seed, feed="feed")[c.id]
        [series] = demo_payload(catalogue, now, calendar, seed, feed="feed")["series"]
        records, rejected = build_case_records(
            series["name"], datetime.fromisoformat(series["data_time"]), [r["submitted"] for r in series["records"]],
            [r["completed"] for r in series["records"]], calendar.timezone)
        verdict = evaluate(c, MeasureData(cases=records), now, calendar)
        assert not rejected and verdict.status == intent, (seed, verdict.reason)
        seen.add(intent)
    assert seen == {"met", "missed"}
