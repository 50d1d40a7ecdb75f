"""The evaluator: how a commitment's actuals compare with its promise. Pure: no I/O, no clock.

`evaluate(commitment, data, now, calendar)` returns an Evaluation with a status (met, at_risk,
missed, no_data, error), the actual, the target, the margin (positive = on the good side),
the expected-to-date value for paced targets, and a reason in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time

import numpy as np

from monitor import names
from monitor.calendar import CalendarError, WorkCalendar
from monitor.model import DEFAULT_WARN_FRACTION, Commitment
from monitor.observations import MeasureData, ValuePoint
from monitor.units import UnitError, convert, parse_unit


@dataclass(frozen=True)
class Evaluation:
    commitment: str
    evaluated_at: datetime
    status: str
    actual: float | None = None
    target: float | None = None
    target_max: float | None = None
    op: str | None = None
    unit: str | None = None
    margin: float | None = None
    expected: float | None = None
    data_time: datetime | None = None
    cases: int | None = None
    reason: str = ""
    duration_quantiles: tuple[tuple[float, float], ...] = ()   # per-case promises: (quantile, duration)


class _NoData(Exception):
    pass


def compare(op: str, actual: float | np.ndarray, target: float, target_max: float | None = None):
    """Whether `actual` keeps `op target` (element-wise for arrays)."""
    if op == "<=":
        return actual <= target
    if op == "<":
        return actual < target
    if op == ">=":
        return actual >= target
    if op == ">":
        return actual > target
    if op == "==":
        return np.isclose(actual, target) if isinstance(actual, np.ndarray) else abs(actual - target) < 1e-9
    if op == "range":
        return (actual >= target) & (actual <= target_max)
    raise ValueError(f"unknown comparator {op!r}")


def margin_of(op: str, actual: float, target: float, target_max: float | None = None) -> float:
    """Distance from breaking the promise: positive when kept, negative when broken."""
    if op in ("<=", "<"):
        return target - actual
    if op in (">=", ">"):
        return actual - target
    if op == "range":
        return min(actual - target, target_max - actual)
    miss = abs(actual - target)
    return 0.0 if miss < 1e-9 else -miss   # the tolerance `compare` allows counts as exactly kept


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else (f"{x:.0f}" if float(x).is_integer() else f"{x:.4g}")


def _deadline_passed(deadline: date | None, now_local: datetime) -> bool:
    return deadline is not None and now_local.date() > deadline


def evaluate(commitment: Commitment, data: MeasureData, now: datetime, calendar: WorkCalendar) -> Evaluation:
    c = commitment
    base = dict(commitment=c.id, evaluated_at=now)
    newest = data.newest_time()
    if newest is None:
        return Evaluation(**base, status="no_data",
                          reason=f"no data yet from feed {c.measure.feed!r} (series {c.measure.series!r})")
    now_local = calendar.local(now)
    # a cumulative target whose deadline has passed is judged on the data up to the deadline: the
    # verdict is final and needs no fresh data
    settled = c.kind == "cumulative" and _deadline_passed(c.deadline, now_local)
    if now - newest > c.max_age and not settled:
        return Evaluation(**base, status="no_data", data_time=newest,
                          reason=f"newest data is from {newest.isoformat()}, older than the feed's max_age "
                                 f"of {c.max_age}")
    try:
        if c.kind == "case_duration":
            return _case_duration(c, data, now, now_local, calendar, newest)
        if c.kind == "cumulative":
            return _cumulative(c, data, now, now_local, newest, calendar)
        return _latest_value(c, data, now, now_local, newest)
    except _NoData as exc:
        return Evaluation(**base, status="no_data", data_time=newest, reason=str(exc))
    except (CalendarError, UnitError) as exc:
        return Evaluation(**base, status="error", data_time=newest, reason=str(exc))


def _verdict(c: Commitment, now: datetime, now_local: datetime, actual: float, target: float,
             target_max: float | None, op: str, unit: str, newest: datetime, what: str,
             cases: int | None = None) -> Evaluation:
    kept = bool(compare(op, actual, target, target_max))
    margin = margin_of(op, actual, target, target_max)
    promise = f"{op} {_fmt(target)}" + (f"-{_fmt(target_max)}" if target_max is not None else "") + f" {unit}"
    warn = c.measure.warn_margin if c.measure.warn_margin is not None else abs(target) * DEFAULT_WARN_FRACTION
    if c.kind == "milestone" or op == "==" or (op in (">=", ">") and parse_unit(unit).dimension == "share" and target >= 100):
        warn = 0.0   # done is done: a milestone or a 100% share reached exactly is kept, not at risk
    if kept and margin < warn:
        status, why = "at_risk", f"{what} keeps the promise ({promise}) by only {_fmt(margin)}"
    elif kept:
        status, why = "met", f"{what} keeps the promise ({promise})"
    elif c.deadline is not None and not _deadline_passed(c.deadline, now_local):
        status, why = "at_risk", f"{what} does not yet keep the promise ({promise}); deadline {c.deadline}"
    else:
        status, why = "missed", f"{what} breaks the promise ({promise})" + (
            f"; deadline {c.deadline} has passed" if c.deadline else "")
    return Evaluation(commitment=c.id, evaluated_at=now, status=status, actual=actual, target=target,
                      target_max=target_max, op=op, unit=unit, margin=margin, data_time=newest,
                      cases=cases, reason=why)


def _durations(c: Commitment, submitted: np.ndarray, completed: np.ndarray, calendar: WorkCalendar) -> np.ndarray:
    unit = parse_unit(c.unit)
    if unit.dimension == "working_days":
        return calendar.working_days_between(submitted, completed).astype(np.float64)
    if unit.dimension == "working_hours":
        return calendar.working_hours_between(submitted, completed, c.document.jurisdiction)
    if unit.dimension == "time":
        return (completed - submitted).astype(np.int64) / unit.factor
    raise UnitError(f"a case_duration needs a time unit, got {c.unit!r}")


def duration_quantiles(durations: np.ndarray) -> tuple[tuple[float, float], ...]:
    """The quantiles of names.CASE_DURATION_QUANTILES over case durations (median to longest)."""
    if len(durations) == 0:
        return ()
    values = np.quantile(np.asarray(durations, dtype=np.float64), names.CASE_DURATION_QUANTILES)
    return tuple((q, float(v)) for q, v in zip(names.CASE_DURATION_QUANTILES, values))


def _case_duration(c: Commitment, data: MeasureData, now: datetime, now_local: datetime,
                   calendar: WorkCalendar, newest: datetime) -> Evaluation:
    cases = data.cases
    if cases is None or len(cases) == 0:
        raise _NoData(f"no case records in series {c.measure.series!r}")
    end = np.datetime64(now_local, "s")
    begin = np.datetime64(now_local - c.measure.window, "s")
    done = ~np.isnat(cases.completed)
    in_window = done & (cases.completed >= begin) & (cases.completed <= end)
    n = int(in_window.sum())
    if n == 0:
        raise _NoData(f"no case completed in the last {c.measure.window.days} days")
    durations = _durations(c, cases.submitted[in_window], cases.completed[in_window], calendar)
    aggregate = c.measure.aggregate
    if aggregate == "share_within":
        # count * 100 / n, not mean * 100: 57/100*100 is 56.99999999999999 and would miss a 57% target
        share = int(np.count_nonzero(compare(c.op, durations, c.value, c.value_max))) * 100 / n
        limit = f"{c.op} {_fmt(c.value)}" + (f"-{_fmt(c.value_max)}" if c.value_max is not None else "")
        what = f"{share:.1f}% of {n} cases took {limit} {c.unit}"
        verdict = _verdict(c, now, now_local, share, c.measure.min_share, None, ">=", "%", newest, what, n)
        return replace(verdict, duration_quantiles=duration_quantiles(durations))
    if aggregate == "mean":
        actual = float(durations.mean())
    elif aggregate == "max":
        actual = float(durations.max())
    elif aggregate.startswith("p"):
        actual = float(np.percentile(durations, int(aggregate[1:])))
    else:
        raise UnitError(f"aggregate {aggregate!r} does not apply to case durations")
    what = f"the {aggregate} duration of {n} cases, {_fmt(actual)} {c.unit},"
    verdict = _verdict(c, now, now_local, actual, c.value, c.value_max, c.op, c.unit, newest, what, n)
    return replace(verdict, duration_quantiles=duration_quantiles(durations))


def _latest(values: tuple[ValuePoint, ...], not_after: datetime | None = None) -> ValuePoint:
    usable = [v for v in values if not_after is None or v.data_time <= not_after]
    if not usable:
        raise _NoData("no value in the series" + (f" up to {not_after.date()}" if not_after else ""))
    return max(usable, key=lambda v: v.data_time)


def _latest_value(c: Commitment, data: MeasureData, now: datetime, now_local: datetime,
                  newest: datetime) -> Evaluation:
    point = _latest(data.values)
    if c.kind == "reduction" and c.baseline_value is not None:
        baseline = c.baseline_value
        reduced = baseline - point.value
        if parse_unit(c.unit).dimension == "share":
            if baseline == 0:
                raise UnitError("a relative reduction needs a non-zero baseline")
            actual = reduced * 100 / baseline   # not reduced / baseline * 100: 100 -> 43 gave 56.99999999999999
        else:
            actual = convert(reduced, c.baseline_unit or c.unit, c.unit)
        what = (f"the reduction from the baseline {_fmt(baseline)} {c.baseline_unit} to "
                f"{_fmt(point.value)}, {_fmt(actual)} {c.unit},")
    else:   # without a baseline, the feed reports the achieved reduction itself
        actual = point.value
        what = f"the latest value, {_fmt(actual)} {c.unit},"
    return _verdict(c, now, now_local, actual, c.value, c.value_max, c.op, c.unit, newest, what)


def _cumulative(c: Commitment, data: MeasureData, now: datetime, now_local: datetime,
                newest: datetime, calendar: WorkCalendar) -> Evaluation:
    deadline_end = datetime.combine(c.deadline, time.max) if c.deadline else None
    passed = _deadline_passed(c.deadline, now_local)
    # start and deadline are local days, whatever zone the data times come in (the store gives UTC)
    tz = calendar.timezone if newest.tzinfo else None
    cutoff = deadline_end.replace(tzinfo=tz) if passed and deadline_end and tz else None
    if c.measure.aggregate == "sum":
        start = datetime.combine(c.start, time.min).replace(tzinfo=tz)
        points = [v for v in data.values if v.data_time >= start and (cutoff is None or v.data_time <= cutoff)]
        if not points:
            raise _NoData(f"no increments since {c.start}")
        actual = float(sum(v.value for v in points))
    else:
        actual = _latest(data.values, cutoff).value
    start_local = datetime.combine(c.start, time.min)
    span = (deadline_end - start_local).total_seconds() if deadline_end else 0
    elapsed = (min(now_local, deadline_end) - start_local).total_seconds() if deadline_end else 0
    fraction = min(1.0, max(0.0, elapsed / span)) if span > 0 else 1.0
    expected = c.value * fraction
    margin = actual - c.value
    base = dict(commitment=c.id, evaluated_at=now, actual=actual, target=c.value, op=">=", unit=c.unit,
                margin=margin, expected=expected, data_time=newest)
    total = f"the running total {_fmt(actual)} {c.unit}"
    if actual >= c.value:
        return Evaluation(**base, status="met", reason=f"{total} has reached the target {_fmt(c.value)}")
    if passed:
        return Evaluation(**base, status="missed",
                          reason=f"{total} fell short of {_fmt(c.value)} by the deadline {c.deadline}")
    if actual >= expected:
        return Evaluation(**base, status="met",
                          reason=f"{total} is on pace (expected {_fmt(expected)} by now, target "
                                 f"{_fmt(c.value)} by {c.deadline})")
    return Evaluation(**base, status="at_risk",
                      reason=f"{total} is behind pace: expected {_fmt(expected)} by now for "
                             f"{_fmt(c.value)} by {c.deadline}")
