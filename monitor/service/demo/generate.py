"""Generate demo actuals for a catalogue: deterministic for a seed, each commitment landing on an intended verdict.

Each evaluated commitment on the demo feed gets one series named after its measure. Its intended
verdict (`intended_outcome`) is drawn from a hash of the seed and the commitment id, among the
verdicts the readings allow for it at `now` (docs/targets-format.md, "How promises are read"):

- a dated target whose deadline has passed is settled: met or missed, judged on data dated on or
  before the deadline (so its data stop at the deadline: values in the days before it, cases
  completed before it, running totals up to it);
- before a deadline a target not yet kept is at_risk (a cumulative one when behind its pace), and
  only a `throughout` promise (全年保持) can already be missed, by one breaking value;
- a standing promise (no deadline) is met or missed;
- at_risk for a kept target only where the editor opted in with `measure.warn_margin`.

The data are built to land there: per-case records whose timestamps respect the working-day
calendar, the office hours of the document's jurisdiction and the 日 counting by local date; latest
values (for reductions, the level, with the feed's own baseline value where the baseline is a date);
running totals paced from the commitment's start.
"""

from __future__ import annotations

import hashlib
import math
import random
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from monitor.calendar import CalendarError, WorkCalendar
from monitor.model import Catalogue, Commitment
from monitor.units import Unit, convert, parse_unit

CASES_PER_SERIES = 120
OPEN_OVERDUE_CASES = 3          # open cases past their limit in a broken per-case series
WEIGHTS = {"met": 11, "on_track": 11, "at_risk": 5, "missed": 4}
BREAK_DAYS_AGO = 3              # a broken `throughout` series dips this many days before its last value


def possible_outcomes(c: Commitment, now: datetime, calendar: WorkCalendar) -> tuple[str, ...]:
    """The verdicts the readings allow for `c` at `now` (aware), met first."""
    today = calendar.local(now).date()
    warn = c.measure.warn_margin is not None and _warn_supported(c)
    if c.deadline is not None and today > c.deadline:
        return ("met", "missed")                      # settled: never at_risk after a deadline
    if c.kind == "cumulative":
        # on pace but not yet reached is on_track; at_risk when behind pace, impossible while nothing
        # is expected yet; missed only at the deadline
        pace = ("on_track" if _below_target_on_pace(c, today) else "met",)
        return pace + ("at_risk",) if (today - c.start).days >= 1 else pace
    if c.kind == "reduction" and c.baseline_value is None and today <= (c.baseline_date or c.start):
        # until the baseline day has passed the level is the baseline: nothing is cut yet
        return ("at_risk",) if c.deadline is not None else ("missed",)
    if c.deadline is None:
        return ("met", "at_risk", "missed") if warn else ("met", "missed")
    if c.throughout:                                   # one breaking day breaks it; a dip is not a forecast
        # holding so far is on_track: kept only when it holds until the deadline
        if (today - c.start).days < BREAK_DAYS_AGO + 1:   # no day of the promise to break yet
            return ("on_track", "at_risk") if warn else ("on_track",)
        return ("on_track", "at_risk", "missed") if warn else ("on_track", "missed")
    return ("met", "at_risk")                          # before the deadline, not yet kept is a forecast


def _below_target_on_pace(c: Commitment, today: date) -> bool:
    """Whether a running total can be on pace and still short of its target today (a count of 1 to
    reach cannot: 0 is behind pace, 1 is reached)."""
    if c.op not in (">=", ">") or parse_unit(c.unit).dimension != "count" or c.deadline is None:
        return True
    total_days = (c.deadline - c.start).days + 1
    elapsed = min(total_days, max(0, (today - c.start).days))
    highest_short = math.ceil(c.value) - 1 if c.op == ">=" else math.floor(c.value)
    return highest_short * total_days >= c.value * elapsed


def intended_outcome(c: Commitment, now: datetime, calendar: WorkCalendar, seed: int) -> str:
    """The verdict the demo data for `c` at `now` are built to produce."""
    possible = possible_outcomes(c, now, calendar)
    digest = hashlib.sha256(f"{seed}:{c.id}".encode()).digest()
    pick = int.from_bytes(digest[:4], "big") % sum(WEIGHTS[o] for o in possible)
    for outcome in possible:
        pick -= WEIGHTS[outcome]
        if pick < 0:
            return outcome
    return possible[0]


def intended_outcomes(catalogue: Catalogue, now: datetime, calendar: WorkCalendar, seed: int,
                      feed: str = "demo") -> dict[str, str]:
    """commitment id -> intended verdict, for every commitment the demo feed serves."""
    return {c.id: intended_outcome(c, now, calendar, seed) for c in catalogue.evaluated_commitments(feed)}


def demo_payload(catalogue: Catalogue, now: datetime, calendar: WorkCalendar, seed: int, feed: str = "demo") -> dict[str, Any]:
    """The demo server's JSON document at `now` (aware)."""
    series: list[dict[str, Any]] = []
    for c in catalogue.evaluated_commitments(feed):
        rng = random.Random(f"{seed}:{c.id}")
        intent = intended_outcome(c, now, calendar, seed)
        kept_so_far = "met" if intent == "on_track" else intent    # the same data: on the kept side
        if c.kind == "case_duration":
            entry = _cases(c, kept_so_far, now, calendar, rng)
        elif c.kind == "cumulative":
            entry = _running_total(c, intent, now, calendar)
        else:
            entry = _latest_values(c, kept_so_far, now, calendar, rng)
        series.append({**entry, "intent": intent})
    return {"generated_at": now.isoformat(), "seed": seed, "series": series}


# --- when the data stop ---------------------------------------------------------------------------

def _settled(c: Commitment, now: datetime, calendar: WorkCalendar) -> bool:
    return c.deadline is not None and calendar.local(now).date() > c.deadline


def _local(day: date, at: time, zone: tzinfo) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=zone)


def _recent(now: datetime) -> datetime:
    """The newest data time: the start of the previous hour, so every collection within an hour
    repeats the same points (as agency feeds repeat their figures) and the store keeps them once."""
    return now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


def _point_times(c: Commitment, now: datetime, calendar: WorkCalendar, n: int) -> list[datetime]:
    """n data times, oldest first: daily at noon up to the deadline day for a settled target; else
    daily at noon on the days before, and today's figure as of the previous whole hour."""
    zone = calendar.timezone
    if _settled(c, now, calendar):
        assert c.deadline is not None
        last = _local(c.deadline, time(12), zone)
        return [last - timedelta(days=n - 1 - i) for i in range(n)]
    last = _recent(now)
    today = calendar.local(last).date()
    return [_local(today - timedelta(days=n - 1 - i), time(12), zone) for i in range(n - 1)] + [last]


# --- latest values: value, share, milestone, reduction ------------------------------------------------

def _warn_supported(c: Commitment) -> bool:
    return c.kind in ("value", "share", "reduction", "milestone") or (
        c.kind == "case_duration" and c.measure.aggregate == "share_within")


def _side(c: Commitment, outcome: str, target: float, high: float | None, op: str, warn: float | None) -> float:
    """A number on the kept side (met), kept within the warn margin (at_risk with an opt-in margin),
    or on the broken side (missed, and at_risk before a deadline)."""
    step = max(abs(target) * 0.15, 1.0, 2 * warn if warn is not None else 0.0)
    if outcome == "at_risk" and warn is not None:
        inside = warn / 2
        if op in (">=", ">"):
            return target + inside
        if op in ("<=", "<"):
            return target - inside
        if op == "range":
            assert high is not None
            return high - inside
        return target
    kept = outcome == "met"
    if op in (">=", ">"):
        return target + step if kept else target - step
    if op in ("<=", "<"):
        return max(0.0, target - step) if kept else target + step
    if op == "range":
        assert high is not None
        return (target + high) / 2 if kept else high + step
    return target if kept else target + step


def _latest_values(c: Commitment, intent: str, now: datetime, calendar: WorkCalendar, rng: random.Random) -> dict[str, Any]:
    unit = parse_unit(c.unit)
    warn = c.measure.warn_margin
    if c.kind == "milestone":
        good, bad = 100.0, float(60 + rng.randint(0, 30))
        if c.op in ("<=", "<") or c.value < 100:
            good, bad = _side(c, "met", c.value, c.value_max, c.op, None), _side(c, "missed", c.value, c.value_max, c.op, None)
    else:
        good = _side(c, "met", c.value, c.value_max, c.op, warn)
        bad = _side(c, "missed", c.value, c.value_max, c.op, warn)
    near = _side(c, "at_risk", c.value, c.value_max, c.op, warn) if warn is not None else bad
    if unit.dimension == "share" and c.kind != "reduction":
        good, bad, near = (min(100.0, max(0.0, v)) for v in (good, bad, near))
    if unit.dimension == "count" and c.kind != "reduction":
        # an exact count reached is kept (10家 of 10家 is met, never a warning)
        good = c.value if c.op in (">=", "<=") and warn is None else _whole_on_kept_side(good, c.op)
        bad = _whole_on_broken_side(bad, c.op)
    n = 7
    if intent == "met":
        values = [good] * n
    elif intent == "missed" and c.throughout:
        values = [good] * n
        values[n - 1 - BREAK_DAYS_AGO] = bad           # one day that breaks a 全年保持 promise; the last day kept
    elif intent == "missed":
        values = [good] * (n - 1) + [bad]
    elif warn is not None and (c.deadline is None or c.throughout):
        values = [good] * (n - 1) + [near]             # kept, by less than the editor's margin
    else:
        values = [good] * (n - 1) + [bad]              # before the deadline: not yet kept
    times = _point_times(c, now, calendar, n)
    points = []
    if c.kind == "reduction":
        base, base_unit = _baseline_level(c)
        values = [_level_for_reduction(c, r, base, base_unit) for r in values]
        if c.baseline_value is None:
            on = c.baseline_date or c.start
            # the feed's own value on the baseline date (the day before it, so it is never inside
            # a `throughout` span that starts on that date); levels are reported after that date only
            base_time = min(_local(on - timedelta(days=1), time(12), calendar.timezone), _recent(now) - timedelta(hours=1))
            points.append({"time": base_time.isoformat(), "value": round(base, 6)})
            kept = [(t, v) for t, v in zip(times, values) if t.astimezone(calendar.timezone).date() > on]
            times, values = [t for t, _ in kept], [v for _, v in kept]
    points += [{"time": t.isoformat(), "value": round(v, 6)} for t, v in zip(times, values)]
    return {"name": c.measure.series, "type": "value", "points": points}


def _whole_on_kept_side(v: float, op: str) -> float:
    return float(math.ceil(v)) if op in (">=", ">") else float(math.floor(v)) if op in ("<=", "<") else v


def _whole_on_broken_side(v: float, op: str) -> float:
    return float(math.floor(v)) if op in (">=", ">") else float(math.ceil(v)) if op in ("<=", "<") else v


def _baseline_level(c: Commitment) -> tuple[float, str]:
    """The level the reduction is measured from, and its unit."""
    if c.baseline_value is not None:
        return c.baseline_value, c.baseline_unit or c.unit
    if parse_unit(c.unit).dimension == "share":
        return 100.0, c.unit
    return abs(c.value) * 4 + 10, c.unit


def _level_for_reduction(c: Commitment, reduction: float, base: float, base_unit: str) -> float:
    """The level a feed reports for a wanted reduction from `base` (a relative cut when the unit is %)."""
    if parse_unit(c.unit).dimension == "share":
        return base * (1 - reduction / 100)
    return base - convert(reduction, c.unit, base_unit)


# --- running totals ---------------------------------------------------------------------------------

def _running_total(c: Commitment, intent: str, now: datetime, calendar: WorkCalendar) -> dict[str, Any]:
    zone = calendar.timezone
    whole = parse_unit(c.unit).dimension == "count"
    assert c.deadline is not None and c.value is not None   # a cumulative target has both
    if _settled(c, now, calendar):
        last_day, last_time = c.deadline, _local(c.deadline, time(12), zone)
        final = c.value * (1.15 if intent == "met" else 0.7)
        final = (math.ceil(final) if intent == "met" else math.floor(final)) if whole else round(final, 2)
    else:
        today = calendar.local(now).date()
        last_day, last_time = today, _recent(now)
        total_days = (c.deadline - c.start).days + 1
        elapsed = max(0, (today - c.start).days)
        if intent == "at_risk":                         # behind pace: 70% of what is expected by now
            final = 0.7 * c.value * elapsed / total_days
            final = math.floor(final) if whole else round(final, 2) - 0.01
        else:                                           # ahead of pace
            final = 1.15 * c.value * min(total_days, elapsed + 1) / total_days
            final = math.ceil(final) if whole else round(final, 2) + 0.01
            if c.op in (">=", ">") and intent == "on_track":      # on pace, not yet reached
                final = min(final, math.ceil(c.value) - 1 if whole else c.value * 0.99)
            elif c.op in (">=", ">"):                   # met before the deadline: reached
                final = max(final, math.floor(c.value) + 1 if c.op == ">" else c.value)
        final = max(0.0, final)
    totals: list[tuple[datetime, float]] = []
    span = max(1, (last_day - c.start).days)
    day = c.start
    while day < last_day:
        share = (day - c.start).days / span
        totals.append((_local(day, time(12), zone), math.floor(final * share) if whole else round(final * share, 2)))
        day += timedelta(days=30)
    totals.append((last_time, final))
    totals = [(t, v) for t, v in totals if t <= last_time]
    if c.measure.aggregate == "sum":
        increments, before = [], 0.0
        for t, v in totals:
            increments.append((t, v - before))
            before = v
        totals = increments
    return {"name": c.measure.series, "type": "value",
            "points": [{"time": t.isoformat(), "value": float(v)} for t, v in totals]}


# --- per-case records ---------------------------------------------------------------------------------

def _cases(c: Commitment, intent: str, now: datetime, calendar: WorkCalendar, rng: random.Random) -> dict[str, Any]:
    unit = parse_unit(c.unit)
    settled = _settled(c, now, calendar)
    deadline = c.deadline
    upper = (datetime.combine(deadline, time(23, 59)) if settled and deadline is not None
             else calendar.local(now).replace(tzinfo=None))
    low, limit = (c.value, c.value_max) if c.op == "range" else (0.0, c.value)
    assert low is not None and limit is not None   # a per-case limit has its number(s)
    min_share = c.measure.min_share / 100
    warn = c.measure.warn_margin
    broken = intent == "missed" or (intent == "at_risk" and warn is None)
    if c.measure.aggregate != "share_within":
        share = 0.6 if broken else 1.0
    elif broken:
        share = max(0.0, min_share - 0.1 - 0.05 * (min_share < 1))
    elif intent == "at_risk" and warn is not None:
        share = min(1.0, min_share + warn / 200)        # kept, within the editor's margin
    else:
        share = 1.0
    records: list[dict[str, str | None]] = []
    office = _office_day(calendar, c.document.jurisdiction)   # once a series, not once a case
    for i in range(CASES_PER_SERIES):
        within = (i + 0.5) / CASES_PER_SERIES <= share
        submitted, completed = _place_case(c, unit, within, low, limit, upper, calendar, rng, office)
        records.append({"id": f"{c.measure.series}-{i:04d}", "submitted": submitted.isoformat(),
                        "completed": completed.isoformat()})
    if broken:
        for j in range(OPEN_OVERDUE_CASES):             # still open, long past the limit
            submitted = _open_overdue_submission(unit, limit, upper, calendar) - timedelta(days=j)
            records.append({"id": f"{c.measure.series}-open-{j}", "submitted": submitted.isoformat(),
                            "completed": None})
    data_time = _local(deadline, time(12), calendar.timezone) if settled and deadline is not None else now
    return {"name": c.measure.series, "type": "cases", "data_time": data_time.isoformat(), "records": records}


def _duration(unit_dimension: str, within: bool, low: float, limit: float, op: str, rng: random.Random) -> float:
    if within:
        top = limit * 0.8 if op != "range" else limit
        value = rng.uniform(low, max(low, top))
        if unit_dimension == "working_days" or unit_dimension == "date":
            value = float(math.floor(value))
            if op == "<" and value >= limit:
                value = max(0.0, limit - 1)
        return value
    value = limit + max(1.0, limit * 0.5) * rng.uniform(0.2, 1.0)
    if unit_dimension in ("working_days", "date"):
        value = float(math.floor(value) + 1)
    return value


def _place_case(c: Commitment, unit: Unit, within: bool, low: float, limit: float, upper: datetime,
                calendar: WorkCalendar, rng: random.Random, office: tuple[time, time]) -> tuple[datetime, datetime]:
    """A submission and a completion `duration` apart in the unit's own kind of time, completed
    5 to 45 days before `upper` (local, naive); `office`: the jurisdiction's opening and closing time."""
    jurisdiction = c.document.jurisdiction
    end_day = upper.date() - timedelta(days=rng.randint(5, 45))
    while not _is_workday(calendar, end_day):
        end_day -= timedelta(days=1)
    opening, closing = office
    by_date = unit.dimension == "time" and unit.factor >= 86400
    if unit.dimension == "working_days":
        n = int(_duration("working_days", within, low, limit, c.op, rng))
        start_day = _working_days_before(calendar, end_day, n)
        submitted = datetime.combine(start_day, opening) + timedelta(minutes=rng.randint(0, _minutes(opening, closing) - 60))
        completed = datetime.combine(end_day, opening) + timedelta(minutes=rng.randint(0, _minutes(opening, closing) - 1))
        if completed < submitted:
            submitted, completed = completed, submitted
        return submitted, completed
    if unit.dimension == "working_hours":
        hours = _duration("working_hours", within, low, limit, c.op, rng)
        for _ in range(60):
            submitted = datetime.combine(end_day, opening)
            completed = _add_working_hours(calendar, submitted, hours, jurisdiction)
            if completed <= upper - timedelta(days=1):
                return submitted, completed
            end_day -= timedelta(days=7)
            while not _is_workday(calendar, end_day):
                end_day -= timedelta(days=1)
        return submitted, completed
    submitted_time = time(9 + rng.randint(0, 6), rng.randint(0, 59))
    if unit.dimension == "months":                        # 个月/年: within 28 days a month, or 10 days past 31
        months = limit * unit.factor
        days = rng.randint(0, int(months * 28)) if within else int(months * 31) + 10 + rng.randint(0, 20)
        submitted = datetime.combine(end_day - timedelta(days=days), submitted_time)
        completed = datetime.combine(end_day, time(9 + rng.randint(0, 7), rng.randint(0, 59)))
        return (completed, submitted) if completed < submitted else (submitted, completed)
    if by_date:
        per_unit = unit.factor / 86400
        days = int(_duration("date", within, low, limit, c.op, rng) * per_unit)
        start_day = end_day - timedelta(days=days)
        if not within:                                    # past the period's last day, moved off rest days
            last = start_day + timedelta(days=int(limit * per_unit))
            while not _is_workday(calendar, last):
                last += timedelta(days=1)
            while end_day <= last:
                start_day -= timedelta(days=1)
                last = start_day + timedelta(days=int(limit * per_unit))
                while not _is_workday(calendar, last):
                    last += timedelta(days=1)
        submitted = datetime.combine(start_day, submitted_time)
        completed = datetime.combine(end_day, time(9 + rng.randint(0, 7), rng.randint(0, 59)))
        if completed < submitted:
            submitted, completed = completed, submitted
        return submitted, completed
    seconds = _duration("time", within, low, limit, c.op, rng) * unit.factor
    submitted = datetime.combine(end_day, submitted_time)
    return submitted, submitted + timedelta(seconds=seconds)


def _open_overdue_submission(unit: Unit, limit: float, upper: datetime, calendar: WorkCalendar) -> datetime:
    """A submission time that leaves an open case well past its limit at `upper`."""
    if unit.dimension == "working_days":
        day = _working_days_before(calendar, upper.date(), int(limit) + 5)
    elif unit.dimension == "working_hours":
        day = _working_days_before(calendar, upper.date(), int(limit / 3) + 5)
    elif unit.dimension == "months":
        day = upper.date() - timedelta(days=int(limit * unit.factor * 31) + 10)
    else:
        day = (upper - timedelta(seconds=limit * unit.factor)).date() - timedelta(days=10)
    return datetime.combine(day, time(10))


def _office_day(calendar: WorkCalendar, jurisdiction: str) -> tuple[time, time]:
    spans = calendar.office_spans(jurisdiction)
    first, last = int(spans[:, 0].min()), int(spans[:, 1].max())
    return time(first // 3600, first % 3600 // 60), time(last // 3600, last % 3600 // 60)


def _minutes(a: time, b: time) -> int:
    return (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute)


def _is_workday(calendar: WorkCalendar, day: date) -> bool:
    try:
        return calendar.is_workday(day)
    except CalendarError:
        return day.weekday() < 5


def _working_days_before(calendar: WorkCalendar, day: date, n: int) -> date:
    while n > 0:
        day -= timedelta(days=1)
        if _is_workday(calendar, day):
            n -= 1
    return day


def _add_working_hours(calendar: WorkCalendar, start: datetime, hours: float, jurisdiction: str) -> datetime:
    """Walk office spans forward (slow, but the demo makes only a few hundred cases)."""
    remaining = hours * 3600
    day = start.date()
    spans = calendar.office_spans(jurisdiction)
    for _ in range(400):
        if _is_workday(calendar, day):
            for a, b in spans:
                span_start = datetime.combine(day, time()) + timedelta(seconds=int(a))
                span_end = datetime.combine(day, time()) + timedelta(seconds=int(b))
                begin = max(span_start, start)
                if begin >= span_end:
                    continue
                available = (span_end - begin).total_seconds()
                if remaining <= available:
                    return begin + timedelta(seconds=remaining)
                remaining -= available
        day += timedelta(days=1)
    return start + timedelta(hours=hours)
