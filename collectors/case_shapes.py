"""What a case series reads of each row, and its suspended time (`paused`) in any of its forms.

The forms (monitor.spec.case_series.PausedSpec; docs/feeds.md, "Suspended time"): a total per case
(a number: in a stated unit, or in each commitment's own), one or several pairs of start and end
columns, or one field holding a list of pauses per case (a JSON list, or JSON text in a CSV cell or
a SQL text column). A row whose pause cannot be read is rejected with its reason, like a row whose
times cannot be read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from collectors.records import as_text, completion_text, parse_local_times, paused_times
from monitor.observations import PauseIntervals
from monitor.spec.feeds import SeriesSpec

BAD_PAUSED = "bad_paused"                       # a total that is not a non-negative number
BAD_PAUSE_TIME = "bad_pause_time"               # a pause's start or end that is not a time
PAUSE_END_BEFORE_START = "pause_end_before_start"
PAUSE_END_WITHOUT_START = "pause_end_without_start"


def case_fields(spec: SeriesSpec) -> list[str]:
    """Every field a case series reads of a row (an events series: its id, kind, time and procedure)."""
    if spec.events is not None:
        events = spec.events
        fields = [spec.id_field, events.kind, events.time, events.procedure]
    else:
        fields = [spec.id_field, spec.submitted, spec.completed]
        paused = spec.paused
        if paused is not None:
            fields += [paused.field, paused.intervals] if paused.field or paused.intervals else \
                [*paused.start_columns(), *paused.end_columns()]
    return [f for f in dict.fromkeys([*fields, *spec.where]) if f]


def case_time_fields(spec: SeriesSpec) -> set[str]:
    """The fields of a case series that hold times (spreadsheets give them as serial numbers)."""
    if spec.events is not None:
        return {spec.events.time}
    names = {spec.submitted, spec.completed}
    paused = spec.paused
    if paused is not None and paused.field is None and paused.intervals is None:
        names |= {*paused.start_columns(), *paused.end_columns()}
    return names


@dataclass
class PauseCells:
    """The suspended time of a table's rows, with each unreadable row's reason ("" where none)."""

    totals: np.ndarray | None
    unit: str | None
    intervals: PauseIntervals | None
    reasons: np.ndarray            # str per row
    columns: np.ndarray            # str per row: the column of the problem

    def problems(self) -> list[tuple[str, np.ndarray]]:
        """(reason, rows) for each reason, as rejection_mask takes them."""
        return [(str(reason), self.reasons == reason) for reason in np.unique(self.reasons[self.reasons != ""])]


def read_pauses(spec: SeriesSpec, column: Callable[[str], Sequence[Any] | np.ndarray], n: int, tz: ZoneInfo) -> PauseCells | None:
    """The suspended time of `n` rows; `column(name)` gives a column's cells for those rows."""
    paused = spec.paused
    if paused is None:
        return None
    reasons, where = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    if paused.field is not None:
        totals = paused_times(column(paused.field))
        bad = ~np.isfinite(totals) | (totals < 0)
        reasons[bad], where[bad] = BAD_PAUSED, paused.field
        return PauseCells(totals, paused.unit, None, reasons.astype(str), where.astype(str))
    if paused.intervals is not None:
        rows, starts, ends, unreadable = _listed(column(paused.intervals), paused.start_columns()[0],
                                                 paused.end_columns()[0])
        reasons[unreadable], where[unreadable] = BAD_PAUSE_TIME, paused.intervals
        columns_of = [(paused.intervals, paused.intervals)] * len(rows)
    else:
        rows_parts, start_parts, end_parts, columns_of = [], [], [], []
        for start_name, end_name in zip(paused.start_columns(), paused.end_columns()):
            rows_parts.append(np.arange(n))
            start_parts.append(np.asarray(column(start_name), dtype=object))
            end_parts.append(np.asarray(column(end_name), dtype=object))
            columns_of += [(start_name, end_name)] * n
        rows = np.concatenate(rows_parts) if rows_parts else np.zeros(0, dtype=np.intp)
        starts = np.concatenate(start_parts) if start_parts else np.zeros(0, dtype=object)
        ends = np.concatenate(end_parts) if end_parts else np.zeros(0, dtype=object)
    start_text, start_given = as_text(starts)
    end_text, end_given = completion_text(ends)        # an empty end, or 未结束-like marks: still suspended
    start, end = parse_local_times(start_text, tz), parse_local_times(end_text, tz)
    checks = [(BAD_PAUSE_TIME, 0, start_given & np.isnat(start)), (BAD_PAUSE_TIME, 1, end_given & np.isnat(end)),
              (PAUSE_END_WITHOUT_START, 1, ~start_given & end_given),
              (PAUSE_END_BEFORE_START, 1, ~np.isnat(start) & ~np.isnat(end) & (end < start))]
    named = np.array([pair for pair in columns_of], dtype=object).reshape(-1, 2) if columns_of else np.zeros((0, 2))
    for reason, side, mask in checks:
        for i in np.flatnonzero(mask):
            if not reasons[rows[i]]:
                reasons[rows[i]], where[rows[i]] = reason, named[i, side]
    usable = start_given & ~np.isnat(start)
    intervals = PauseIntervals(np.asarray(rows, dtype=np.intp)[usable], start[usable], end[usable])
    return PauseCells(None, None, intervals, reasons.astype(str), where.astype(str))


def _listed(cells: Sequence[Any] | np.ndarray, start_key: str, end_key: str
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A list of pauses per cell, flattened: (row, start, end) per pause, and the rows not such a list."""
    rows: list[int] = []
    starts: list[object] = []
    ends: list[object] = []
    unreadable = np.zeros(len(cells), dtype=bool)
    for i, cell in enumerate(cells):
        if isinstance(cell, str):
            text = cell.strip()
            if not text:
                continue
            try:
                cell = json.loads(text)
            except ValueError:
                unreadable[i] = True
                continue
        if cell is None:
            continue
        if not isinstance(cell, list):
            unreadable[i] = True
            continue
        for item in cell:
            if isinstance(item, dict):
                pair = (item.get(start_key), item.get(end_key))
            elif isinstance(item, (list, tuple)) and len(item) == 2:
                pair = (item[0], item[1])
            else:
                unreadable[i] = True
                break
            rows.append(i)
            starts.append(pair[0])
            ends.append(pair[1])
    return (np.array(rows, dtype=np.intp), np.array(starts, dtype=object), np.array(ends, dtype=object),
            unreadable)
