"""Workbooks as agencies send them (.xlsx, .xlsm, .xls, .ods), read with calamine, into `Grid`s.

`sheet:` in the feed picks the sheets: none (the first), a name, a pattern (`*月`) or a list of
either; every matching sheet is read. A formula saved without its computed value (files written by
scripts, never opened in Excel) is marked so that it is reported instead of read as an empty cell.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from fnmatch import fnmatchcase

import openpyxl
from python_calamine import CalamineWorkbook

from collectors.drop_report import FileProblem, Rejected
from collectors.sheet_layout import Grid, UncomputedFormula
from collectors.zip_bounds import MAX_EXPANDED_BYTES, check_expansion

SPREADSHEET_TYPES = (".xlsx", ".xlsm", ".xls", ".ods")
_EXCEL_EPOCH = datetime(1899, 12, 30)
_SERIAL_RANGE = (1.0, 2958466.0)      # 1900-01-01 .. 9999-12-31
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s/>]")


def select_sheets(available: Sequence[str], wanted: str | Sequence[str] | None) -> list[str]:
    """The sheets to read, in workbook order; Rejected naming a name or pattern that matches none."""
    if wanted is None:
        return list(available[:1])
    patterns = [wanted] if isinstance(wanted, str) else list(wanted)
    unmatched = [p for p in patterns if not any(fnmatchcase(name, p) for name in available)]
    if unmatched:
        raise Rejected([FileProblem("missing_sheet", sheet=p, detail=f"工作表有：{'、'.join(available)} / sheets are: {', '.join(available)}")
                        for p in unmatched])
    return [name for name in available if any(fnmatchcase(name, p) for p in patterns)]


def from_excel_serial(cell: object) -> object:
    """A number in a date column is an Excel serial date (46000.5 = 2025-12-09 12:00); other cells unchanged."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool) and _SERIAL_RANGE[0] <= cell < _SERIAL_RANGE[1]:
        return (_EXCEL_EPOCH + timedelta(days=float(cell))).replace(microsecond=0)
    if isinstance(cell, date) and not isinstance(cell, datetime):
        return datetime(cell.year, cell.month, cell.day)
    return cell


def _has_formulas(content: bytes) -> bool:
    """Whether any worksheet of an .xlsx/.xlsm holds a formula (`<f>`): most exports hold none."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return any(_FORMULA.search(archive.read(name)) for name in archive.namelist()
                   if name.startswith("xl/worksheets/") and name.endswith(".xml"))


def _uncomputed_formulas(content: bytes, sheets: Sequence[str]) -> dict[str, dict[tuple[int, int], str]]:
    """Per sheet, the (row, column) of formula cells, with their formula (only .xlsx/.xlsm keep them here)."""
    found: dict[str, dict[tuple[int, int], str]] = {}
    if not _has_formulas(content):
        return found
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    try:
        for name in sheets:
            cells = found.setdefault(name, {})
            for row in workbook[name].iter_rows():
                for cell in row:
                    if getattr(cell, "data_type", None) == "f" and cell.row is not None and cell.column is not None:
                        cells[(cell.row - 1, cell.column - 1)] = str(cell.value)
    finally:
        workbook.close()
    return found


def _fill_merged(rows: list[list[object]], merged: Sequence[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """Every cell of a merged range shows its top-left value, as a person sees it (事项名称 merged
    down over the cases of one service belongs to each of them)."""
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                if row[c] is None:
                    row[c] = value


def _cell(value: object) -> object:
    if isinstance(value, str):
        return value if value.strip() else None
    return value


def read_workbook(content: bytes, suffix: str, wanted: str | Sequence[str] | None,
                  max_unpacked: int = MAX_EXPANDED_BYTES) -> list[Grid]:
    """Every selected sheet as a Grid; Rejected for an unreadable file, one larger than `max_unpacked`
    once unpacked (checked before parsing), or a sheet that is not there."""
    check_expansion(content, suffix, max_total=max_unpacked)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception as exc:  # noqa: BLE001 - calamine raises several types for a damaged file
        raise Rejected([FileProblem("unreadable_file", detail=f"{type(exc).__name__}: {exc}")]) from None
    try:
        names = select_sheets(workbook.sheet_names, wanted)
        formulas = _uncomputed_formulas(content, names) if suffix in (".xlsx", ".xlsm") else {}
        grids = []
        for name in names:
            sheet = workbook.get_sheet_by_name(name)
            rows = [[_cell(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
            for (r, c), formula in formulas.get(name, {}).items():
                if r < len(rows) and c < len(rows[r]) and rows[r][c] is None:
                    rows[r][c] = UncomputedFormula(formula)
            merged = [((r0, c0), (r1, c1)) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
            _fill_merged(rows, merged)
            grids.append(Grid(name, rows, list(range(1, len(rows) + 1)), merged))
        return grids
    except Rejected:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged sheet fails while reading
        raise Rejected([FileProblem("unreadable_file", detail=f"{type(exc).__name__}: {exc}")]) from None
    finally:
        workbook.close()
