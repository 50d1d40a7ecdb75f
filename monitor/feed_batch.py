"""A feed's per-case commitments evaluated together: the cases of every commitment concatenated once,
the window and still-open masks, the working-time durations (one calendar call per unit and
jurisdiction, not per commitment), the late cases and the figures of each verdict (counts, mean,
maximum, percentiles) computed in a few numpy passes over all of them. Only building each
Evaluation (its sentences, its late cases) is left per commitment. Pure: no store, no clock.

The verdicts are exactly what `monitor.evaluate.evaluate` gives commitment by commitment, field by
field (tests/test_feed_batch.py compares them on the shipped catalogue and on a synthetic feed of
distinct series). Which is why sums and means are still taken per commitment (numpy's pairwise sum
of one commitment's durations differs in the last bit from a segmented `add.reduceat`), and
percentiles repeat numpy's own linear interpolation. What the batch does not handle (values,
cumulative totals, month limits, no data, a calendar or unit error) is evaluated by `evaluate`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import repeat

import numpy as np

from monitor import names
from monitor.calendar import CalendarError, WorkCalendar
from monitor.cases import DAY_SECONDS, OFFENDING_KEPT, CaseCounts, CaseTiming, OffendingCase, bounded_id, counts_by_date
from monitor.comparators import compare
from monitor.evaluate import (
    OVERDUE_IDS_KEPT,
    Evaluation,
    _fmt,
    _Instant,
    _promise,
    evaluate,
    judgement,
    late_cases,
    named_ids,
)
from monitor.model import Commitment
from monitor.observations import CaseRecords, MeasureData
from monitor.pauses import suspended_time, total_in
from monitor.periods import cutoffs
from monitor.units import Unit, UnitError, parse_unit

_DIMENSIONS = ("working_days", "working_hours", "time")
_OPS = ("<=", "<", ">=", ">", "==", "range")
_EPOCH = datetime(1970, 1, 1)
BATCH_ROWS = 250_000     # case rows per numpy pass (2,500 commitments of 100 cases)
_END_OF_DAY = np.timedelta64(86399, "s")


def evaluate_all(pairs: Sequence[tuple[Commitment, MeasureData]], now: datetime,
                 calendar: WorkCalendar) -> list[Evaluation]:
    """`[evaluate(c, data, now, calendar) for c, data in pairs]`, the per-case commitments in one batch."""
    found: list[Evaluation | None] = [None] * len(pairs)
    batch: list[_Case] = []
    instants: dict[date | None, _Instant] = {}    # the judged moment depends on the deadline only
    for i, (c, data) in enumerate(pairs):
        prepared = _prepare(i, c, data, now, calendar, instants)
        if prepared is None:
            found[i] = evaluate(c, data, now, calendar)
        else:
            batch.append(prepared)
    for part in _parts(batch, BATCH_ROWS):
        for case, verdict in zip(part, _Batch(part, calendar).verdicts()):
            found[case.index] = verdict if verdict is not None else evaluate(case.c, case.data, now, calendar)
    return [e for e in found if e is not None]


def _parts(batch: list[_Case], rows: int) -> Iterator[list[_Case]]:
    """The batch in parts of about `rows` case rows each: the memory a pass takes stays bounded
    (some twenty arrays of a row each) whatever the size of the feed."""
    part: list[_Case] = []
    size = 0
    for case in batch:
        part.append(case)
        size += len(case.cases)
        if size >= rows:
            yield part
            part, size = [], 0
    if part:
        yield part


@dataclass(frozen=True)
class _Case:
    """One per-case commitment the batch takes, and what it is judged against."""

    index: int
    c: Commitment
    data: MeasureData
    cases: CaseRecords
    at: _Instant
    newest: datetime
    unit: Unit
    last: float          # the last whole unit a case may take (cases._last)


def _prepare(i: int, c: Commitment, data: MeasureData, now: datetime, calendar: WorkCalendar,
             instants: dict[date | None, _Instant]) -> _Case | None:
    """The commitment as the batch takes it, or None when `evaluate` alone should judge it (it is
    not per-case, has no fresh cases, or asks what the batch does not compute)."""
    if c.kind != "case_duration" or data.cases is None or len(data.cases) == 0:
        return None
    aggregate = c.measure.aggregate
    if aggregate not in ("share_within", "mean", "max") and not (aggregate[:1] == "p" and aggregate[1:].isdigit()):
        return None
    try:
        unit = parse_unit(c.unit)
    except UnitError:
        return None
    if unit.dimension not in _DIMENSIONS or c.op not in _OPS:
        return None
    if c.op == "range" and c.value_max is None:
        return None     # evaluate says what is wrong
    at = instants.get(c.deadline) or instants.setdefault(c.deadline, _Instant.of(c, now, calendar))
    newest = data.newest_time(not_after=at.aware)
    if newest is None or (not at.settled and now - newest > c.max_age):
        return None
    whole = unit.dimension == "working_days" or counts_by_date(unit)
    last = c.value - 1 if c.op == "<" and whole else c.value
    return _Case(i, c, data, data.cases, at, newest, unit, last)


def _seconds(moments: list[datetime]) -> np.ndarray:
    """Naive local times as datetime64[s] (cut to the second, as np.datetime64(moment, "s") does),
    each distinct time converted once: most commitments are judged at the same moment."""
    second = timedelta(seconds=1)
    known: dict[datetime, int] = {}
    values = [known.get(m) or known.setdefault(m, (m - _EPOCH) // second) for m in moments]
    return np.array(values, dtype=np.int64).astype("datetime64[s]")


def _groups(batch: Sequence[_Case]) -> list[list[int]]:
    """The commitments that share a unit and a jurisdiction (the calendar is called once for each)."""
    groups: dict[tuple[str, str | None], list[int]] = {}
    for i, b in enumerate(batch):
        groups.setdefault((b.unit.name, b.c.document.jurisdiction), []).append(i)
    return list(groups.values())


def _stable_order(keys: np.ndarray, bound: int) -> np.ndarray:
    """np.argsort(keys, kind="stable") for integer keys below `bound`: a radix sort when they fit in 16 bits."""
    small = np.uint16 if bound <= np.iinfo(np.uint16).max else np.int64
    order: np.ndarray = np.argsort(keys.astype(small), kind="stable")
    return order


def _split(rows: np.ndarray, segment: np.ndarray, groups: list[list[int]], segments: int) -> list[np.ndarray]:
    """`rows` (ascending) divided by the group of their commitment, each part ascending."""
    group_of = np.zeros(segments, dtype=np.intp)
    for g, members in enumerate(groups):
        group_of[members] = g
    keys = group_of[segment[rows]]
    ordered = rows[_stable_order(keys, len(groups))]
    return np.split(ordered, np.cumsum(np.bincount(keys, minlength=len(groups)))[:-1])


def _segment_quantiles(values: np.ndarray, ascending: np.ndarray, rows: np.ndarray, segment: np.ndarray,
                       quantiles: np.ndarray, segments: int) -> tuple[np.ndarray, np.ndarray]:
    """Per segment, np.quantile(values of its `rows`, quantiles) as numpy computes it (linear
    interpolation, its own rounding), and each segment's size: (segments x quantiles), (segments,).
    `ascending` orders all `values` (one float sort serves every call)."""
    picked = ascending[rows[ascending]]
    picked = picked[_stable_order(segment[picked], segments)]
    ordered = values[picked]
    segment = segment[picked]
    sizes = np.bincount(segment, minlength=segments)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    present = sizes > 0
    n = sizes[present][:, None]
    virtual = (n - 1) * quantiles[None, :]
    previous = np.floor(virtual)
    following = previous + 1
    above = virtual >= n - 1
    previous = np.where(above, -1, previous).astype(np.intp)
    following = np.where(above, -1, following).astype(np.intp)
    gamma = virtual - previous
    base = starts[present][:, None]
    a = ordered[np.where(previous < 0, base + n + previous, base + previous)]
    b = ordered[np.where(following < 0, base + n + following, base + following)]
    difference = b - a
    result = a + difference * gamma
    upper = gamma >= 0.5
    result[upper] = b[upper] - difference[upper] * (1 - gamma[upper])
    full = np.zeros((segments, len(quantiles)))
    full[present] = result
    return full, sizes


class _Batch:
    """The numpy passes over every case of every commitment taken (one row per case per commitment)."""

    def __init__(self, batch: Sequence[_Case], calendar: WorkCalendar):
        self.batch, self.calendar = batch, calendar
        k = len(batch)
        sizes = np.array([len(b.cases) for b in batch], dtype=np.intp)
        self.offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.intp)
        self.segment = np.repeat(np.arange(k, dtype=np.intp), sizes)
        self.failed = np.zeros(k, dtype=bool)     # a calendar or unit error: `evaluate` says which
        submitted = np.concatenate([b.cases.submitted for b in batch]).astype("datetime64[s]")
        completed = np.concatenate([b.cases.completed for b in batch]).astype("datetime64[s]")
        ends = _seconds([b.at.local for b in batch])
        begins = _seconds([b.at.local - b.c.measure.window for b in batch])
        self.ends = ends
        end, begin = ends[self.segment], begins[self.segment]
        self.submitted = submitted
        self.by_then = submitted <= end
        self.completed = ~np.isnat(completed) & (completed <= end) & self.by_then
        self.in_window = self.completed & (completed >= begin)
        self.still_open = self.by_then & ~self.completed
        self.ended = np.where(self.in_window, completed, end)
        self.counted = self.in_window | self.still_open
        n = len(submitted)
        self.limit = np.array([b.c.value for b in batch], dtype=np.float64)[self.segment]
        self.last = np.array([b.last for b in batch], dtype=np.float64)[self.segment]
        self.suspended = np.zeros(n)
        self.paused = np.array([b.cases.paused is not None or b.cases.pauses is not None for b in batch])
        self.durations = np.zeros(n)
        self.on_time = np.zeros(n, dtype=bool)
        self.taken = np.zeros(n)
        self.provisional_row = np.zeros(n, dtype=bool)
        ops = {op: code for code, op in enumerate(_OPS)}
        self.op_code = np.array([ops[b.c.op] for b in batch], dtype=np.intp)
        self.limit_max = np.array([np.nan if b.c.value_max is None else b.c.value_max for b in batch])
        self.groups = _groups(batch)
        for members, rows in zip(self.groups, _split(np.flatnonzero(self.counted), self.segment, self.groups, k)):
            try:
                self._time(members, rows)
            except (CalendarError, UnitError):
                self.failed[members] = True
        self.counted &= ~self.failed[self.segment]

    def _rows(self, members: list[int], mask: np.ndarray) -> np.ndarray:
        chosen = np.zeros(len(self.batch), dtype=bool)
        chosen[members] = True
        return np.flatnonzero(mask & chosen[self.segment])

    def _time(self, members: list[int], rows: np.ndarray) -> None:
        """Durations, kept or not, suspended time and provisional days of the counted cases (`rows`) of
        commitments sharing a unit and a jurisdiction: cases.case_timing, row by row."""
        first = self.batch[members[0]]
        unit, jurisdiction, calendar = first.unit, first.c.document.jurisdiction, self.calendar
        self._suspend(members)
        rows = rows[~self.failed[self.segment[rows]]]
        submitted, ended = self.submitted[rows], self.ended[rows]
        suspended = self.suspended[rows]
        provisional = np.zeros(len(rows), dtype=bool)
        notices_last = np.datetime64(calendar.notices_last, "D")
        if unit.dimension == "working_days":
            counted = calendar.working_days_from_acceptance(submitted, ended, jurisdiction).astype(np.float64)
            provisional = ended.astype("datetime64[D]") > notices_last
        elif unit.dimension == "working_hours":
            counted = calendar.working_hours_between(submitted, ended, jurisdiction)
            provisional = ended.astype("datetime64[D]") > notices_last
        elif not counts_by_date(unit):
            counted = (ended - submitted).astype(np.int64) / unit.factor
        else:
            counted = (ended.astype("datetime64[D]") - submitted.astype("datetime64[D]")).astype(np.int64) / (
                unit.factor / DAY_SECONDS)
        durations = np.maximum(counted - suspended, 0.0)
        on_time = np.zeros(len(rows), dtype=bool)
        segment = self.segment[rows]
        op_of_row, limit, limit_max = self.op_code[segment], self.limit[rows], self.limit_max[segment]
        for op in sorted({self.batch[i].c.op for i in members}):
            here = op_of_row == _OPS.index(op)
            on_time[here] = compare(op, durations[here], limit[here], limit_max[here])
            if op == "<=" and counts_by_date(unit):   # the last day moves past rest days
                last_days = calendar.last_days_of_periods(submitted[here], (limit[here] + suspended[here])
                                                          * (unit.factor / DAY_SECONDS))
                on_time[here] = ended[here] <= cutoffs(last_days, calendar.closing_time(jurisdiction))
                provisional[here] = last_days > notices_last
        self.durations[rows] = durations
        self.on_time[rows] = on_time
        self.taken[rows] = np.maximum(counted, 0.0) - durations
        self.provisional_row[rows] = provisional

    def _suspend(self, members: list[int]) -> None:
        """Suspended time of each counted case in the commitment's unit (pauses.suspended_time): stated
        totals converted for all commitments alike at once, intervals commitment by commitment."""
        first = self.batch[members[0]]
        unit, jurisdiction = first.unit, first.c.document.jurisdiction
        by_given: dict[str | None, list[int]] = {}
        for i in members:
            cases = self.batch[i].cases
            if cases.pauses is not None:
                try:
                    self._suspend_intervals(i)
                except (CalendarError, UnitError):
                    self.failed[i] = True
            elif cases.paused is not None:
                by_given.setdefault(cases.paused_unit, []).append(i)
        for given, totals in by_given.items():
            if given is not None:
                try:
                    total_in(unit, np.zeros(0), given, self.calendar, jurisdiction)
                except UnitError:    # a total in a unit that does not convert: evaluate names it
                    self.failed[totals] = True
                    continue
            picked = self._rows(totals, self.counted)
            local = picked - self.offsets[self.segment[picked]]
            amounts = np.concatenate([self.batch[i].cases.paused for i in totals if self.batch[i].cases.paused is not None])
            starts = np.concatenate(([0], np.cumsum([len(self.batch[i].cases) for i in totals])[:-1]))
            position = np.searchsorted(totals, self.segment[picked])
            self.suspended[picked] = np.zeros(len(picked)) + total_in(unit, amounts[starts[position] + local], given,
                                                                      self.calendar, jurisdiction)

    def _suspend_intervals(self, i: int) -> None:
        b, o = self.batch[i], self.offsets[i]
        window, still_open = self.in_window[o:self.offsets[i + 1]], self.still_open[o:self.offsets[i + 1]]
        done_idx, open_idx = np.flatnonzero(window), np.flatnonzero(still_open)
        for local, ends in ((done_idx, b.cases.completed[done_idx]), (open_idx, np.full(len(open_idx), self.ends[i]))):
            amount = suspended_time(b.unit, b.cases, local, ends, self.calendar, b.c.document.jurisdiction)
            if amount is not None:
                self.suspended[o + local] = amount

    def verdicts(self) -> list[Evaluation | None]:
        """Each commitment's verdict (None: `evaluate` should judge it, to name a calendar or unit error)."""
        figures, late = _Figures(self), _LateCases(self)
        failed = self.failed.tolist()
        return [None if failed[i] else self._verdict(i, figures, late) for i in range(len(self.batch))]

    def _verdict(self, i: int, f: _Figures, late: _LateCases) -> Evaluation | None:
        """evaluate._case_duration from the figures computed for all."""
        b = self.batch[i]
        c, at, cases = b.c, b.at, b.cases
        n_overdue, done = f.overdue_n[i], f.done_n[i]
        n = done + n_overdue
        if n == 0:
            return Evaluation(commitment=c.id, evaluated_at=at.now, status="no_data", data_time=b.newest,
                              reason=f"no case completed in the last {c.measure.window.days} days and "
                                     f"none open past its limit")
        overdue_ids: tuple[str, ...] = ()
        if cases.ids is not None and n_overdue:
            local = f.overdue_rows[f.overdue_at[i]:f.overdue_at[i + 1]][:OVERDUE_IDS_KEPT] - f.offsets[i]
            overdue_ids = named_ids(cases.ids[local])
        open_note = (f"; {n_overdue} case(s) still open past the limit" +
                     (f" ({', '.join(overdue_ids[:10])}{', …' if n_overdue > 10 else ''})" if overdue_ids else "")
                     if n_overdue else "")
        paused_cases = paused_total = None
        if f.paused[i]:
            paused_cases = f.paused_n[i]
            paused_total = float(f.behind_taken[f.behind_at[i]:f.behind_at[i + 1]].sum())
            if paused_cases:
                open_note += f"; suspended time left out for {paused_cases} case(s), {_fmt(paused_total)} {c.unit} in all"
        limit = _promise(c.op, c.value, c.value_max, c.unit)
        aggregate = c.measure.aggregate
        if aggregate == "share_within":
            actual = f.done_on_time[i] * 100 / n
            what = f"{actual:.1f}% of {n} cases took {limit}{open_note};"
            target, target_max, op, unit = c.measure.min_share, None, ">=", "%"
        else:
            if aggregate == "mean":
                actual = float(f.behind_durations[f.behind_at[i]:f.behind_at[i + 1]].mean())
            elif aggregate == "max":
                actual = f.maxima[i]
            else:
                actual = f.percentiles[int(aggregate[1:])][i]
            what = f"the {aggregate} duration of {n} cases, {_fmt(actual)} {c.unit}{open_note},"
            target, target_max, op, unit = c.value, c.value_max, c.op, c.unit
        status, reason, margin = judgement(c, at, actual, target, target_max, op, unit, what)
        try:
            offending = late.of(i)
        except (CalendarError, UnitError):
            return None
        completed_late = done - f.done_on_time[i]
        counts = CaseCounts(received=len(cases), completed_in_window=done, on_time=f.done_on_time[i],
                            completed_late=completed_late, open_overdue=n_overdue,
                            open_not_due=f.open_n[i] - n_overdue, completed_before_window=f.before_n[i],
                            submitted_after=f.after_n[i], window_days=c.measure.window.days, rejected=cases.rejected)
        settled = at.settled and status in ("met", "missed")
        return Evaluation(
            commitment=c.id, evaluated_at=at.now, status=status, actual=actual, target=target, target_max=target_max,
            op=op, unit=unit, margin=margin, data_time=b.newest, cases=n,
            reason=f"{reason} (settled on {c.deadline})" if settled else reason,
            settled_on=c.deadline if settled else None, provisional=f.provisional[i], overdue_open=n_overdue,
            overdue_case_ids=overdue_ids,
            duration_quantiles=tuple(zip(names.CASE_DURATION_QUANTILES, f.quantiles[i])) if done else (),
            offending_cases=offending, offending_total=completed_late + n_overdue, case_counts=counts,
            paused_cases=paused_cases, paused_total=paused_total)


class _Figures:
    """The counts and figures of every verdict, by commitment (Python lists: read one by one)."""

    def __init__(self, batch: _Batch):
        k, seg = len(batch.batch), batch.segment
        in_window, still_open, on_time = batch.in_window, batch.still_open, batch.on_time
        overdue = still_open & ~on_time

        def count(mask: np.ndarray) -> list[int]:
            counts: list[int] = np.bincount(seg[mask], minlength=k).tolist()
            return counts

        self.done_n, self.done_on_time, self.overdue_n = count(in_window), count(in_window & on_time), count(overdue)
        self.open_n, self.before_n = count(still_open), count(batch.completed & ~in_window)
        self.after_n = count(~batch.by_then)
        self.provisional: list[bool] = (np.bincount(seg[batch.provisional_row & batch.counted], minlength=k) > 0).tolist()
        self.paused: list[bool] = batch.paused.tolist()
        self.offsets: list[int] = batch.offsets.tolist()
        # the cases behind each verdict: its completed ones in the window, then those open past their limit
        judged = np.flatnonzero(in_window | overdue)
        behind = judged[_stable_order(seg[judged] * 2 + overdue[judged], 2 * k)]
        behind_at = np.concatenate(([0], np.cumsum(np.bincount(seg[behind], minlength=k))))
        self.behind_at: list[int] = behind_at.tolist()
        self.behind_durations, self.behind_taken = batch.durations[behind], batch.taken[behind]
        self.paused_n: list[int] = np.bincount(seg[behind][self.behind_taken > 0], minlength=k).tolist()
        ascending = judged[np.argsort(batch.durations[judged])]
        quantiles = np.asarray(names.CASE_DURATION_QUANTILES, dtype=np.float64)
        self.quantiles: list[list[float]] = _segment_quantiles(batch.durations, ascending, in_window, seg, quantiles,
                                                               k)[0].tolist()
        maxima = np.full(k, np.nan)
        nonempty = np.diff(behind_at) > 0
        if len(behind):
            maxima[nonempty] = np.maximum.reduceat(self.behind_durations, behind_at[:-1][nonempty])
        self.maxima: list[float] = maxima.tolist()
        aggregate_of = np.array([b.c.measure.aggregate for b in batch.batch])
        self.percentiles: dict[int, list[float]] = {}
        for aggregate in {a for a in aggregate_of.tolist() if a.startswith("p")}:
            rows = (in_window | overdue) & (aggregate_of == aggregate)[seg]
            self.percentiles[int(aggregate[1:])] = _segment_quantiles(
                batch.durations, ascending, rows, seg, np.array([int(aggregate[1:]) / 100]), k)[0][:, 0].tolist()
        self.overdue_rows = np.flatnonzero(overdue)
        self.overdue_at: list[int] = np.concatenate(([0], np.cumsum(np.bincount(seg[self.overdue_rows],
                                                                                  minlength=k)))).tolist()


class _LateCases:
    """The late cases of every verdict (cases.offending_cases), how far over and when due computed for
    all of them at once, by unit and jurisdiction."""

    def __init__(self, batch: _Batch):
        self.batch = batch
        k = len(batch.batch)
        seg = batch.segment
        time_limited = np.array([b.c.op in ("<=", "<") for b in batch.batch])
        late = (batch.in_window | batch.still_open) & ~batch.on_time & (time_limited & ~batch.failed)[seg]
        rows = np.flatnonzero(late)
        rows = rows[_stable_order(seg[rows] * 2 + batch.still_open[rows], 2 * k)]
        self.sizes = np.bincount(seg[rows], minlength=k)
        self.many = self.sizes > OFFENDING_KEPT      # argpartition's choice among ties: left to offending_cases
        rows = rows[~self.many[seg[rows]]]
        over, due = np.zeros(len(rows)), np.zeros(len(rows), dtype="datetime64[s]")
        self.failed = np.zeros(k, dtype=bool)
        positions = np.arange(len(rows))
        for members, here in zip(batch.groups, _split(positions, seg[rows], batch.groups, k)):
            try:
                over[here], due[here] = self._over_and_due(members, rows[here])
            except (CalendarError, UnitError):
                self.failed[members] = True
        order = np.lexsort((batch.submitted[rows], -over, seg[rows]))
        self.rows, self.over, self.due = rows[order], over[order], due[order]
        self.at = np.concatenate(([0], np.cumsum(np.bincount(seg[self.rows], minlength=k)))).tolist()
        # as OffendingCase holds them (naive datetimes, floats), converted once for every late case
        self.submitted = batch.submitted[self.rows].tolist()
        self.completed = [None if still else ended for still, ended in
                          zip(batch.still_open[self.rows].tolist(), batch.ended[self.rows].tolist())]
        self.due_list, self.over_list = self.due.tolist(), self.over.tolist()
        self.failed_list, self.many_list = self.failed.tolist(), self.many.tolist()
        self.offsets: list[int] = batch.offsets.tolist()

    def _over_and_due(self, members: list[int], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """cases._over and cases._due, row by row (`paused` is the suspended time actually left out)."""
        batch = self.batch
        first = batch.batch[members[0]]
        unit, jurisdiction, calendar = first.unit, first.c.document.jurisdiction, batch.calendar
        last, submitted, ended = batch.last[rows], batch.submitted[rows], batch.ended[rows]
        paused = np.where(batch.paused[batch.segment[rows]], batch.taken[rows], 0.0)
        if counts_by_date(unit):
            days_per_unit = unit.factor / DAY_SECONDS
            last_days = calendar.last_days_of_periods(submitted, (last + paused) * days_per_unit)
            over = (ended.astype("datetime64[D]") - last_days).astype(np.int64) / days_per_unit
            days = calendar.last_days_of_periods(submitted, (last + paused) * unit.factor / DAY_SECONDS)
            return over, days.astype("datetime64[s]") + _END_OF_DAY
        over = batch.durations[rows] - last
        if unit.dimension == "working_days":
            return over, (calendar.due_days_from_acceptance(submitted, last + paused, jurisdiction)
                          .astype("datetime64[s]") + _END_OF_DAY)
        if unit.dimension == "working_hours":
            return over, calendar.after_working_hours(submitted, last + paused, jurisdiction)
        seconds = np.round((last + paused) * unit.factor).astype(np.int64)
        return over, submitted + seconds.astype("timedelta64[s]")

    def of(self, i: int) -> tuple[OffendingCase, ...]:
        b = self.batch.batch[i]
        if b.c.op not in ("<=", "<"):
            return ()
        if self.failed_list[i]:
            raise CalendarError("late cases")    # evaluate() judges it and names the error
        if self.many_list[i]:
            return self._one_by_one(i)
        a, z = self.at[i], self.at[i + 1]
        if a == z:
            return ()
        local = self.rows[a:z] - self.offsets[i]
        ids = repeat(None) if b.cases.ids is None else [bounded_id(str(x)) for x in b.cases.ids[local].tolist()]
        items = repeat(None) if b.cases.items is None else [str(x) or None for x in b.cases.items[local].tolist()]
        return tuple(map(OffendingCase, ids, items, self.submitted[a:z], self.due_list[a:z], self.completed[a:z],
                         self.over_list[a:z]))

    def _one_by_one(self, i: int) -> tuple[OffendingCase, ...]:
        """More late cases than a verdict keeps: evaluate.late_cases on this commitment's rows."""
        batch, b = self.batch, self.batch.batch[i]
        span = slice(batch.offsets[i], batch.offsets[i + 1])
        in_window, still_open = batch.in_window[span], batch.still_open[span]
        open_idx = np.flatnonzero(still_open)

        def timing(mask: np.ndarray) -> CaseTiming:
            return CaseTiming(batch.durations[span][mask], batch.on_time[span][mask], False,
                              batch.taken[span][mask] if batch.paused[i] else None)
        return late_cases(b.c, b.cases, in_window, open_idx, timing(in_window), timing(still_open),
                          batch.ends[i], batch.calendar)
