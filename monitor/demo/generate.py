"""Generate demo actuals for a catalogue: deterministic for a seed, tuned to a mix of verdicts.

Each evaluated commitment on the demo feed gets one series named after its measure. Its intended
verdict is chosen from a hash of the seed and the commitment id (about 55% met, 25% at risk, 20%
missed), and its data is built to land there: per-case records whose timestamps respect the
working-day calendar for duration promises, latest values for shares and levels, monthly running
totals for cumulative targets.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, time, timedelta
from typing import Any

from monitor.calendar import CalendarError, WorkCalendar
from monitor.model import Catalogue, Commitment
from monitor.units import parse_unit

CASES_PER_SERIES = 120
INTENTS = ("met",) * 11 + ("at_risk",) * 5 + ("missed",) * 4


def intent_for(commitment_id: str, seed: int) -> str:
    digest = hashlib.sha256(f"{seed}:{commitment_id}".encode()).digest()
    return INTENTS[digest[0] % len(INTENTS)]


def demo_payload(catalogue: Catalogue, now: datetime, calendar: WorkCalendar, seed: int, feed: str = "demo") -> dict:
    """The demo server's JSON document at `now` (aware)."""
    series: list[dict[str, Any]] = []
    for c in catalogue.evaluated_commitments(feed):
        rng = random.Random(f"{seed}:{c.id}")
        intent = intent_for(c.id, seed)
        if c.kind == "case_duration":
            series.append(_cases(c, intent, now, calendar, rng))
        elif c.kind == "cumulative":
            series.append(_running_total(c, intent, now, calendar, rng))
        else:
            series.append(_latest_values(c, intent, now, rng))
    return {"generated_at": now.isoformat(), "seed": seed, "series": series}


def _good_and_bad(c: Commitment, intent: str, magnitude: float) -> float:
    """A value on the kept side (met), just inside (at_risk), or broken (missed)."""
    target, high = c.value, c.value_max
    warn = c.measure.warn_margin if c.measure.warn_margin is not None else abs(target) * DEFAULT_WARN_FRACTION
    step = {"met": max(warn * 2, magnitude), "at_risk": warn / 2, "missed": -max(warn * 2, magnitude)}[intent]
    if c.op in (">=", ">"):
        return target + step + (1e-6 if c.op == ">" else 0)
    if c.op in ("<=", "<"):
        return max(0.0, target - step) - (1e-6 if c.op == "<" and intent != "missed" else 0)
    if c.op == "range":
        return {"met": (target + high) / 2, "at_risk": high - warn / 2, "missed": high + max(1.0, warn * 2)}[intent]
    return target if intent != "missed" else target + max(1.0, magnitude)


def _latest_values(c: Commitment, intent: str, now: datetime, rng: random.Random) -> dict:
    if c.kind == "milestone":
        done = 100.0 if intent != "missed" else 60.0 + rng.randint(0, 30)
        values = [done] * 7
    else:
        target_side = _good_and_bad(c, intent, abs(c.value) * 0.15 + 1)
        if parse_unit(c.unit).dimension == "share":
            target_side = min(100.0, target_side)
        if c.kind == "reduction" and c.baseline_value is not None:
            target_side = _level_for_reduction(c, target_side)
        values = [round(target_side * (1 + rng.uniform(-0.01, 0.01) * (6 - i) / 6), 4) for i in range(7)]
        values[-1] = round(target_side, 4)
    points = [{"time": (now - timedelta(days=6 - i)).isoformat(), "value": v} for i, v in enumerate(values)]
    return {"name": c.measure.series, "type": "value", "points": points}


def _level_for_reduction(c: Commitment, reduction: float) -> float:
    """The current level a feed would report for a wanted reduction against the baseline."""
    if parse_unit(c.unit).dimension == "share":
        return c.baseline_value * (1 - reduction / 100)
    return c.baseline_value - reduction


def _running_total(c: Commitment, intent: str, now: datetime, calendar: WorkCalendar, rng: random.Random) -> dict:
    final = c.value * {"met": 1.15, "at_risk": 1.15, "missed": 0.7}[intent]
    start = datetime.combine(c.start, time(18)).replace(tzinfo=now.tzinfo)
    deadline = datetime.combine(c.deadline, time(18)).replace(tzinfo=now.tzinfo)
    points = []
    moment = start
    while moment < now:
        progress = min(1.0, (moment - start) / (deadline - start)) if deadline > start else 1.0
        if intent == "at_risk" and moment < deadline:
            progress *= 0.8   # behind pace while the deadline is open
        points.append({"time": moment.isoformat(), "value": round(final * progress, 2)})
        moment += timedelta(days=30)
    points.append({"time": (now - timedelta(hours=1)).isoformat(), "value": round(final * (0.8 if intent == "at_risk"
                   and now < deadline else 1.0) * min(1.0, (now - start) / (deadline - start)), 2)})
    return {"name": c.measure.series, "type": "value", "points": points}


def _cases(c: Commitment, intent: str, now: datetime, calendar: WorkCalendar, rng: random.Random) -> dict:
    unit = parse_unit(c.unit)
    limit_low, limit_high = (c.value, c.value_max) if c.op == "range" else (0.0, c.value)
    if c.measure.aggregate == "share_within":
        share = {"met": 1.0, "at_risk": (c.measure.min_share + 2) / 100, "missed": c.measure.min_share / 100 - 0.15}[intent]
    else:
        share = {"met": 1.0, "at_risk": 1.0, "missed": 0.6}[intent]
    local_now = calendar.local(now)
    records = []
    for i in range(CASES_PER_SERIES):
        within = (i + 0.5) / CASES_PER_SERIES <= share
        if within:
            top = limit_high * (0.97 if intent == "at_risk" and c.measure.aggregate != "share_within" else 0.8)
            duration = rng.uniform(limit_low, max(limit_low, top)) if c.op != "<" else rng.uniform(0, limit_high * 0.8)
        else:
            duration = limit_high + max(1.0, limit_high * 0.5) * rng.uniform(0.2, 1.0)
        if unit.dimension == "working_days":
            duration = float(int(duration)) if within else float(int(duration) + 1)
        submitted, completed = _place_case(duration, unit.dimension, unit.factor, local_now, calendar, rng,
                                           c.document.jurisdiction)
        records.append({"id": f"{c.measure.series}-{i:04d}", "submitted": submitted.isoformat(),
                        "completed": completed.isoformat()})
    return {"name": c.measure.series, "type": "cases", "data_time": now.isoformat(), "records": records}


def _place_case(duration: float, dimension: str, factor: float, local_now: datetime, calendar: WorkCalendar,
                rng: random.Random, jurisdiction: str) -> tuple[datetime, datetime]:
    """A submission time and a completion time `duration` apart in the unit's own kind of time."""
    end_day = local_now.date() - timedelta(days=rng.randint(5, 45))
    while not _is_workday(calendar, end_day):
        end_day -= timedelta(days=1)
    if dimension == "working_days":
        start_day = _working_days_before(calendar, end_day, int(duration))
        submitted = datetime.combine(start_day, time(9 + rng.randint(0, 6), rng.randint(0, 59)))
        completed = datetime.combine(end_day, time(9 + rng.randint(0, 7), rng.randint(0, 59)))
        if start_day == end_day and completed < submitted:
            submitted, completed = completed, submitted
        return submitted, completed
    if dimension == "working_hours":
        submitted = datetime.combine(end_day, time(9, 0))
        return submitted, _add_working_hours(calendar, submitted, duration, jurisdiction)
    submitted = datetime.combine(end_day, time(9 + rng.randint(0, 6), rng.randint(0, 59)))
    return submitted, submitted + timedelta(seconds=duration * factor)


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
