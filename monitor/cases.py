"""Per-case durations as the promises count them (docs/targets-format.md, "How promises are read").

- N个工作日 (受理之日起): working days after the day of acceptance up to and including the day of
  completion; a submission after closing time or on a rest day is accepted on the next working
  day; 0 working days (即办/当场) is the day of acceptance.
- N个工作小时: office hours on working days; time outside office hours does not count.
- N日/N天: calendar days by local date, the day of the event being day 0; when day N is a rest day
  or holiday the period ends on the next working day (民法典 第二百零一条, 第二百零三条); where office
  hours are known the last day ends at closing time (第二百零三条).
- N个月/N年: the corresponding day of the last month, or its last day (第二百零二条), then as N日.
- 小时/分钟: elapsed time.
Cases still open are measured up to the instant of evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from monitor.calendar import WorkCalendar
from monitor.comparators import compare
from monitor.periods import cutoffs, elapsed_months, month_period_ends
from monitor.units import Unit, UnitError

DAY_SECONDS = 86400


def counts_by_date(unit: Unit) -> bool:
    """Whether a limit in this unit is counted by calendar date (日, 天, 周) rather than by the clock."""
    return unit.dimension == "time" and unit.factor >= DAY_SECONDS


@dataclass(frozen=True)
class CaseTiming:
    """Durations of a set of cases in the commitment's unit, and whether each kept the limit."""

    durations: np.ndarray     # float, in the commitment's unit
    on_time: np.ndarray       # bool
    provisional: bool         # the calendar used a day not covered by a published notice
    taken_off: np.ndarray | None = None   # suspended time actually left out of each duration (None: none given)


def case_timing(unit: Unit, op: str, limit: float, limit_max: float | None, submitted: np.ndarray,
                ended: np.ndarray, calendar: WorkCalendar, jurisdiction: str | None,
                paused: np.ndarray | None = None) -> CaseTiming:
    """`paused` (in the commitment's unit) is suspended time, left out of each duration."""
    suspended = np.zeros(len(submitted)) if paused is None else paused

    def timing(counted: np.ndarray, provisional: bool) -> CaseTiming:
        durations = np.maximum(counted - suspended, 0.0)   # never below zero: a pause longer than the case
        return CaseTiming(durations, np.asarray(compare(op, durations, limit, limit_max), dtype=bool), provisional,
                          None if paused is None else np.maximum(counted, 0.0) - durations)

    if unit.dimension == "working_days":
        counted = calendar.working_days_from_acceptance(submitted, ended, jurisdiction).astype(np.float64)
        return timing(counted, calendar.provisional_among(ended))
    if unit.dimension == "working_hours":
        return timing(calendar.working_hours_between(submitted, ended, jurisdiction), calendar.provisional_among(ended))
    if unit.dimension == "months":
        months = limit * unit.factor
        result = timing(elapsed_months(submitted, ended) / unit.factor, False)
        if op != "<=" or not len(submitted):
            return result
        last_days = calendar.extend_past_rest_days(month_period_ends(submitted, months, suspended * unit.factor))
        on_time = ended.astype("datetime64[s]") <= cutoffs(last_days, calendar.closing_time(jurisdiction))
        return CaseTiming(result.durations, on_time, calendar.provisional_among(last_days.astype("datetime64[s]")))
    if unit.dimension != "time":
        raise UnitError(f"a case_duration needs a time unit, got {unit.name!r}")
    if not counts_by_date(unit):
        seconds = (ended.astype("datetime64[s]") - submitted.astype("datetime64[s]")).astype(np.int64)
        return timing(seconds / unit.factor, False)
    days_per_unit = unit.factor / DAY_SECONDS
    start_days, end_days = submitted.astype("datetime64[D]"), ended.astype("datetime64[D]")
    result = timing((end_days - start_days).astype(np.int64) / days_per_unit, False)
    if op != "<=" or not len(submitted):
        return result
    # the last day of the period moves to the next working day when it falls on a rest day
    last_days = calendar.last_days_of_periods(submitted, (limit + suspended) * days_per_unit)
    on_time = ended.astype("datetime64[s]") <= cutoffs(last_days, calendar.closing_time(jurisdiction))
    return CaseTiming(result.durations, on_time, calendar.provisional_among(last_days.astype("datetime64[s]")),
                      result.taken_off)


OFFENDING_KEPT = 500   # the late cases an evaluation keeps, worst first (the count is always complete)
CASE_ID_CHARS = 128    # a longer id (stored before collectors refused such ids) is kept cut, with "…"


@dataclass(frozen=True, slots=True)
class OffendingCase:
    """One case that breaks a per-case promise: completed late, or still open past its limit.
    Times are naive local times; `due` is when the limit ran out (by the working calendar,
    suspended time added); `over` is how far past it, in the commitment's unit. Slotted: a feed's
    verdicts hold hundreds of thousands of them (no dict each to build and for the collector to walk)."""

    id: str | None
    item: str | None               # the case's 事项 when the feed names it
    submitted: datetime
    due: datetime
    completed: datetime | None     # None: still open
    over: float


@dataclass(frozen=True)
class CaseCounts:
    """How the cases a feed sent were used: received = counted + the rest, each for a reason."""

    received: int = 0              # case rows in the data read (after a newer record of a case replaced older ones)
    completed_in_window: int = 0   # completed inside the window: counted
    on_time: int = 0               # of those, within the limit
    completed_late: int = 0        # of those, late
    open_overdue: int = 0          # still open past the limit: counted as late
    open_not_due: int = 0          # still open within the limit: not counted yet
    completed_before_window: int = 0   # completed before the window: not counted
    submitted_after: int = 0       # submitted after the judged moment (a settled deadline): not counted
    window_days: int = 0
    rejected: tuple[tuple[str, int], ...] = ()   # rows the collector rejected, by reason: not cases at all

    @property
    def counted(self) -> int:
        return self.completed_in_window + self.open_overdue


def bounded_id(text: str) -> str:
    return text if len(text) <= CASE_ID_CHARS else text[:CASE_ID_CHARS - 1] + "…"


def _as_datetime(moment: np.datetime64) -> datetime:
    return datetime.fromisoformat(str(moment.astype("datetime64[s]")))


def _last(unit: Unit, op: str, limit: float) -> float:
    """The last whole unit a case may take: "<5个工作日" is due on the 4th."""
    whole = unit.dimension == "working_days" or counts_by_date(unit)
    return limit - 1 if op == "<" and whole else limit


def _over(unit: Unit, last: float, submitted: np.ndarray, ended: np.ndarray, durations: np.ndarray,
          paused: np.ndarray, calendar: WorkCalendar) -> np.ndarray:
    """How far past its limit each case ended, in the commitment's unit."""
    if counts_by_date(unit):
        days_per_unit = unit.factor / DAY_SECONDS
        last_days = calendar.last_days_of_periods(submitted, (last + paused) * days_per_unit)
        over: np.ndarray = (ended.astype("datetime64[D]") - last_days).astype(np.int64) / days_per_unit
        return over
    return durations - last


def _due(unit: Unit, last: float, submitted: np.ndarray, paused: np.ndarray, calendar: WorkCalendar,
         jurisdiction: str | None) -> np.ndarray:
    """When each case fell due (datetime64[s], local): the end of its last day, or the moment its time ran out."""
    end_of_day = np.timedelta64(86399, "s")
    if unit.dimension == "working_days":
        return calendar.due_days_from_acceptance(submitted, last + paused, jurisdiction).astype("datetime64[s]") + end_of_day
    if unit.dimension == "working_hours":
        return calendar.after_working_hours(submitted, last + paused, jurisdiction)
    if counts_by_date(unit):
        days = calendar.last_days_of_periods(submitted, (last + paused) * unit.factor / DAY_SECONDS)
        return days.astype("datetime64[s]") + end_of_day
    seconds = np.round((last + paused) * unit.factor).astype(np.int64)
    due: np.ndarray = submitted.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    return due


def offending_cases(unit: Unit, op: str, limit: float, submitted: np.ndarray, ended: np.ndarray,
                    timing: CaseTiming, still_open: np.ndarray, calendar: WorkCalendar,
                    jurisdiction: str | None, ids: np.ndarray | None = None, items: np.ndarray | None = None,
                    paused: np.ndarray | None = None,
                    kept: int = OFFENDING_KEPT) -> tuple[OffendingCase, ...]:
    """The cases among these that broke the limit (`timing.on_time` false), worst first, at most `kept`.
    `ended` is each case's completion, or the judged moment for the cases `still_open` marks.
    How far over is computed for every late case; the rest only for the `kept` worst."""
    if op not in ("<=", "<"):
        return ()     # only a time limit has late cases
    late = np.flatnonzero(~timing.on_time)
    if not len(late):
        return ()
    last = _last(unit, op, limit)
    suspended = np.zeros(len(submitted)) if paused is None else paused
    over = _over(unit, last, submitted[late], ended[late], timing.durations[late], suspended[late], calendar)
    if len(late) > kept:
        worst = np.argpartition(-over, kept - 1)[:kept]
        late, over = late[worst], over[worst]
    order = np.lexsort((submitted[late], -over))
    late, over = late[order], over[order]
    due = _due(unit, last, submitted[late], suspended[late], calendar, jurisdiction)
    return tuple(OffendingCase(
        id=None if ids is None else bounded_id(str(ids[row])),
        item=None if items is None or not str(items[row]) else str(items[row]),
        submitted=_as_datetime(submitted[row]), due=_as_datetime(due[i]),
        completed=None if still_open[row] else _as_datetime(ended[row]),
        over=float(over[i])) for i, row in enumerate(late))
