"""Monthly 办件明细 exports as agencies send them, built in the test: a merged title row, an
information line, the header (on one row or split over two), the cases, a 合计 row and the
制表人 / 审核人 / 备注 lines. Written as .xlsx (openpyxl), .xls (xlwt), .ods (odfpy) and CSV.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import xlwt

TITLE = "渝中区政务服务中心2026年11月办件明细表"
INFO = "填报单位：渝中区政务服务中心"
HEADER = ["序号", "办件编号", "事项名称", "受理时间", "办结时间"]
COLUMNS = {"办件编号": "id", "受理时间": "submitted", "办结时间": "completed"}
SERIES = [{"name": "cases", "type": "cases"}]
FOOTER = [["合计", "20件", None, None, None], ["制表人：张三", None, "审核人：李四", None, None],
          ["单位负责人：", "王五", None, None, None],      # text in the id column: a footer by its word
          ["备注：本表由审批系统导出", None, None, None, None]]
N_CASES, N_OPEN = 20, 4
OPEN_MARKERS = ["—", "/", "无", "未办结"]


def cases(text_dates: bool = False) -> list[list[object]]:
    """20 cases submitted in November 2026; the last four still open, written as agencies write it."""
    rows = []
    for i in range(N_CASES):
        submitted = datetime(2026, 11, 2, 9, 30) + timedelta(days=i)
        done = submitted + timedelta(days=2, hours=1)
        completed: object = done
        if i >= N_CASES - N_OPEN:
            completed = OPEN_MARKERS[i - (N_CASES - N_OPEN)]
        elif text_dates:
            completed = (f"{done.year}年{done.month}月{done.day}日 {done.hour}时{done.minute}分"
                         if i % 3 == 0 else f"{done.year}/{done.month}/{done.day} "
                         f"{done.hour}:{done.minute:02d}" if i % 3 == 1
                         else f"{done.year}.{done.month:02d}.{done.day:02d}")
        rows.append([i + 1, f"YZ2026110{i:03d}", "企业开办", submitted, completed])
    return rows


def text_rows(rows: list[list[object]]) -> list[list[object]]:
    return [[c.strftime("%Y-%m-%d %H:%M") if isinstance(c, datetime) else c for c in row] for row in rows]


def settle(path: Path, age_seconds: float = 3600) -> Path:
    old = datetime.now().timestamp() - age_seconds
    os.utime(path, (old, old))
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]] | None = None, *, sheets: Mapping[str, Sequence[Sequence[object]]] | None = None,
               two_row_header: bool = False) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.worksheets[0])
    for name, body in (sheets or {"十一月": rows if rows is not None else cases()}).items():
        sheet = workbook.create_sheet(name)
        sheet.append([TITLE])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
        sheet.append([INFO])
        if two_row_header:   # 受理 / 办结 over 时间; 序号, 办件编号 and 事项名称 merged down over both rows
            sheet.append(["序号", "办件编号", "事项名称", "受理", "办结"])
            sheet.append([None, None, None, "时间", "时间"])
            for column in (1, 2, 3):
                sheet.merge_cells(start_row=3, start_column=column, end_row=4, end_column=column)
        else:
            sheet.append(HEADER)
        for row in body:
            sheet.append(row)
        for row in FOOTER:
            sheet.append(row)
    workbook.save(path)
    return settle(path)


def write_xls(path: Path, rows: list[list[object]] | None = None, sheet_name: str = "十一月") -> Path:
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet(sheet_name)
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    sheet.write_merge(0, 0, 0, len(HEADER) - 1, TITLE)
    sheet.write(1, 0, INFO)
    for c, header in enumerate(HEADER):
        sheet.write(2, c, header)
    body: list[Sequence[object]] = [*(rows if rows is not None else cases()), *FOOTER]
    for r, row in enumerate(body, start=3):
        for c, cell in enumerate(row):
            if cell is None:
                continue
            if isinstance(cell, datetime):
                sheet.write(r, c, cell, date_style)
            else:
                sheet.write(r, c, cell)
    workbook.save(str(path))
    return settle(path)


def write_ods(path: Path, rows: list[list[object]] | None = None, sheet_name: str = "十一月") -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name=sheet_name)

    def cell(value: object) -> TableCell:
        if value is None:
            return TableCell()
        if isinstance(value, datetime):
            made = TableCell(valuetype="date", datevalue=value.strftime("%Y-%m-%dT%H:%M:%S"))
        elif isinstance(value, (int, float)):
            made = TableCell(valuetype="float", value=value)
        else:
            made = TableCell(valuetype="string")
        made.addElement(P(text=str(value)))
        return made

    for row in [[TITLE], [INFO], HEADER] + (rows if rows is not None else cases()) + FOOTER:
        table_row = TableRow()
        for value in row:
            table_row.addElement(cell(value))
        table.addElement(table_row)
    document.spreadsheet.addElement(table)
    document.save(str(path))
    return settle(path)


def write_csv(path: Path, encoding: str, rows: list[list[object]] | None = None) -> Path:
    """A CSV saved by Excel/WPS as the agency's "ANSI" (GBK) or UTF-8: title line, header, cases, 制表人 line."""
    body = [[TITLE, "", "", "", ""], HEADER] + text_rows(rows if rows is not None else cases()) + FOOTER
    text = "\r\n".join(",".join("" if c is None else str(c) for c in row) for row in body) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return settle(path)
