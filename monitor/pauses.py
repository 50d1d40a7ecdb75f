"""Suspended time, counted in each commitment's own unit (行政许可法 第四十五条: the time needed for
听证、招标、拍卖、检验、检测、检疫、鉴定和专家评审 is not counted in the period).

A feed gives it per case in one of two forms (docs/feeds.md, "Suspended time"):
- a total in a stated unit (工作日, 日, 小时, 工作小时), or in the commitment's own unit when none is
  stated. A total converts exactly between units that count the same way: 日/小时/分钟 by their
  lengths, 工作日 and 工作小时 by the jurisdiction's office hours per day. Between working time and
  elapsed time it cannot: when the pause fell is unknown, and a week of 工作日 may be seven 日 or
  ten over a holiday. Such a commitment is an error that says to give the pauses' times instead.
- intervals (start and end; no end while the pause goes on), several per case. Each is counted as
  the case itself is: the days after the day it began up to and including the day it ended for
  day units (民法典 第二百零一条), office hours for 工作小时, elapsed time for 小时/分钟. An interval
  counts only within the case's own span (from acceptance to completion, or to the judged moment
  for an open case: an open pause stops an open case's clock), and overlapping intervals of one
  case count once, so suspended time never exceeds the time it is taken from.
"""

from __future__ import annotations

import numpy as np

from monitor.calendar import WorkCalendar
from monitor.observations import CaseRecords, PauseIntervals
from monitor.units import Unit, UnitError, parse_unit

_WORKING = ("working_days", "working_hours")


def suspended_time(unit: Unit, cases: CaseRecords, rows: np.ndarray, ends: np.ndarray, calendar: WorkCalendar,
                   jurisdiction: str | None) -> np.ndarray | None:
    """The suspended time of the cases at `rows` (indices), each up to its `end` (the completion, or
    the judged moment for an open case), in `unit`; None when the feed gives no suspended time."""
    if cases.paused is None and cases.pauses is None:
        return None
    rows = np.asarray(rows, dtype=np.intp)
    out = np.zeros(len(rows), dtype=np.float64)
    if cases.paused is not None:
        out += total_in(unit, cases.paused[rows], cases.paused_unit, calendar, jurisdiction)
    if cases.pauses is not None and len(cases.pauses) and len(rows):
        out += intervals_in(unit, cases.pauses.of_rows(rows, len(cases)), cases.submitted[rows], ends,
                            calendar, jurisdiction)
    return out


def total_in(unit: Unit, amounts: np.ndarray, given: str | None, calendar: WorkCalendar,
             jurisdiction: str | None) -> np.ndarray:
    """Totals stated in `given` (None: already in `unit`) as amounts of `unit`."""
    if given is None:
        return amounts
    source = parse_unit(given)
    if source.dimension == unit.dimension and unit.dimension in (*_WORKING, "time"):
        converted: np.ndarray = amounts * (source.factor / unit.factor)
        return converted
    if {source.dimension, unit.dimension} == set(_WORKING):
        per_day = calendar.office_hours_per_day(jurisdiction)
        return amounts * per_day if source.dimension == "working_days" else amounts / per_day
    raise UnitError(f"suspended time is given as a total in {source.name}, which cannot be counted in "
                    f"{unit.name} without knowing when the pauses fell; give the pauses' start and end "
                    f"times (paused: {{start: …, end: …}}) or a total in {unit.name}")


def intervals_in(unit: Unit, pauses: PauseIntervals, submitted: np.ndarray, ends: np.ndarray,
                 calendar: WorkCalendar, jurisdiction: str | None) -> np.ndarray:
    """Per case (pauses.case indexes `submitted` and `ends`), the union of its intervals within the
    case's span, in `unit`."""
    n = len(submitted)
    case = pauses.case
    case_end = ends.astype("datetime64[s]")[case]
    start = np.maximum(pauses.start, submitted[case])
    end = np.where(np.isnat(pauses.end), case_end, np.minimum(pauses.end, case_end))
    start, end, case = _union(case, start, end)
    if unit.dimension == "working_days":
        # day counting, as the case's own: the days after the day the pause began, up to its last day
        first = np.maximum(start.astype("datetime64[D]"), calendar.acceptance_dates(submitted, jurisdiction)[case])
        last = end.astype("datetime64[D]")
        amount = np.where(last > first, calendar.working_days_between(first, np.maximum(first, last)), 0)
    elif unit.dimension == "working_hours":
        amount = np.maximum(calendar.working_hours_between(start, np.maximum(start, end), jurisdiction), 0.0)
    elif unit.dimension == "time" and unit.factor >= 86400:   # 日/天/周: by calendar date
        days = (end.astype("datetime64[D]") - start.astype("datetime64[D]")).astype(np.int64)
        amount = np.maximum(days, 0) * 86400 / unit.factor
    elif unit.dimension == "time":
        amount = np.maximum((end - start).astype(np.int64), 0) / unit.factor
    else:
        raise UnitError(f"suspended time cannot be counted in {unit.name}")
    return np.bincount(case, weights=amount.astype(np.float64), minlength=n)


def _union(case: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The intervals with each one's start moved past the ends of the same case's earlier ones, so
    that overlapping intervals count once (an interval inside another becomes empty)."""
    order = np.lexsort((start, case))
    case, start, end = case[order], start[order].astype(np.int64), end[order].astype(np.int64)
    if len(case) > 1:
        low = min(int(start.min()), int(end.min()))
        span = max(int(start.max()), int(end.max())) - low + 1
        # one running maximum over all cases: each case's ends lifted above every earlier case's
        lifted = (end - low) + case.astype(np.int64) * span
        reach = np.maximum.accumulate(lifted)
        earlier = np.concatenate(([np.iinfo(np.int64).min], reach[:-1]))
        same_case = np.concatenate(([False], case[1:] == case[:-1]))
        before = np.where(same_case, earlier - case.astype(np.int64) * span + low, np.iinfo(np.int64).min)
        start = np.maximum(start, before)
    end = np.maximum(end, start)
    return start.astype("datetime64[s]"), end.astype("datetime64[s]"), case
