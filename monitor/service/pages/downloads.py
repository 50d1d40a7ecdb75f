"""A verdict's late cases as files an agency can work with: .xlsx (openpyxl) and .csv (UTF-8 with a
byte-order mark, so that Excel reads the Chinese), with the page's columns and order."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from monitor.verdict_text import CASE_COLUMNS

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
WIDTHS = {"id": 24, "item": 30, "submitted": 18, "due": 18, "completed": 18, "over": 14}


def cases_csv(rows: Sequence[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([title for _, title in CASE_COLUMNS])
    for row in rows:
        writer.writerow([_cell(row[key]) for key, _ in CASE_COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def cases_xlsx(rows: Sequence[dict[str, str]], title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None    # a new workbook has its one sheet
    sheet.title = "未按时的案件"
    sheet.append([title])
    sheet.append([name for _, name in CASE_COLUMNS])
    for row in rows:
        sheet.append([_cell(row[key]) for key, _ in CASE_COLUMNS])
    for i, (key, _) in enumerate(CASE_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = WIDTHS[key]
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(value: str) -> str:
    """A cell as text; one a spreadsheet would run as a formula (=, +, -, @) is quoted."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def filename(commitment_id: str, extension: str) -> str:
    """An ASCII file name for Content-Disposition (the commitment id, which is ASCII in targets.yaml)."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in commitment_id)
    return f"{safe}-late-cases.{extension}"
