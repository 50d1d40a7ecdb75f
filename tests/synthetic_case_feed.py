"""A synthetic per-case feed with many distinct series: one commitment per series, no two asking the
same question (different limits, units, aggregates, windows, jurisdictions), so that shared verdicts
cannot help. Used by tests/test_feed_batch.py (the batch evaluator gives exactly what `evaluate`
gives) and bench/bench_feed_evaluation.py (how much faster it is). Deterministic for a seed."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from monitor.model import Catalogue, Commitment
from monitor.observations import CaseRecords, MeasureData, PauseIntervals

UNITS = ("个工作日", "工作日", "工作小时", "日", "天", "自然日", "小时", "分钟", "周")
AGGREGATES = ("share_within", "share_within", "share_within", "mean", "max", "p90", "p50")
OPS = ("<=", "<=", "<=", "<", ">=")
WINDOWS = (30, 90, 90, 365)
# one with office hours stated in targets.yaml, two without
JURISDICTIONS = ("北京市海淀區", "重庆市渝中区", "某省某县")
TYPICAL_LIMIT = {"个工作日": 20, "工作日": 10, "工作小时": 40, "日": 15, "天": 30, "自然日": 20, "小时": 72,
                 "分钟": 600, "周": 3}


# roughly how many seconds of elapsed time one unit of a limit stands for
SECONDS_PER_UNIT = {"个工作日": 1.4 * 86400, "工作日": 1.4 * 86400, "工作小时": 0.2 * 86400, "日": 86400, "天": 86400,
                    "自然日": 86400, "小时": 3600, "分钟": 60, "周": 7 * 86400}


def _cases(rng: np.random.Generator, series: str, local_now: datetime, n: int, paused: str | None,
           intervals: bool, with_ids: bool, fetched: datetime, typical_seconds: float) -> CaseRecords:
    now = np.datetime64(local_now, "s")
    submitted = now - rng.integers(0, 200 * 86400, n).astype("timedelta64[s]")
    taken = rng.exponential(typical_seconds, n).astype(np.int64).astype("timedelta64[s]")
    completed = submitted + taken
    still_open = (rng.random(n) < 0.06) | (completed > now)
    completed[still_open] = np.datetime64("NaT")
    ids = np.array([f"{series}-{i:04d}" for i in range(n)]) if with_ids else None
    items = np.array([("事项甲" if i % 3 else "") for i in range(n)]) if with_ids else None
    totals = None
    if paused is not None:
        totals = np.where(rng.random(n) < 0.3, rng.integers(0, 6, n), 0).astype(np.float64)
    pauses = None
    if intervals and n:
        rows = rng.integers(0, n, max(1, n // 5)).astype(np.intp)
        start = submitted[rows] + rng.integers(0, 5 * 86400, len(rows)).astype("timedelta64[s]")
        end = start + rng.integers(3600, 8 * 86400, len(rows)).astype("timedelta64[s]")
        end[rng.random(len(rows)) < 0.2] = np.datetime64("NaT")
        pauses = PauseIntervals(rows, start, end)
    return CaseRecords(series, fetched, submitted, completed, ids, totals,
                       paused_unit=None if paused in (None, "own") else paused, pauses=pauses, items=items,
                       rejected=(("no_submitted", 2),) if n % 7 == 0 else ())


def distinct_feed(catalogue: Catalogue, size: int, now: datetime, seed: int = 7, cases: int = 100,
                  variety: bool = True) -> tuple[list[Commitment], dict[str, MeasureData]]:
    """`size` case-limit commitments on one feed, each reading a series of its own (about `cases`
    cases each). With `variety`, some series are empty, absent, stale or give suspended time (as a
    total or as intervals), and some commitments have passed their deadline or use a unit the
    suspended time cannot be counted in."""
    rng = np.random.default_rng(seed)
    template = next(c for c in catalogue.commitments.values() if c.kind == "case_duration")
    local_now = now.astimezone(catalogue_timezone(catalogue)).replace(tzinfo=None)
    commitments: list[Commitment] = []
    data: dict[str, MeasureData] = {}
    for k in range(size):
        unit = UNITS[k % len(UNITS)]
        aggregate = AGGREGATES[(k // len(UNITS)) % len(AGGREGATES)]
        op = OPS[k % len(OPS)] if aggregate == "share_within" else "<="
        limit = float(TYPICAL_LIMIT[unit] * (0.5 + rng.random()))
        limit = round(limit, 1) if k % 4 else float(round(limit))
        jurisdiction = JURISDICTIONS[k % len(JURISDICTIONS)]
        document = template.document.model_copy(update={"id": f"synthetic_{k}", "jurisdiction": jurisdiction})
        series = f"county_{k:05d}"
        deadline = None
        if variety and k % 11 == 3:
            deadline = (local_now - timedelta(days=int(rng.integers(1, 40)))).date()
        elif variety and k % 11 == 5:
            deadline = date(local_now.year + 1, 6, 30)
        measure = dataclasses.replace(template.measure, feed="synthetic", series=series,
                                      window=timedelta(days=WINDOWS[k % len(WINDOWS)]), aggregate=aggregate,
                                      min_share=float(80 + k % 20),
                                      warn_margin=None if k % 5 else (2.0 if aggregate == "share_within" else 1.0))
        commitments.append(dataclasses.replace(
            template, id=f"synthetic_{k:05d}", document=document, op=op, value=limit, value_max=None, unit=unit,
            deadline=deadline, start=date(local_now.year, 1, 1), measure=measure, max_age=timedelta(days=3)))
        paused: str | None = None
        if variety and k % 6 == 1:
            paused = "own"
        elif variety and k % 6 == 2:
            paused = ("工作日", "小时", "日")[k % 3]
        count = cases
        if variety and k % 37 == 0:
            count = 0
        elif variety:
            count = int(cases * (0.3 + 1.4 * rng.random()))
        if variety and k % 41 == 7:
            continue     # no data at all
        # most series keep their limit (a case in 20 or so late); every fifth struggles
        typical = limit * SECONDS_PER_UNIT[unit] * (0.8 if k % 5 == 2 else 0.3)
        records = _cases(rng, series, local_now, count, paused, variety and k % 13 == 4, k % 2 == 0, now, typical)
        if variety and k % 43 == 9:
            records = dataclasses.replace(records, data_time=now - timedelta(days=10))
        data[series] = MeasureData(cases=records)
    return commitments, data


def catalogue_timezone(catalogue: Catalogue) -> ZoneInfo:
    return ZoneInfo(catalogue.calendar.timezone)


def data_of(data: dict[str, MeasureData]) -> Callable[[Commitment], MeasureData]:
    empty = MeasureData()
    return lambda c: data.get(c.measure.series, empty)
