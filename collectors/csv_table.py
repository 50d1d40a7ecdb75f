"""CSV bytes to a Table: encoding detection (UTF-8, UTF-8 with BOM, GB18030), header mapping, ragged rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Mapping

from collectors.base import FeedError
from collectors.series import Problem, Table

csv.field_size_limit(10_000_000)


def decode_text(content: bytes, declared: str | None = None, configured: str | None = None) -> str:
    """Text of a body: the configured encoding if any, else BOM, UTF-8, the declared charset, GB18030.

    GB18030 is a superset of GBK and GB2312, which is what Chinese spreadsheets export as "ANSI".
    """
    if configured:
        try:
            return content.decode(configured)
        except (UnicodeDecodeError, LookupError) as exc:
            raise FeedError("decode", f"the body is not {configured}: {exc}") from None
    if content.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8"] + ([declared] if declared and declared.replace("-", "") != "utf8" else []) + ["gb18030"]
    for encoding in candidates:
        try:
            return content.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise FeedError("decode", f"cannot decode the body as any of {', '.join(candidates)}")


@dataclass
class CsvTable:
    table: Table
    row_numbers: list[int]                         # the file's line number of each data row (1-based)
    rejected: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


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
        good, numbers, problems = rows, list(range(first_line, first_line + len(rows))), []
    else:
        good, numbers, problems = [], [], []
        for i, row in enumerate(rows):
            if len(row) == width:
                good.append(row)
                numbers.append(first_line + i)
            elif any(cell.strip() for cell in row):
                problems.append(Problem(first_line + i, None, "wrong_field_count", f"{len(row)} fields, header has {width}"))
    columns = list(zip(*good)) if good else [() for _ in names]
    table = Table({name: column for name, column in zip(names, columns)}, len(good))
    rejected = {"wrong_field_count": len(problems)} if problems else {}
    return CsvTable(table, numbers, rejected, problems)
