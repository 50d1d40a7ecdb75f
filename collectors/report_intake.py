"""A filled progress-report template read back and checked, row by row: accepted whole or rejected whole.

The sheet is read with the drop folder's readers (bounded workbook reading, the sheet-layout
reader that finds the header under title rows), by the template's headers. A row left blank is a
commitment not reported this time (its earlier figure stands). Every other row is checked —
the commitment exists, is this agency's and is reported here; the number parses and fits the unit;
the date lies in the period and not in the future — and every problem is reported at once, in the
agency's words: the header as written in their file, the row number Excel shows
("第5行「本期数值」：'约30' 不是数字").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from collectors.drop_report import FileProblem, Rejected
from collectors.records import parse_local_times
from collectors.report_template import HEADERS, SHEET, number_bounds
from collectors.series import to_number
from collectors.sheet_layout import Grid, column_letter, header_text, lay_out
from collectors.spreadsheet import from_excel_serial, read_workbook
from monitor.model import Catalogue
from monitor.reporting import Period, period_in_text, reported_commitments
from monitor.spec.feeds import FileFeed, ReportsFeed, SeriesSpec

REPORT_TYPES = (".xlsx", ".xlsm", ".xls", ".ods")
NAMES = {"编号": "id", "本期数值": "value", "数据截至日期": "as_of", "完成情况说明": "note", "佐证材料": "evidence"}
MAX_TEXT = 2000
# the template's layout as the sheet-layout reader wants it: the columns read, by their headers
_LAYOUT = FileFeed(kind="file", id="report", path=".", columns=NAMES,
                   series=[SeriesSpec(name="ids", column="id", time_column="as_of"),
                           SeriesSpec(name="values", column="value")])


@dataclass(frozen=True)
class ReportEntry:
    """One commitment's figure in an accepted report."""

    commitment: str
    value: float
    as_of: date
    note: str | None
    evidence: str | None


@dataclass(frozen=True)
class ReportProblem:
    """One problem, in the agency's words: the row Excel shows and the header as written there."""

    message: str
    row: int | None = None
    header: str | None = None
    column: str | None = None
    value: object = None

    def text(self) -> str:
        where = "".join([f"第{self.row}行" if self.row is not None else "",
                         f"「{self.header}」" if self.header else ""])
        return f"{where}：{self.message}" if where else self.message

    def as_file_problem(self, sheet: str | None) -> FileProblem:
        return FileProblem("report_problem", sheet=sheet, row=self.row, column=self.column, header=self.header,
                           detail=self.text())


@dataclass
class Intake:
    agency: str
    period: Period | None
    entries: list[ReportEntry] = field(default_factory=list)
    problems: list[ReportProblem] = field(default_factory=list)
    sheet: str | None = None


class ReportRejected(Rejected):
    """A report not used at all; `intake.problems` say why, in the agency's words."""

    def __init__(self, intake: Intake):
        self.intake = intake
        super().__init__([p.as_file_problem(intake.sheet) for p in intake.problems])


def _quoted(cell: object) -> str:
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat(sep=" ")
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _text(cell: object) -> str | None:
    if cell is None:
        return None
    text = _quoted(cell)
    return text[:MAX_TEXT] if text else None


def _pick_grid(grids: Sequence[Grid]) -> Grid:
    for grid in grids:
        if grid.name == SHEET:
            return grid
    return grids[0]


def _missing_headers(grid: Grid) -> list[str]:
    """The template headers the sheet lacks, judged from the row holding most of them."""
    wanted = [h for h in HEADERS if h in NAMES]
    best: set[str] = set()
    for row in grid.rows[:20]:
        seen = {header_text(cell) for cell in row} & set(wanted)
        best = seen if len(seen) > len(best) else best
    return [h for h in wanted if h not in best]


def _as_written(grid: Grid, headers: dict[str, str], letters: dict[str, str], first_data_row: int | None
                ) -> dict[str, str]:
    """Each column's header exactly as the agency's file writes it (the reader compares them without spaces)."""
    above = [i for i, n in enumerate(grid.row_numbers) if first_data_row is None or n < first_data_row][-3:]
    written = dict(headers)
    for name, compared in headers.items():
        column = next((i for i in range(len(grid.rows[above[0]]) if above else 0)
                       if column_letter(i) == letters.get(name)), None)
        for r in reversed(above):
            cell = grid.rows[r][column] if column is not None and column < len(grid.rows[r]) else None
            if cell is not None and header_text(cell) == compared:
                written[name] = str(cell).strip()
                break
    return written


def _period(grid: Grid, header_row: int, name: str) -> Period | None:
    for row in grid.rows[:header_row]:
        for cell in row:
            if isinstance(cell, str) and "报送期" in cell:
                found = period_in_text(cell.split("报送期", 1)[1])
                if found:
                    return found
    return period_in_text(Path(name).stem)


def _as_of(cell: object, tz: ZoneInfo) -> date | None:
    cell = from_excel_serial(cell)
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, str):
        parsed = parse_local_times([cell.strip()], tz)[0]
        if np.isnat(parsed):
            return None
        day: date = parsed.astype("datetime64[D]").astype(date)
        return day
    return None


def read_report(content: bytes, name: str, catalogue: Catalogue, feed: ReportsFeed, agency_id: str,
                now: datetime, expected: Period | None = None) -> Intake:
    """The report's entries; ReportRejected listing every problem when there is any."""
    tz = catalogue.calendar_zone
    intake = Intake(agency_id, expected)
    suffix = Path(name).suffix.lower()
    if suffix not in REPORT_TYPES:
        intake.problems.append(ReportProblem(f"文件类型“{suffix or '无扩展名'}”不能作为填报表，请提交下发的 .xlsx 模板"))
        raise ReportRejected(intake)
    grid = _pick_grid(read_workbook(content, suffix, "*"))   # Rejected as it is: unreadable, too large
    intake.sheet = grid.name
    try:
        layout = lay_out(grid, _LAYOUT)
    except Rejected:
        missing = _missing_headers(grid)
        intake.problems.append(ReportProblem(
            "找不到表头" + ("：缺少" + "、".join(f"「{h}」" for h in missing) if missing else "") +
            "。请使用下发的模板，不要修改表头"))
        raise ReportRejected(intake) from None
    header_index = next((i for i, n in enumerate(grid.row_numbers) if layout.row_numbers and n >= layout.row_numbers[0]),
                        len(grid.rows))
    found = _period(grid, header_index, name)
    today = now.astimezone(tz).date()
    if found is None and expected is None:
        intake.problems.append(ReportProblem("找不到报送期（模板第2行“报送期：YYYY-MM”），请使用下发的模板"))
    elif found is not None and expected is not None and found != expected:
        intake.problems.append(ReportProblem(
            f"这是{found.zh}的填报表，而上传链接是{expected.zh}的；请用{expected.zh}的模板或链接"))
    period = intake.period = expected or found
    letters = layout.letters
    headers = _as_written(grid, layout.headers, layout.letters, layout.row_numbers[0] if layout.row_numbers else None)
    blank: list[object] = [None] * len(layout.row_numbers)
    columns = {name: layout.table.columns.get(name, blank) for name in NAMES.values()}
    owned = {c.id: c for c in reported_commitments(catalogue, feed.id, agency_id)}
    seen: dict[str, int] = {}

    def problem(row: int, column: str, message: str, value: object = None) -> None:
        intake.problems.append(ReportProblem(message, row, headers.get(column, column), letters.get(column), value))

    for i, row in enumerate(layout.row_numbers):
        if all(columns[name][i] is None for name in ("value", "as_of", "note", "evidence")):
            continue   # a row left blank: that commitment is not reported this time
        cell = columns["id"][i]
        commitment_id = _text(cell)
        c = owned.get(commitment_id or "")
        if commitment_id is None:
            problem(row, "id", "未填写编号（请勿修改模板的编号列）")
        elif c is None:
            known = catalogue.commitments.get(commitment_id)
            problem(row, "id", f"'{commitment_id}' " + (
                "不是本目录中的承诺编号" if known is None else "不是贵单位通过本填报表报送的承诺"), commitment_id)
        elif commitment_id in seen:
            problem(row, "id", f"'{commitment_id}' 与第{seen[commitment_id]}行重复", commitment_id)
            c = None
        else:
            seen[commitment_id] = row
        raw = columns["value"][i]
        number = to_number(raw)
        if raw is None:
            problem(row, "value", "未填写")
        elif number is None or not np.isfinite(number):
            problem(row, "value", f"'{_quoted(raw)}' 不是数字", raw)
        elif c is not None:
            low, high = number_bounds(c)
            if number < low or (high is not None and number > high):
                span = f"应在{low:g}到{high:g}之间" if high is not None else f"不应小于{low:g}"
                problem(row, "value", f"'{_quoted(raw)}' 超出范围（单位：{c.unit}，{span}）", raw)
        raw_date = columns["as_of"][i]
        as_of = _as_of(raw_date, tz)
        if raw_date is None:
            problem(row, "as_of", "未填写")
        elif as_of is None:
            problem(row, "as_of", f"'{_quoted(raw_date)}' 不是日期（请写成 2026-11-30 这样的格式）", raw_date)
        elif period is not None and not period.contains(as_of):
            problem(row, "as_of", f"'{as_of.isoformat()}' 不在报送期{period}内（应在{period.first_day.isoformat()}至"
                                  f"{period.last_day.isoformat()}之间）", raw_date)
        elif as_of > today:
            problem(row, "as_of", f"'{as_of.isoformat()}' 晚于今天（{today.isoformat()}），数据截至日期不能是将来", raw_date)
        if c is not None and number is not None and as_of is not None:
            intake.entries.append(ReportEntry(c.id, float(number), as_of, _text(columns["note"][i]),
                                              _text(columns["evidence"][i])))
    if not seen and not intake.problems:
        intake.problems.append(ReportProblem("文件中没有填报任何数值：请在黄色单元格中填写本期数值和数据截至日期"))
    if intake.problems:
        intake.entries = []
        raise ReportRejected(intake)
    return intake
