"""CSV bytes to a Table (http_csv feeds) or a Grid (dropped files).

A feed's CSV is read by pyarrow (`collectors.csv_reader`); a dropped CSV, whose title lines,
notes and footers have field counts of their own, by the csv module into a Grid for `sheet_layout`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field

from collectors.arrow_text import TextColumns
from collectors.base import FeedError, decode_body, utf8_body
from collectors.csv_reader import read_text_table
from collectors.series import Table
from collectors.sheet_layout import Grid

csv.field_size_limit(10_000_000)


@dataclass
class CsvTable:
    table: Table
    rejected: dict[str, int] = field(default_factory=dict)


def parse_csv_bytes(content: bytes, declared: str | None = None, configured: str | None = None,
                    delimiter: str = ",", rename: Mapping[str, str] | None = None, header_row: int = 1) -> CsvTable:
    """A feed's CSV as a Table of text columns: decoded by `monitor.charsets`, read by pyarrow.

    Rows whose field count differs from the header's are rejected (`wrong_field_count`), blank
    rows skipped; header cells are trimmed and renamed by `rename`.
    """
    if len(delimiter) != 1 or not delimiter.isascii():
        raise FeedError("config", f"delimiter {delimiter!r}: the CSV reader takes one ASCII character, such as ',' or ';'")
    arrow, wrong = read_text_table(utf8_body(content, declared, configured), delimiter, header_row - 1)
    header = [column[0].as_py() for column in arrow.columns]
    names = [(rename or {}).get(h.strip(), h.strip()) for h in header]
    body = arrow.slice(1)
    table = Table(TextColumns(names, body.columns), body.num_rows)
    return CsvTable(table, {"wrong_field_count": wrong} if wrong else {})


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
