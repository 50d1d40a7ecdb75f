"""From a decoded payload to named series: a feed's `series:` list applied to tables and JSON.

Every feed kind decodes its payload into a `Table` (columns of raw cells: CSV, spreadsheets,
SQL rows, JSON records) or a JSON document, then calls `extract_table` / `extract_json`.
Invalid rows are not used: they are counted by reason in the result, and — for the file drop,
whose error report names each one — listed as `Problem`s.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import jmespath
import jmespath.exceptions
import numpy as np

from collectors.base import FeedError
from collectors.case_events import case_events
from collectors.case_shapes import case_fields, read_pauses
from collectors.records import completion_text, count_rejections, id_array, id_checks, parse_local_times, rejection_mask
from collectors.timebounds import IN_FUTURE, TimeWindow
from monitor.observations import CaseRecords, CollectionResult, ValuePoint
from monitor.spec.feeds import SeriesSpec


@dataclass
class Table:
    columns: Mapping[str, Sequence[Any]]
    n_rows: int

    def column(self, name: str, series: str) -> Sequence[Any]:
        try:
            return self.columns[name]
        except KeyError:
            known = ", ".join(repr(c) for c in self.columns) or "none"
            raise FeedError("schema", f"series {series!r}: column {name!r} not found; columns are: {known}") from None


@dataclass(frozen=True)
class Problem:
    row: int               # 0-based index among the table's data rows
    column: str | None
    reason: str
    value: object = None


@dataclass
class Extracted:
    values: list[ValuePoint] = field(default_factory=list)
    cases: list[CaseRecords] = field(default_factory=list)
    accepted: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)   # rows that are not data: events of no kind read

    def into(self, result: CollectionResult) -> None:
        result.values.extend(self.values)
        result.cases.extend(self.cases)
        result.rows_accepted += self.accepted
        count_rejections(result.rows_rejected, self.rejected)
        count_rejections(result.rows_skipped, self.skipped)


def extract_table(specs: Sequence[SeriesSpec], table: Table, data_time: datetime, tz: ZoneInfo,
                  keep_problems: bool = False, window: TimeWindow | None = None) -> Extracted:
    """Apply the series to a table; times outside `window` (default: around `data_time`) are rejected."""
    out = Extracted()
    window = window or TimeWindow.around(data_time)
    for spec in specs:
        rows = _where(spec, table)
        if spec.type == "cases":
            _cases(spec, table, rows, data_time, tz, out, keep_problems, window)
        else:
            _values(spec, table, rows, data_time, tz, out, window)
    if not keep_problems:
        out.problems.clear()
    return out


def _where(spec: SeriesSpec, table: Table) -> np.ndarray:
    keep = np.ones(table.n_rows, dtype=bool)
    for column, wanted in spec.where.items():
        cells = np.asarray(table.column(column, spec.name), dtype=str)
        keep &= np.strings.strip(cells) == wanted
    return np.flatnonzero(keep)


def _pick(cells: Sequence[Any], rows: np.ndarray) -> np.ndarray:
    # fromiter, not asarray: cells holding lists (pauses per case) stay one cell each
    array = cells if isinstance(cells, np.ndarray) else np.fromiter(cells, dtype=object, count=len(cells))
    return array if len(rows) == len(array) else array[rows]


def _cases(spec: SeriesSpec, table: Table, rows: np.ndarray, data_time: datetime, tz: ZoneInfo,
           out: Extracted, keep_problems: bool, window: TimeWindow) -> None:
    if spec.events is not None:
        part = case_events(spec, lambda name: _pick(table.column(name, spec.name), rows), len(rows),
                           data_time, tz, window)
        out.cases.append(part.cases)
        out.accepted += part.accepted
        count_rejections(out.rejected, part.rejected)
        count_rejections(out.skipped, part.skipped)
        out.problems += [Problem(int(rows[p.row]), p.column, p.reason, p.value) for p in part.problems]
        return
    submitted_raw = _pick(table.column(spec.submitted, spec.name), rows)
    completed_raw = _pick(table.column(spec.completed, spec.name), rows)
    ids = _pick(table.column(spec.id_field, spec.name), rows) if spec.id_field else None
    completed_text, completed_given = completion_text(completed_raw)
    submitted, completed = parse_local_times(submitted_raw, tz), parse_local_times(completed_text, tz)
    pauses = read_pauses(spec, lambda name: _pick(table.column(name, spec.name), rows), len(rows), tz)
    bad, rejected = rejection_mask(submitted, completed, completed_given, ids, None, window.local_bounds(tz),
                                   pauses.problems() if pauses is not None else ())
    keep = ~bad
    items = _texts(_pick(table.column(spec.item, spec.name), rows)[keep]) if spec.item else None
    out.cases.append(CaseRecords(
        spec.name, data_time, submitted[keep], completed[keep], id_array(ids, keep),
        None if pauses is None or pauses.totals is None else pauses.totals[keep],
        paused_unit=None if pauses is None else pauses.unit,
        pauses=None if pauses is None or pauses.intervals is None else pauses.intervals.of_rows(keep, len(keep)),
        items=items, rejected=tuple(sorted(rejected.items()))))
    out.accepted += int(keep.sum())
    count_rejections(out.rejected, rejected)
    if keep_problems and bad.any():
        for i in np.flatnonzero(bad):
            problem = _case_problem(spec, int(rows[i]), submitted[i], completed[i],
                                    submitted_raw[i], completed_raw[i], window, tz, None if ids is None else ids[i])
            if problem.reason == "duplicate_id" and pauses is not None and pauses.reasons[i]:
                problem = Problem(int(rows[i]), str(pauses.columns[i]), str(pauses.reasons[i]))
            out.problems.append(problem)


def _texts(cells: np.ndarray) -> np.ndarray:
    """Cells as trimmed text, an empty cell as "" (a case's 事项 may be left blank)."""
    return np.array(["" if cell is None or cell != cell else str(cell).strip() for cell in cells.tolist()], dtype=str)


def _case_problem(spec: SeriesSpec, row: int, submitted: np.datetime64, completed: np.datetime64,
                  submitted_raw: object, completed_raw: object, window: TimeWindow, tz: ZoneInfo,
                  case_id: object = None) -> Problem:
    if np.isnat(submitted):
        return Problem(row, spec.submitted, "unparseable_submitted", submitted_raw)
    if np.isnat(completed) and completion_text([completed_raw])[1][0]:
        return Problem(row, spec.completed, "unparseable_completed", completed_raw)
    for column, moment, raw in ((spec.submitted, submitted, submitted_raw), (spec.completed, completed, completed_raw)):
        reason = window.reason_local(moment, tz)
        if reason and not (reason == IN_FUTURE and column == spec.completed):   # a later completion: open then
            return Problem(row, column, reason, raw)
    if not np.isnat(completed) and completed < submitted:
        return Problem(row, spec.completed, "end_before_start", completed_raw)
    if case_id is not None:
        for reason, mask in id_checks([case_id])[:2]:
            if mask[0]:
                return Problem(row, spec.id_field, reason, case_id)
    return Problem(row, spec.id_field, "duplicate_id")


def _values(spec: SeriesSpec, table: Table, rows: np.ndarray, data_time: datetime, tz: ZoneInfo,
            out: Extracted, window: TimeWindow) -> None:
    if spec.column is None:
        raise FeedError("config", f"series {spec.name!r}: a table series needs 'column'")
    cells = _pick(table.column(spec.column, spec.name), rows)
    times = time_cells = None
    if spec.time_column:
        time_cells = _pick(table.column(spec.time_column, spec.name), rows)
        times = parse_local_times(time_cells, tz)
    for i, cell in enumerate(cells):
        row = int(rows[i])
        if times is not None and time_cells is not None and np.isnat(times[i]):
            _reject(out, Problem(row, spec.time_column, "unparseable_time", time_cells[i]))
            continue
        value, reason = check_value(spec, cell)
        if reason:
            _reject(out, Problem(row, spec.column, reason, cell))
            continue
        if times is not None and (outside := window.reason_local(times[i], tz)) is not None:
            _reject(out, Problem(row, spec.time_column, outside, str(times[i])))
            continue
        when = data_time if times is None else _aware(times[i], tz)
        out.values.append(ValuePoint(spec.name, when, value))
        out.accepted += 1


def _reject(out: Extracted, problem: Problem) -> None:
    out.rejected[problem.reason] = out.rejected.get(problem.reason, 0) + 1
    out.problems.append(problem)


def _aware(moment: np.datetime64, tz: ZoneInfo) -> datetime:
    naive: datetime = moment.astype("datetime64[s]").astype(datetime)
    return naive.replace(tzinfo=tz)


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


def to_number(cell: object) -> float | None:
    """A number from a cell as agencies write it: 95, "95.5", "1,234", "９５%", " 3 "; None if not one."""
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, (int, float, np.integer, np.floating)):
        return float(cell)
    if hasattr(cell, "__float__") and not isinstance(cell, str):   # Decimal from SQL drivers
        return float(cell)
    text = unicodedata.normalize("NFKC", str(cell)).strip().rstrip("%").strip()
    if "," in text:   # thousands separators only: "9,5" (a decimal comma?) is ambiguous, not 95
        if not _THOUSANDS.fullmatch(text):
            return None
        text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def check_value(spec: SeriesSpec, cell: object) -> tuple[float, str | None]:
    """The number in `cell` and, when it must not be used, the reason."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return math.nan, "missing_value"
    value = to_number(cell)
    if value is None:
        return math.nan, "unparseable_value"
    if not math.isfinite(value):
        return value, "not_a_number"
    if spec.type == "share" and value > 100:
        return value, "share_above_100"
    if spec.type == "share" and value < 0:
        return value, "negative_share"
    if spec.min_value is not None and value < spec.min_value:
        return value, "negative_value" if spec.min_value == 0 else "below_min"
    if spec.max_value is not None and value > spec.max_value:
        return value, "above_max"
    return value, None


def search(path: str, document: Any, series: str) -> Any:
    try:
        return jmespath.search(path, document)
    except jmespath.exceptions.JMESPathError as exc:
        raise FeedError("config", f"series {series!r}: invalid JMESPath {path!r}: {exc}") from None
    except RecursionError:
        raise FeedError("decode", f"series {series!r}: the document is nested too deeply to search") from None


def record_fields(spec: SeriesSpec) -> list[str]:
    """The fields a series reads of each JSON record."""
    return case_fields(spec) if spec.type == "cases" else [f for f in (spec.column, spec.time_column, *spec.where) if f]


def records_table(records: Any, spec: SeriesSpec) -> Table:
    """JSON records (a list of objects) as a table of the fields the series reads."""
    if not isinstance(records, list):
        raise FeedError("schema", f"series {spec.name!r}: {spec.records!r} is not a list of records "
                                  f"(got {type(records).__name__})")
    objects = [r for r in records if isinstance(r, dict)]   # the rest are counted as not_an_object
    columns = {name: [r.get(name) for r in objects] for name in dict.fromkeys(record_fields(spec))}
    return Table(columns, len(objects))


def extract_json(specs: Sequence[SeriesSpec], document: Any, fetched_at: datetime, tz: ZoneInfo,
                 records: dict[str, list[Any]] | None = None, keep_problems: bool = False,
                 tables: Mapping[str, Table] | None = None) -> Extracted:
    """Apply the series to a JSON document; `records` (per series name) overrides paginated record lists,
    `tables` (per series name) gives a series' records already decoded into columns
    (`collectors.json_records`: no record in them is other than an object)."""
    out = Extracted()
    window = TimeWindow.around(fetched_at)
    for spec in specs:
        data_time = _json_time(spec, document, fetched_at, tz)
        if spec.type == "cases" and window.reason(data_time) == IN_FUTURE:
            data_time = fetched_at      # cases are dated by their own times: a later stamp leaves none out
        if spec.records is not None:
            rows: list[Any] = []
            if tables is not None and spec.name in tables:
                table = tables[spec.name]
            else:
                rows = records[spec.name] if records and spec.name in records else search(spec.records, document, spec.name)
                table = records_table(rows, spec)
            part = extract_table([spec], table, data_time, tz, keep_problems, window)
            if (outside := window.reason(data_time)) is not None:   # the series' own date is not sane
                part = Extracted(rejected={outside: part.accepted + sum(part.rejected.values())},
                                 problems=[Problem(0, spec.time_path, outside, data_time.isoformat())])
            for i in [i for i, r in enumerate(rows) if not isinstance(r, dict)]:
                _reject(part, Problem(i, spec.records, "not_an_object", rows[i]))
        elif spec.path is not None and spec.type != "cases":
            part = Extracted()
            raw = search(spec.path, document, spec.name)
            value, reason = check_value(spec, raw)
            reason = reason or window.reason(data_time)
            if reason:
                _reject(part, Problem(0, spec.path, reason, raw))
            else:
                part.values.append(ValuePoint(spec.name, data_time, value))
                part.accepted = 1
        else:
            raise FeedError("config", f"series {spec.name!r}: give 'records' (a list) or 'path' (one value)")
        out.values += part.values
        out.cases += part.cases
        out.accepted += part.accepted
        count_rejections(out.skipped, part.skipped)
        out.problems += part.problems if keep_problems else []
        count_rejections(out.rejected, part.rejected)
    return out


def _json_time(spec: SeriesSpec, document: Any, fetched_at: datetime, tz: ZoneInfo) -> datetime:
    if not spec.time_path:
        return fetched_at
    raw = search(spec.time_path, document, spec.name)
    moment = parse_local_times([raw], tz)[0]
    if np.isnat(moment):
        raise FeedError("schema", f"series {spec.name!r}: time {raw!r} at {spec.time_path!r} is not a date")
    # a time outside Python's datetime range is clamped to a bound; the caller rejects it as out of window
    low, high = np.datetime64("0001-01-02", "s"), np.datetime64("9999-12-30", "s")
    return _aware(min(max(moment, low), high), tz)
