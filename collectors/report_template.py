"""The progress-report template an agency fills (.xlsx, written with openpyxl).

Sheet 填报表: two locked title rows (the agency, the period 报送期, the due day), the header, and one
row per commitment the agency reports on: 编号, 承诺内容 (the quote), 指标, 单位, 目标, 期限, 上期数值
locked; 本期数值, 数据截至日期, 完成情况说明, 佐证材料 to fill, with data validation on the number and
the date. Sheet 说明: how to fill it and send it. The intake (collectors/report_intake.py) reads it
back by its headers, so a column moved or a title row added still reads.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, time

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill, Protection
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from monitor.model import Commitment
from monitor.reporting import Period
from monitor.spec import AgencySpec
from monitor.verdict_text import promise_text

SHEET, HELP_SHEET = "填报表", "说明"
FIXED = ("编号", "承诺内容", "指标", "单位", "目标", "期限", "上期数值")
TO_FILL = ("本期数值", "数据截至日期", "完成情况说明", "佐证材料")
HEADERS = FIXED + TO_FILL
HEADER_ROW = 3
WIDTHS = (34, 46, 30, 10, 18, 12, 12, 12, 14, 40, 30)
_FILL = PatternFill("solid", fgColor="FFF9C4")


def number_bounds(c: Commitment) -> tuple[float, float | None]:
    """What 本期数值 may hold: a share or a milestone's completion % 0-100, anything else not negative."""
    if c.unit == "%" and c.kind in ("share", "milestone"):
        return 0.0, 100.0
    return 0.0, None


Filled = tuple[object, object, object]   # 本期数值, 数据截至日期, 完成情况说明 as an agency writes them


def write_template(agency: AgencySpec, commitments: Sequence[Commitment], period: Period, due: date,
                   previous: Mapping[str, float] | None = None, filled: Mapping[str, Filled] | None = None) -> bytes:
    """The agency's template for `period` as .xlsx bytes; `filled` (commitment -> what was written in
    its yellow cells) gives the template as the agency sends it back, written in one pass (the demo's
    agencies: loading and saving a template of thousands of rows again cost more than writing it)."""
    previous, filled = previous or {}, filled or {}
    book = Workbook()
    for style in _cell_styles():
        book.add_named_style(style)
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append([f"{agency.name} 承诺事项进展填报表（报送期：{period}，即{period.zh}）"])
    sheet.append([f"填报单位：{agency.name}（{agency.id}）  报送期：{period}  请于{due.isoformat()}前填报  "
                  f"只填黄色单元格，请勿增删行列"])
    sheet.append(list(HEADERS))
    for c in commitments:
        sheet.append([c.id, c.quote, c.measured_zh, c.unit, promise_text(c.op, c.value, c.value_max, c.unit),
                      c.deadline.isoformat() if c.deadline else "长期", previous.get(c.id),
                      *filled.get(c.id, (None, None, None)), None])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADERS))
    sheet["A1"].font = Font(bold=True, size=14)
    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[chr(64 + column)].width = width
        sheet.cell(HEADER_ROW, column).font = Font(bold=True)
    first, last = HEADER_ROW + 1, HEADER_ROW + len(commitments)
    value_col, date_col = chr(65 + len(FIXED)), chr(66 + len(FIXED))
    end = datetime.combine(period.last_day, time.min)
    dated = DataValidation(type="date", operator="between", formula1=_serial(period.first_day),
                           formula2=_serial(end.date()), allow_blank=True, showErrorMessage=True,
                           errorTitle="日期不在报送期内",
                           error=f"数据截至日期应在{period.first_day.isoformat()}至{period.last_day.isoformat()}之间，"
                                 "且不晚于填报当天")
    sheet.add_data_validation(dated)
    dated.add(f"{date_col}{first}:{date_col}{max(first, last)}")
    rows_of: dict[tuple[float, float | None, str], list[int]] = {}   # one rule per bound and unit, not per row
    for row, c in enumerate(commitments, start=first):
        rows_of.setdefault((*number_bounds(c), c.unit), []).append(row)
        for column in range(1, len(HEADERS) + 1):   # named styles: one lookup a cell, not four style objects
            sheet.cell(row, column).style = (_FIXED_STYLE if column <= len(FIXED) else
                                              _DATE_STYLE if column == len(FIXED) + 2 else _TO_FILL_STYLE)
    for (low, high, unit), rows in rows_of.items():
        rule = _number_rule(low, high, unit)
        rule.sqref = MultiCellRange(" ".join(f"{value_col}{a}" + (f":{value_col}{b}" if b > a else "")
                                             for a, b in _runs(rows)))
        sheet.add_data_validation(rule)
    sheet.freeze_panes = f"A{first}"
    sheet.protection.sheet = True           # every cell locked unless unlocked above; no password:
    sheet.protection.formatCells = False    # this guards against slips, not against the agency
    sheet.protection.formatColumns = False
    _help(book.create_sheet(HELP_SHEET), agency, period, due)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_FIXED_STYLE, _TO_FILL_STYLE, _DATE_STYLE = "承诺信息", "填报", "填报日期"


def _cell_styles() -> list[NamedStyle]:
    """The body's cells: wrapped and top-aligned; the columns to fill yellow and unlocked."""
    def style(name: str, to_fill: bool, number_format: str = "General") -> NamedStyle:
        return NamedStyle(name, alignment=Alignment(wrap_text=True, vertical="top"), number_format=number_format,
                          protection=Protection(locked=not to_fill),
                          fill=_FILL if to_fill else PatternFill())
    return [style(_FIXED_STYLE, False), style(_TO_FILL_STYLE, True), style(_DATE_STYLE, True, "yyyy-mm-dd")]


def _number_rule(low: float, high: float | None, unit: str) -> DataValidation:
    if high is None:
        return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1=str(low), allow_blank=True,
                              showErrorMessage=True, errorTitle="不是有效数值", error=f"请填写不小于{low:g}的数字（单位：{unit}）")
    return DataValidation(type="decimal", operator="between", formula1=str(low), formula2=str(high),
                          allow_blank=True, showErrorMessage=True, errorTitle="不是有效数值",
                          error=f"请填写{low:g}到{high:g}之间的数字（单位：{unit}）")


def _runs(rows: list[int]) -> Iterator[tuple[int, int]]:
    """Ascending row numbers as (first, last) runs of consecutive rows (openpyxl adds ranges one by one
    in quadratic time; a range string is parsed once)."""
    start = previous = rows[0]
    for row in rows[1:]:
        if row != previous + 1:
            yield start, previous
            start = row
        previous = row
    yield start, previous


def _serial(day: date) -> str:
    return str((day - date(1899, 12, 30)).days)


def _help(sheet: Worksheet, agency: AgencySpec, period: Period, due: date) -> None:
    lines = [
        f"{agency.name}：本表用于报送{period.zh}各项承诺的进展，请于{due.isoformat()}前报送。",
        "",
        "怎么填：",
        "1. 只填写黄色单元格：本期数值、数据截至日期、完成情况说明、佐证材料；其他列已锁定，请勿修改、删除或调整行列顺序。",
        "2. 本期数值：填写一个数字，单位见“单位”列（比例填百分数，如 95 表示95%；里程碑类填完成百分比，100 表示已完成）；"
        "不要填写“约30”“30左右”“见附件”等文字。",
        f"3. 数据截至日期：该数值统计到哪一天，须在{period.first_day.isoformat()}至{period.last_day.isoformat()}之间，"
        "且不晚于填报当天；格式如 2026-11-30。",
        "4. 完成情况说明：简要说明进展、困难和下一步安排，将显示在该承诺的公开页面上。",
        "5. 佐证材料：填写材料的链接或文件名。",
        "",
        "怎么交：",
        "· 通过邮件中的专用上传链接上传本文件；或放入贵单位的报送文件夹。",
        "· 收到文件后系统会回复回执：全部通过则数据入库并列出各项最新结论；有任何问题则整份文件不予采用，"
        "回执会一次列出全部问题（第几行、哪一列、什么问题），改正后重新提交即可，同一报送期以最后一次通过的文件为准。",
    ]
    for line in lines:
        sheet.append([line])
    sheet.column_dimensions["A"].width = 120
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True)
    sheet["A1"].font = Font(bold=True)
