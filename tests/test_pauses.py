"""Suspended time per commitment unit (monitor.pauses) against a plain day-by-day count."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.calendar import WorkCalendar
from monitor.observations import CaseRecords, PauseIntervals
from monitor.pauses import suspended_time
from monitor.units import UnitError, parse_unit

CALENDAR = WorkCalendar()
START = datetime(2024, 9, 1)
moments = st.integers(0, 60 * 24 * 4).map(lambda quarter_hours: START + timedelta(minutes=15 * quarter_hours))


def _suspended(unit: str, records: CaseRecords, rows: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """suspended_time in `unit` of records that carry one (for them it is never None)."""
    times = suspended_time(parse_unit(unit), records, rows, ends, CALENDAR, None)
    assert times is not None
    return times


def _days_of(start: datetime, end: datetime) -> set[date]:
    """Days after start's day up to and including end's day."""
    return {start.date() + timedelta(days=i) for i in range(1, (end.date() - start.date()).days + 1)}


@settings(max_examples=150, deadline=None)
@given(st.tuples(moments, moments), st.lists(st.tuples(moments, moments, st.booleans()), max_size=4))
def test_intervals_count_the_union_of_their_days_within_the_case(case, pauses):
    submitted, end = sorted(case)
    intervals = [(min(a, b), max(a, b), still) for a, b, still in pauses]
    records = CaseRecords("s", START, np.array([submitted], dtype="datetime64[s]"), np.array([end], dtype="datetime64[s]"),
                          pauses=PauseIntervals(np.zeros(len(intervals), dtype=np.intp),
                                                np.array([a for a, _, _ in intervals], dtype="datetime64[s]"),
                                                np.array([None if still else b for _, b, still in intervals],
                                                         dtype="datetime64[s]")))
    ends = np.array([end], dtype="datetime64[s]")
    accepted = CALENDAR.acceptance_dates(np.array([submitted], dtype="datetime64[s]"))[0].astype(date)
    clipped = [(max(a, submitted), min(end if still else b, end)) for a, b, still in intervals]
    clipped = [(a, b) for a, b in clipped if a < b]
    by_date = set().union(*(_days_of(a, b) for a, b in clipped)) if clipped else set()
    working = {d for d in by_date if d > accepted and CALENDAR.is_workday(d)}
    counted = {d for d in by_date if d > submitted.date()}
    assert _suspended("工作日", records, np.array([0]), ends)[0] == len(working)
    assert _suspended("日", records, np.array([0]), ends)[0] == len(counted)
    elapsed = _union_seconds(clipped)
    assert _suspended("小时", records, np.array([0]), ends)[0] == pytest.approx(elapsed / 3600)


def _union_seconds(spans: list[tuple[datetime, datetime]]) -> float:
    total, reach = 0.0, None
    for a, b in sorted(spans):
        if reach is not None and a < reach:
            a = reach
        if b > a:
            total += (b - a).total_seconds()
        reach = b if reach is None else max(reach, b)
    return total


def test_pauses_of_other_cases_do_not_count_and_cases_without_any_get_zero():
    submitted = np.array(["2024-05-20T10:00", "2024-05-20T10:00", "2024-05-20T10:00"], dtype="datetime64[s]")
    ends = np.array(["2024-05-31T10:00"] * 3, dtype="datetime64[s]")
    records = CaseRecords("s", START, submitted, ends, pauses=PauseIntervals(
        np.array([2, 0]), np.array(["2024-05-21T10:00", "2024-05-27T10:00"], dtype="datetime64[s]"),
        np.array(["2024-05-23T10:00", "2024-05-28T10:00"], dtype="datetime64[s]")))
    assert list(_suspended("工作日", records, np.array([0, 1, 2]), ends)) == [1, 0, 2]
    assert list(_suspended("工作日", records, np.array([2]), ends[:1])) == [2]


def test_totals_convert_between_working_days_and_working_hours_but_not_to_calendar_days():
    records = CaseRecords("s", START, np.array(["2024-05-20T10:00"], dtype="datetime64[s]"),
                          np.array(["2024-05-31T10:00"], dtype="datetime64[s]"), paused=np.array([2.0]),
                          paused_unit="工作日")
    ends, rows = records.completed, np.array([0])
    assert _suspended("工作小时", records, rows, ends)[0] == 14
    assert _suspended("工作日", records, rows, ends)[0] == 2
    with pytest.raises(UnitError, match="start and end"):
        _suspended("日", records, rows, ends)
    in_hours = CaseRecords("s", START, records.submitted, ends, paused=np.array([36.0]), paused_unit="小时")
    assert _suspended("日", in_hours, rows, ends)[0] == 1.5


@pytest.mark.parametrize("paused,message", [
    ({"field": "x", "unit": "家"}, "unit of time"),
    ({"field": "x", "start": "a"}, "one of"),
    ({"start": "a"}, "both 'start' and 'end'"),
    ({"start": ["a", "b"], "end": ["c"]}, "as many columns"),
    ({"start": "a", "end": "b", "unit": "日"}, "'unit' goes with 'field'"),
])
def test_a_paused_spec_in_no_single_form_is_refused_saying_why(paused, message):
    from pydantic import ValidationError

    from monitor.spec.feeds import SeriesSpec
    with pytest.raises(ValidationError, match=message):
        SeriesSpec(name="s", type="cases", paused=paused)


def test_events_exclude_paused_and_need_case_ids():
    from pydantic import ValidationError

    from monitor.spec.feeds import SeriesSpec
    events = {"kind": "k", "time": "t"}
    with pytest.raises(ValidationError, match="drop 'paused'"):
        SeriesSpec(name="s", type="cases", events=events, paused="x")
    with pytest.raises(ValidationError, match="id_field"):
        SeriesSpec(name="s", type="cases", events=events, id_field=None)
    with pytest.raises(ValidationError, match="words"):
        SeriesSpec(name="s", type="cases", events=events | {"words": {"挂起": "暂停"}})
