"""The evaluator: how a commitment's actuals compare with its promise. Pure: no I/O, no clock.

`evaluate(commitment, data, now, calendar)` returns an Evaluation with a status (met, on_track,
at_risk, missed, no_data, error), the actual, the target, the margin (positive = on the good side),
the expected-to-date value for paced targets, and a reason in plain words.

The readings (docs/targets-format.md, "How promises are read"):
- met means kept: a level or a count to reach that is reached. on_track (正常推进) is "not yet kept,
  on pace" before a deadline: a running total on or above its pace, a cap on a running total or a
  全年保持 promise that holds so far (neither is kept until its period ends).
- at_risk is a forecast only: a dated target not yet kept before its deadline, a
  cumulative target behind its pace, or (where the editor sets `warn_margin`) a target kept by less
  than that margin before its deadline. Never after a deadline.
- a dated target is judged on the data dated on or before its deadline, and that verdict is
  settled: later data does not change it and no fresh data is needed.
- `throughout: true` (全年保持, 始终): the target holds on every day from the start, so one value
  that breaks it breaks the promise.
- per-case limits promise every case unless `min_share` says otherwise; cases still open past
  their limit count as late.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import numpy as np

from monitor import names
from monitor.calendar import CalendarError, WorkCalendar
from monitor.cases import CASE_ID_CHARS, CaseCounts, CaseTiming, OffendingCase, bounded_id, case_timing, offending_cases
from monitor.comparators import compare, margin_of
from monitor.model import Commitment
from monitor.observations import CaseRecords, DataWanted, MeasureData, ValuePoint, utc_bound
from monitor.pauses import suspended_time
from monitor.spans import span_zh
from monitor.units import UnitError, convert, parse_unit

OVERDUE_IDS_KEPT = 50     # the ids of open overdue cases a verdict names (the count is always complete)
OVERDUE_ID_CHARS = CASE_ID_CHARS    # a longer id (stored before collectors refused such ids) is cut, with "…"
OVERDUE_IDS_CHARS = 2000  # the named ids together: every stored verdict and every alert mail carries them


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
    settled_on: date | None = None          # the deadline a settled verdict was judged at
    provisional: bool = False               # used a day of a year with no published holiday notice
    overdue_open: int | None = None         # per-case promises: cases still open past their limit
    overdue_case_ids: tuple[str, ...] = ()  # the first OVERDUE_IDS_KEPT of them, when the feed gives ids
    duration_quantiles: tuple[tuple[float, float], ...] = ()   # per-case promises: (quantile, duration) of completed cases
    offending_cases: tuple[OffendingCase, ...] = ()   # per-case promises: the late cases, worst first (bounded)
    offending_total: int | None = None      # per-case promises: every late case, completed late or open past the limit
    case_counts: CaseCounts | None = None   # per-case promises: how the cases received were used
    paused_cases: int | None = None         # per-case promises whose feed gives suspended time: cases it was left out of
    paused_total: float | None = None       # and how much was left out in all, in the commitment's unit


class _NoData(Exception):
    pass


@dataclass(frozen=True)
class _Instant:
    """The moment a verdict is judged at: now, or the end of the deadline day once it has passed."""

    now: datetime                 # the evaluation time, aware
    local: datetime               # the judged moment as naive local time
    aware: datetime               # the judged moment, aware
    settled: bool                 # the deadline has passed: the verdict is final
    zone: tzinfo                  # the calendar's zone: local days start there

    @classmethod
    def of(cls, c: Commitment, now: datetime, calendar: WorkCalendar) -> _Instant:
        now_local = calendar.local(now)
        if c.deadline is not None and now_local.date() > c.deadline:
            end = datetime.combine(c.deadline, time.max)
            return cls(now, end, end.replace(tzinfo=calendar.timezone) if now.tzinfo else end, True,
                       calendar.timezone)
        return cls(now, now_local, now, False, calendar.timezone)

    @property
    def before_deadline(self) -> bool:
        return not self.settled


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else (f"{x:.0f}" if float(x).is_integer() else f"{x:.4g}")


def _promise(op: str, target: float, target_max: float | None, unit: str) -> str:
    return f"{op} {_fmt(target)}" + (f"-{_fmt(target_max)}" if target_max is not None else "") + f" {unit}"


def evaluate(commitment: Commitment, data: MeasureData, now: datetime, calendar: WorkCalendar) -> Evaluation:
    c = commitment
    at = _Instant.of(c, now, calendar)
    newest = data.newest_time(not_after=at.aware)
    if newest is None:
        where = f"feed {c.measure.feed!r} (series {c.measure.series!r})"
        reason = (f"no data dated on or before the deadline {c.deadline} from {where}" if at.settled
                  else f"no data yet from {where}")
        return Evaluation(commitment=c.id, evaluated_at=now, status="no_data", reason=reason)
    if not at.settled and now - newest > c.max_age:
        return Evaluation(commitment=c.id, evaluated_at=now, status="no_data", data_time=newest,
                          reason=f"newest data is from {newest.isoformat()}, {span_zh(now - newest)} old, "
                                 f"older than the feed's max_age of {span_zh(c.max_age)}")
    try:
        if c.kind == "case_duration":
            verdict = _case_duration(c, data, at, calendar, newest)
        elif c.kind == "cumulative":
            verdict = _cumulative(c, data, at, newest)
        else:
            verdict = _latest_value(c, data, at, newest)
    except _NoData as exc:
        return Evaluation(commitment=c.id, evaluated_at=now, status="no_data", data_time=newest, reason=str(exc))
    except (CalendarError, UnitError) as exc:
        return Evaluation(commitment=c.id, evaluated_at=now, status="error", data_time=newest, reason=str(exc))
    if at.settled and verdict.status in ("met", "missed"):
        verdict = replace(verdict, settled_on=c.deadline, reason=f"{verdict.reason} (settled on {c.deadline})")
    if at.settled and verdict.status == "missed":
        verdict = replace(verdict, reason=verdict.reason + _late_note(c, data, at))
    return verdict


LATE_NOTE = "; 截止日后于"      # how a missed verdict's reason ends when a later value would have kept it


def late_note(reason: str) -> str | None:
    """The Chinese sentence a missed verdict's reason ends with when the promise was kept only after its
    deadline (截止日后于2025-01-01 00:30达到100%（迟于截止日30分钟）), for pages and mails; else None."""
    _, found, note = reason.partition(LATE_NOTE)
    return found[2:] + note.partition(" (settled on")[0] if found else None


def _late_note(c: Commitment, data: MeasureData, at: _Instant) -> str:
    """What happened after a missed deadline: the first later value that would have kept the promise
    and when it came (截止日后于2025-01-01 00:30达到100%), or nothing."""
    if c.kind == "case_duration" or (c.kind == "cumulative" and c.measure.aggregate == "sum"):
        return ""
    try:
        base = _baseline(c, data, at) if c.kind == "reduction" else None
    except _NoData:
        return ""
    later = (v for v in data.values if at.aware < v.data_time <= at.now)    # never data after the instant
    for point in sorted(later, key=lambda v: v.data_time):
        try:
            value = _reduction_actual(c, point.value, base)[0] if base is not None else point.value
        except UnitError:
            return ""
        if compare(c.op, value, c.value, c.value_max):
            when = point.data_time.astimezone(at.zone) if point.data_time.tzinfo else point.data_time
            late_by = span_zh(when.replace(tzinfo=None) - at.local)
            return f"{LATE_NOTE}{when:%Y-%m-%d %H:%M}达到{_fmt(value)}{c.unit}（迟于截止日{late_by}）"
    return ""


def data_needed_since(c: Commitment, now: datetime, calendar: WorkCalendar) -> datetime | None:
    """How far back `evaluate` reads a commitment's data at `now` (None: all of it)."""
    return data_wanted(c, now, calendar).since


def data_wanted(c: Commitment, now: datetime, calendar: WorkCalendar) -> DataWanted:
    """What `evaluate` reads of the commitment's series at `now`: a latest-value verdict (no 全年保持
    span, no baseline taken from the feed) needs only the newest value up to its judged moment."""
    if c.kind == "reduction" and c.baseline_value is None:
        return DataWanted(c.measure.series, None)   # the baseline is the feed's own value on its date
    if c.kind == "cumulative" or c.throughout:
        return DataWanted(c.measure.series, datetime.combine(c.start, time.min, tzinfo=calendar.timezone))
    at = _Instant.of(c, now, calendar).aware
    return DataWanted(c.measure.series, at - max(c.measure.window, c.max_age),
                      None if c.kind == "case_duration" else at)


def _exact_count(c: Commitment, margin: float) -> bool:
    return margin == 0 and parse_unit(c.unit).dimension == "count"


def _verdict(c: Commitment, at: _Instant, actual: float, target: float, target_max: float | None, op: str,
             unit: str, newest: datetime, what: str, cases: int | None = None,
             breach_is_final: bool = False) -> Evaluation:
    """`breach_is_final`: a breach no later value can undo (全年保持 broken on one day) is missed even
    before the deadline."""
    status, why, margin = judgement(c, at, actual, target, target_max, op, unit, what, breach_is_final)
    return Evaluation(commitment=c.id, evaluated_at=at.now, status=status, actual=actual, target=target,
                      target_max=target_max, op=op, unit=unit, margin=margin, data_time=newest,
                      cases=cases, reason=why)


def judgement(c: Commitment, at: _Instant, actual: float, target: float, target_max: float | None, op: str,
              unit: str, what: str, breach_is_final: bool = False) -> tuple[str, str, float]:
    """A verdict's status, its reason and its margin (monitor.feed_batch builds the Evaluation itself)."""
    kept = bool(compare(op, actual, target, target_max))
    margin = margin_of(op, actual, target, target_max)
    promise = _promise(op, target, target_max, unit)
    warn = c.measure.warn_margin
    if kept and warn is not None and margin < warn and at.before_deadline and not _exact_count(c, margin):
        status, why = "at_risk", f"{what} keeps the promise ({promise}) by only {_fmt(margin)}, within the warn margin {_fmt(warn)}"
    elif kept and c.throughout and c.deadline is not None and at.before_deadline:
        status, why = "on_track", (f"{what} holds the promise ({promise}) so far; it is kept only if it holds "
                                   f"until the deadline {c.deadline}")
    elif kept:
        status, why = "met", f"{what} keeps the promise ({promise})"
    elif c.deadline is not None and at.before_deadline and not breach_is_final:
        status, why = "at_risk", f"{what} does not yet keep the promise ({promise}); deadline {c.deadline}"
    else:
        status, why = "missed", f"{what} breaks the promise ({promise})" + (
            f"; deadline {c.deadline} has passed" if at.settled else "")
    return status, why, margin


def duration_quantiles(durations: np.ndarray) -> tuple[tuple[float, float], ...]:
    """The quantiles of names.CASE_DURATION_QUANTILES over case durations (median to longest)."""
    if len(durations) == 0:
        return ()
    values = np.quantile(np.asarray(durations, dtype=np.float64), names.CASE_DURATION_QUANTILES)
    return tuple((q, float(v)) for q, v in zip(names.CASE_DURATION_QUANTILES, values))


def _case_duration(c: Commitment, data: MeasureData, at: _Instant, calendar: WorkCalendar,
                   newest: datetime) -> Evaluation:
    cases = data.cases
    if cases is None or len(cases) == 0:
        raise _NoData(f"no case records in series {c.measure.series!r}")
    unit, jurisdiction = parse_unit(c.unit), c.document.jurisdiction
    end = np.datetime64(at.local, "s")
    begin = np.datetime64(at.local - c.measure.window, "s")
    submitted_by_then = cases.submitted <= end
    completed = ~np.isnat(cases.completed) & (cases.completed <= end) & submitted_by_then
    in_window = completed & (cases.completed >= begin)
    still_open = submitted_by_then & ~completed
    done_idx, open_idx = np.flatnonzero(in_window), np.flatnonzero(still_open)
    open_ends = np.full(len(open_idx), end)
    done = case_timing(unit, c.op, c.value, c.value_max, cases.submitted[done_idx], cases.completed[done_idx],
                       calendar, jurisdiction,
                       suspended_time(unit, cases, done_idx, cases.completed[done_idx], calendar, jurisdiction))
    waiting = case_timing(unit, c.op, c.value, c.value_max, cases.submitted[open_idx], open_ends, calendar,
                          jurisdiction, suspended_time(unit, cases, open_idx, open_ends, calendar, jurisdiction))
    overdue = ~waiting.on_time
    n_overdue = int(overdue.sum())
    n = len(done.durations) + n_overdue
    if n == 0:
        raise _NoData(f"no case completed in the last {c.measure.window.days} days and none open past its limit")
    overdue_ids: tuple[str, ...] = ()
    if cases.ids is not None and n_overdue:
        overdue_ids = named_ids(cases.ids[open_idx[overdue]][:OVERDUE_IDS_KEPT])
    durations = np.concatenate([done.durations, waiting.durations[overdue]])
    open_note = (f"; {n_overdue} case(s) still open past the limit" +
                 (f" ({', '.join(overdue_ids[:10])}{', …' if n_overdue > 10 else ''})" if overdue_ids else "")
                 if n_overdue else "")
    paused_cases = paused_total = None
    if done.taken_off is not None and waiting.taken_off is not None:   # the cases behind the verdict
        taken = np.concatenate([done.taken_off, waiting.taken_off[overdue]])
        paused_cases, paused_total = int(np.count_nonzero(taken > 0)), float(taken.sum())
        if paused_cases:
            open_note += f"; suspended time left out for {paused_cases} case(s), {_fmt(paused_total)} {c.unit} in all"
    limit = _promise(c.op, c.value, c.value_max, c.unit)
    if c.measure.aggregate == "share_within":
        # count * 100 / n, not mean * 100: 57/100*100 is 56.99999999999999 and would miss a 57% target
        share = int(np.count_nonzero(done.on_time)) * 100 / n
        what = f"{share:.1f}% of {n} cases took {limit}{open_note};"
        verdict = _verdict(c, at, share, c.measure.min_share, None, ">=", "%", newest, what, n)
    else:
        aggregate = c.measure.aggregate
        if aggregate == "mean":
            actual = float(durations.mean())
        elif aggregate == "max":
            actual = float(durations.max())
        elif aggregate.startswith("p"):
            actual = float(np.percentile(durations, int(aggregate[1:])))
        else:
            raise UnitError(f"aggregate {aggregate!r} does not apply to case durations")
        what = f"the {aggregate} duration of {n} cases, {_fmt(actual)} {c.unit}{open_note},"
        verdict = _verdict(c, at, actual, c.value, c.value_max, c.op, c.unit, newest, what, n)
    late = late_cases(c, cases, in_window, open_idx, done, waiting, end, calendar)
    counts = CaseCounts(received=len(cases), completed_in_window=len(done.durations),
                        on_time=int(np.count_nonzero(done.on_time)),
                        completed_late=int(np.count_nonzero(~done.on_time)), open_overdue=n_overdue,
                        open_not_due=len(open_idx) - n_overdue,
                        completed_before_window=int(np.count_nonzero(completed & ~in_window)),
                        submitted_after=int(np.count_nonzero(~submitted_by_then)), window_days=c.measure.window.days,
                        rejected=cases.rejected)
    return replace(verdict, duration_quantiles=duration_quantiles(done.durations), overdue_open=n_overdue,
                   overdue_case_ids=overdue_ids, provisional=done.provisional or waiting.provisional,
                   offending_cases=late, offending_total=counts.completed_late + n_overdue, case_counts=counts,
                   paused_cases=paused_cases, paused_total=paused_total)


def named_ids(ids: np.ndarray) -> tuple[str, ...]:
    """The ids a verdict names: each at most OVERDUE_ID_CHARS, together at most OVERDUE_IDS_CHARS."""
    named: list[str] = []
    total = 0
    for raw in ids:
        text = str(raw)
        text = bounded_id(text)
        total += len(text)
        if total > OVERDUE_IDS_CHARS:
            break
        named.append(text)
    return tuple(named)


def late_cases(c: Commitment, cases: CaseRecords, in_window: np.ndarray, open_idx: np.ndarray, done: CaseTiming,
               waiting: CaseTiming, end: np.datetime64, calendar: WorkCalendar) -> tuple[OffendingCase, ...]:
    """The cases behind a per-case verdict: completed late in the window and open past the limit, worst first."""
    done_rows, open_rows = np.flatnonzero(in_window)[~done.on_time], open_idx[~waiting.on_time]
    rows = np.concatenate([done_rows, open_rows])     # only the late ones: ids and items are sliced once
    timing = CaseTiming(np.concatenate([done.durations[~done.on_time], waiting.durations[~waiting.on_time]]),
                        np.zeros(len(rows), dtype=bool), False)
    still_open = np.arange(len(rows)) >= len(done_rows)
    ended = np.concatenate([cases.completed[done_rows], np.full(len(open_rows), end)])
    return offending_cases(parse_unit(c.unit), c.op, c.value, cases.submitted[rows], ended, timing, still_open,
                           calendar, c.document.jurisdiction,
                           None if cases.ids is None else cases.ids[rows],
                           None if cases.items is None else cases.items[rows],
                           None if done.taken_off is None or waiting.taken_off is None else
                           np.concatenate([done.taken_off[~done.on_time], waiting.taken_off[~waiting.on_time]]))


def _points(values: tuple[ValuePoint, ...], at: _Instant, since: datetime | None = None) -> list[ValuePoint]:
    until = utc_bound(at.aware)
    if since is None:
        return [v for v in values if v.data_time <= until]
    start = utc_bound(since)
    return [v for v in values if until >= v.data_time >= start]


def _latest(values: tuple[ValuePoint, ...], at: _Instant) -> ValuePoint:
    usable = _points(values, at)
    if not usable:
        raise _NoData("no value in the series" + (f" up to {at.local.date()}" if at.settled else ""))
    return max(usable, key=lambda v: v.data_time)


def _local_start(day: date, at: _Instant) -> datetime:
    start = datetime.combine(day, time.min)
    return start.replace(tzinfo=at.zone) if at.aware.tzinfo else start


@dataclass(frozen=True)
class _Baseline:
    value: float
    unit: str | None
    source: str


def _baseline(c: Commitment, data: MeasureData, at: _Instant) -> _Baseline:
    """What a reduction is measured from: the value given, or the feed's own value at the baseline date."""
    if c.baseline_value is not None:
        return _Baseline(c.baseline_value, c.baseline_unit or c.unit, "the baseline")
    on = c.baseline_date or c.start
    earlier = [v for v in data.values if _local_date(v.data_time, at) <= on]
    if not earlier:
        raise _NoData(f"no value on or before the baseline date {on} in series {c.measure.series!r}")
    return _Baseline(max(earlier, key=lambda v: v.data_time).value, c.baseline_unit, f"the feed's value on {on}")


def _reduction_actual(c: Commitment, level: float, base: _Baseline) -> tuple[float, str]:
    """The achieved reduction: the baseline less the level now, in the commitment's unit (a relative
    one when the unit is %)."""
    baseline, baseline_unit, source = base.value, base.unit, base.source
    reduced = baseline - level
    if parse_unit(c.unit).dimension == "share":
        if baseline == 0:
            raise UnitError("a relative reduction needs a non-zero baseline")
        actual = reduced * 100 / baseline   # not reduced / baseline * 100: 100 -> 43 gave 56.99999999999999
    else:
        actual = convert(reduced, baseline_unit or c.unit, c.unit)
    return actual, (f"the reduction from {source} {_fmt(baseline)} {baseline_unit or ''} to {_fmt(level)}, "
                    f"{_fmt(actual)} {c.unit},")


def _local_date(moment: datetime, at: _Instant) -> date:
    """The local date of a data time (aware times are read in the zone of the judged moment)."""
    return moment.astimezone(at.zone).date() if moment.tzinfo else moment.date()


def _latest_value(c: Commitment, data: MeasureData, at: _Instant, newest: datetime) -> Evaluation:
    if c.throughout:
        broken = _first_break(c, data, at)
        if broken is not None:
            what = (f"the value {_fmt(broken.value)} {c.unit} on {_local_date(broken.data_time, at)} "
                    f"(the promise holds on every day from {c.start})")
            return _verdict(c, at, broken.value, c.value, c.value_max, c.op, c.unit, newest, what,
                            breach_is_final=True)
    point = _latest(data.values, at)
    if c.kind == "reduction":
        actual, what = _reduction_actual(c, point.value, _baseline(c, data, at))
    else:
        actual, what = point.value, f"the latest value, {_fmt(point.value)} {c.unit},"
    return _verdict(c, at, actual, c.value, c.value_max, c.op, c.unit, newest, what)


def _first_break(c: Commitment, data: MeasureData, at: _Instant) -> ValuePoint | None:
    since = _local_start(c.start, at)
    if c.kind == "reduction" and c.baseline_value is None:   # the baseline day itself is no cut yet
        since = max(since, _local_start((c.baseline_date or c.start) + timedelta(days=1), at))
    base = _baseline(c, data, at) if c.kind == "reduction" else None
    for point in sorted(_points(data.values, at, since), key=lambda v: v.data_time):
        value = _reduction_actual(c, point.value, base)[0] if base is not None else point.value
        if not compare(c.op, value, c.value, c.value_max):
            return ValuePoint(point.series, point.data_time, value)
    return None


def _cumulative(c: Commitment, data: MeasureData, at: _Instant, newest: datetime) -> Evaluation:
    if c.deadline is None:
        raise UnitError("a cumulative target needs a deadline")
    if c.measure.aggregate == "sum":
        points = _points(data.values, at, _local_start(c.start, at))
        if not points:
            raise _NoData(f"no increments since {c.start}")
        actual = float(sum(v.value for v in points))
    else:
        actual = _latest(data.values, at).value
    # the pace runs on whole local days: the days before the judged day have elapsed
    total_days = (c.deadline - c.start).days + 1
    elapsed_days = total_days if at.settled else min(total_days, max(0, (at.local.date() - c.start).days))
    expected = c.value * elapsed_days / total_days
    kept = bool(compare(c.op, actual, c.value))
    base: dict[str, Any] = dict(commitment=c.id, evaluated_at=at.now, actual=actual, target=c.value, op=c.op,
                                unit=c.unit, margin=margin_of(c.op, actual, c.value), expected=expected,
                                data_time=newest)
    total = f"the running total {_fmt(actual)} {c.unit}"
    if kept and at.before_deadline and c.op in ("<=", "<"):   # a cap holds until the deadline: not kept yet
        return Evaluation(**base, status="on_track",
                          reason=f"{total} is within the cap ({c.op} {_fmt(c.value)}) so far; it is kept only "
                                 f"if it stays within it until the deadline {c.deadline}")
    if kept:
        return Evaluation(**base, status="met", reason=f"{total} keeps the target ({c.op} {_fmt(c.value)})")
    if at.settled:
        return Evaluation(**base, status="missed",
                          reason=f"{total} fell short of {c.op} {_fmt(c.value)} by the deadline {c.deadline}")
    if c.op not in (">=", ">"):    # a running total over its cap only grows: already broken
        return Evaluation(**base, status="missed",
                          reason=f"{total} already breaks the cap ({c.op} {_fmt(c.value)})")
    if actual * total_days >= c.value * elapsed_days:    # exact: no rounding of the expected value
        return Evaluation(**base, status="on_track",
                          reason=f"{total} is on pace, not yet reached (expected {_fmt(expected)} by now, target "
                                 f"{_fmt(c.value)} by {c.deadline})")
    return Evaluation(**base, status="at_risk",
                      reason=f"{total} is behind pace: expected {_fmt(expected)} by now for "
                             f"{_fmt(c.value)} by {c.deadline}")

