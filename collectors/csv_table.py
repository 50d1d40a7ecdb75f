"""CSV bytes to a Table: decoding (`monitor.charsets`), header mapping, ragged rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from collectors.base import FeedError, decode_body
from collectors.series import Problem, Table
from collectors.sheet_layout import Grid

csv.field_size_limit(10_000_000)


def first_of_each_name(names: Sequence[str], columns: Sequence[Sequence[object]]) -> dict[str, Sequence[object]]:
    """Columns by name; of two columns with one name (a header written twice, or two headers that
    `columns` renames alike) the leftmost is read, on both paths and in dropped spreadsheets alike."""
    table: dict[str, Sequence[object]] = {}
    for name, column in zip(names, columns):
        table.setdefault(name, column)
    return table


@dataclass
class CsvTable:
    table: Table
    row_numbers: Sequence[int]                      # the file's line number of each data row (1-based)
    rejected: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class _Columns(Mapping):
    """Columns of a quote-free CSV held as one byte buffer; a column becomes an array when first read.
    Of two columns with one name the leftmost is read (`names.index`), as `first_of_each_name` says."""

    def __init__(self, buf: np.ndarray, names: list[str], starts: np.ndarray, ends: np.ndarray):
        self._buf, self._names, self._starts, self._ends = buf, names, starts, ends
        self._cache: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._cache:
            if name not in self._names:
                raise KeyError(name)
            self._cache[name] = self._column(self._names.index(name))
        return self._cache[name]

    def __iter__(self):
        return iter(dict.fromkeys(self._names))

    def __len__(self) -> int:
        return len(dict.fromkeys(self._names))

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def _column(self, j: int) -> np.ndarray:
        starts, ends = self._starts[:, j], self._ends[:, j]
        if len(starts) == 0:
            return np.zeros(0, dtype="U1")
        width = max(int((ends - starts).max()), 1)
        offsets = np.arange(width)
        index = starts[:, None] + offsets
        cells = np.where(offsets < (ends - starts)[:, None], self._buf[np.minimum(index, len(self._buf) - 1)], 0)
        raw = np.ascontiguousarray(cells.astype(np.uint8)).view(f"S{width}").ravel()
        if cells.max(initial=0) < 128:
            return raw.astype(f"U{width}")
        return np.strings.decode(raw, "utf-8")


def _columnar(content: bytes, delimiter: str, header_row: int) -> tuple[list[str], _Columns, int] | None:
    """Split a quote-free UTF-8 CSV whose every line has the header's field count with numpy.

    Returns None when the text needs the csv module (quotes, ragged or blank lines).
    """
    if b'"' in content or len(delimiter.encode()) != 1:
        return None
    if not content.endswith(b"\n"):
        content += b"\n"
    buf = np.frombuffer(content, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    if len(newlines) < header_row:
        return None
    body_start = int(newlines[header_row - 1]) + 1
    header_start = int(newlines[header_row - 2]) + 1 if header_row > 1 else 0
    header = content[header_start:body_start - 1].decode("utf-8").rstrip("\r").split(delimiter)
    width = len(header)
    body = buf[body_start:]
    separators = np.flatnonzero((body == ord(delimiter)) | (body == 10))
    if len(separators) % width:
        return None
    grid = separators.reshape(-1, width)
    kinds = body[grid]
    if not (kinds[:, -1] == 10).all() or (width > 1 and not (kinds[:, :-1] == ord(delimiter)).all()):
        return None
    ends = grid + body_start
    starts = np.empty_like(ends)
    starts[:, 0] = np.concatenate(([body_start], ends[:-1, -1] + 1)) if len(ends) else []
    starts[:, 1:] = ends[:, :-1] + 1
    if len(ends) and ((ends - starts)[:, -1] == 0).any() and width == 1:
        return None                                   # blank lines in a one-column file
    carriage = (ends[:, -1] > starts[:, -1]) & (buf[np.maximum(ends[:, -1] - 1, 0)] == 13)
    ends[:, -1] -= carriage                           # CRLF line ends
    return header, _Columns(buf, header, starts, ends), len(ends)


def parse_csv_bytes(content: bytes, declared: str | None = None, configured: str | None = None,
                    delimiter: str = ",", rename: Mapping[str, str] | None = None, header_row: int = 1) -> CsvTable:
    """Decode and parse; plain CSV (no quotes, even rows) is split with numpy, the rest with the csv module."""
    decoded = decode_body(content, declared, configured)
    text = decoded.text
    if decoded.encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        utf8 = content
    elif decoded.encoding == "utf-8-sig":
        utf8 = content[3:]
    else:
        utf8 = text.encode("utf-8")
    simple = _columnar(utf8, delimiter, header_row)
    if simple is None:
        return parse_csv(text, delimiter, rename, header_row)
    header, columns, n = simple
    names = [(rename or {}).get(h.strip(), h.strip()) for h in header]
    columns._names = names
    first_line = header_row + 1
    return CsvTable(Table(columns, n), range(first_line, first_line + n))


def parse_csv(text: str, delimiter: str = ",", rename: Mapping[str, str] | None = None,
              header_row: int = 1) -> CsvTable:
    """Rows whose field count differs from the header's are rejected (`wrong_field_count`), blank rows skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for _ in range(header_row - 1):
            next(reader)
        header = next(reader)
    except StopIteration:
        raise FeedError("schema", "the CSV has no header row") from None
    except csv.Error as exc:
        raise FeedError("decode", f"malformed CSV: {exc}") from None
    names = [(rename or {}).get(h.strip(), h.strip()) for h in header]
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise FeedError("decode", f"malformed CSV near line {reader.line_num}: {exc}") from None
    width = len(names)
    first_line = header_row + 1
    if all(len(r) == width for r in rows):
        good, numbers, problems = rows, list(range(first_line, first_line + len(rows))), list[Problem]()
    else:
        good, numbers, problems = [], [], []
        for i, row in enumerate(rows):
            if len(row) == width:
                good.append(row)
                numbers.append(first_line + i)
            elif any(cell.strip() for cell in row):
                problems.append(Problem(first_line + i, None, "wrong_field_count", f"{len(row)} fields, header has {width}"))
    columns = list(zip(*good)) if good else [() for _ in names]
    table = Table(first_of_each_name(names, columns), len(good))
    rejected = {"wrong_field_count": len(problems)} if problems else {}
    return CsvTable(table, numbers, rejected, problems)


def csv_grid(content: bytes, configured: str | None = None, delimiter: str = ",") -> Grid:
    """A dropped CSV as a Grid (title lines, header and footers are found by `sheet_layout`)."""
    text = decode_body(content, None, configured).text
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[object]] = []
    numbers, line = [], 1
    try:
        for row in reader:
            rows.append([cell if cell.strip() else None for cell in row])
            numbers.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise FeedError("decode", f"malformed CSV near line {reader.line_num}: {exc}") from None
    return Grid(None, rows, numbers, ragged_rows_are_problems=True)
