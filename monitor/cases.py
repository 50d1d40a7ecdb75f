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
