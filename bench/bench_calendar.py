"""Benchmark: working-day and working-hour durations of 1,000,000 cases with the vectorised
WorkCalendar, against the obvious per-case loop over days with chinese_calendar.is_workday.

Run from the repository root: python bench/bench_calendar.py [N]. Prints one JSON line per
benchmark. The loop baseline runs on a sample (it is thousands of times slower) and is checked
to agree with the vectorised result on that sample. Exits 1 when working days fall below the
requirement of 5,000,000 records/s.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import chinese_calendar  # noqa: E402
import numpy as np  # noqa: E402

from monitor.calendar import DEFAULT_OFFICE_HOURS, WorkCalendar  # noqa: E402

RECORDS = 1_000_000
SAMPLE = 2_000
REPEATS = 5
REQUIRED_RECORDS_PER_SECOND = 5_000_000
FIRST, LAST = np.datetime64("2019-01-01T00:00:00", "s"), np.datetime64("2025-12-31T23:59:59", "s")
MAX_DURATION_SECONDS = 60 * 86400


def random_cases(n: int, seed: int = 20240520) -> tuple[np.ndarray, np.ndarray]:
    """Submitted anywhere in 2019-2025, completed up to 60 days later (never after 2025)."""
    rng = np.random.default_rng(seed)
    span = int((LAST - FIRST).astype(np.int64))
    submitted = FIRST + rng.integers(0, span, n).astype("timedelta64[s]")
    completed = np.minimum(submitted + rng.integers(0, MAX_DURATION_SECONDS, n).astype("timedelta64[s]"), LAST)
    return submitted, completed


def loop_working_days(submitted: np.ndarray, completed: np.ndarray) -> list[int]:
    """The baseline: walk each case's days and ask the calendar about each one."""
    out = []
    for s, e in zip(submitted.tolist(), completed.tolist()):
        count, day = 0, s.date() + timedelta(days=1)
        while day <= e.date():
            count += chinese_calendar.is_workday(day)
            day += timedelta(days=1)
        out.append(count)
    return out


def loop_working_hours(submitted: np.ndarray, completed: np.ndarray) -> list[float]:
    """The baseline: walk each case's days, clipping each working day's office hours to the case."""
    spans = [tuple(datetime.strptime(t, "%H:%M").time() for t in s.split("-")) for s in DEFAULT_OFFICE_HOURS]
    out = []
    for s, e in zip(submitted.tolist(), completed.tolist()):
        seconds, day = 0.0, s.date()
        while day <= e.date():
            if chinese_calendar.is_workday(day):
                for a, b in spans:
                    opened, closed = max(s, datetime.combine(day, a)), min(e, datetime.combine(day, b))
                    seconds += max(0.0, (closed - opened).total_seconds())
            day += timedelta(days=1)
        out.append(seconds / 3600)
    return out


def best_seconds(run, repeats: int = REPEATS) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def report(name: str, n: int, seconds: float, baseline_n: int, baseline_seconds: float) -> float:
    value, baseline = n / seconds, baseline_n / baseline_seconds
    print(json.dumps({"bench": name, "value": round(value), "unit": "records/s",
                      "baseline_value": round(baseline), "ratio": round(value / baseline, 1)}), flush=True)
    return value


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else RECORDS
    calendar = WorkCalendar()
    submitted, completed = random_cases(n)
    sample_s, sample_e = submitted[:SAMPLE], completed[:SAMPLE]

    days = calendar.working_days_between(submitted, completed)
    started = time.perf_counter()
    expected_days = loop_working_days(sample_s, sample_e)
    loop_days_seconds = time.perf_counter() - started
    if days[:SAMPLE].tolist() != expected_days:
        print("working days disagree with the per-case loop", file=sys.stderr)
        return 2
    days_per_second = report("working_day_durations", n,
                             best_seconds(lambda: calendar.working_days_between(submitted, completed)),
                             SAMPLE, loop_days_seconds)

    hours = calendar.working_hours_between(submitted, completed)
    started = time.perf_counter()
    expected_hours = loop_working_hours(sample_s, sample_e)
    loop_hours_seconds = time.perf_counter() - started
    if not np.allclose(hours[:SAMPLE], expected_hours, atol=1e-9):
        print("working hours disagree with the per-case loop", file=sys.stderr)
        return 2
    report("working_hour_durations", n, best_seconds(lambda: calendar.working_hours_between(submitted, completed)),
           SAMPLE, loop_hours_seconds)

    if days_per_second < REQUIRED_RECORDS_PER_SECOND:
        print(f"working_day_durations: {days_per_second:,.0f} records/s is below the required "
              f"{REQUIRED_RECORDS_PER_SECOND:,}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
