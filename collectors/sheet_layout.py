"""Where the table is in a sheet as agencies send it.

An export from an approval system has a title row or two (渝中区政务服务中心2026年11月办件明细表),
a header over one or two rows (受理 merged over 日期 / 时间), the cases, then 合计 and 制表人 lines.
`lay_out` finds the header among the first rows, reads merged and split header cells as the text a
person sees, skips the footer lines after the last case (counting them) and returns the cases as a
`Table`, with the row numbers and column letters the agency sees for the error report.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from collectors.case_shapes import case_fields, case_time_fields
from collectors.drop_report import FileProblem, Rejected
from collectors.series import Table
from monitor.spec.feeds import FileFeed

HEADER_SEARCH_ROWS = 20
# A line after the last case that starts with one of these is a summary or a signature, not a case
# (compared without spaces, so 合  计 is 合计). None may plausibly begin a case's first cell.
FOOTER_WORDS = ("合计", "小计", "总计", "共计", "累计", "合計", "小計", "總計", "共計", "累計",
                "制表", "製表", "审核", "審核", "填报", "填報", "填表", "复核", "複核", "负责人", "負責人",
                "单位负责人", "單位負責人", "联系人", "聯繫人", "联系电话", "聯繫電話", "签字", "簽字", "盖章", "蓋章",
                "备注", "備註", "备考", "說明", "说明", "注：", "注:", "统计", "統計", "打印", "报送", "報送",
                "导出时间", "導出時間")
_SPACES = re.compile(r"\s+")


class UncomputedFormula:
    """A formula cell saved without its computed value: the agency must open and save it in Excel/WPS."""

    def __init__(self, formula: str):
        self.formula = formula

    def __str__(self) -> str:
        return self.formula


@dataclass
class Grid:
    """The cells of one sheet (or a CSV) as read, with what is needed to point an agency at a cell."""

    name: str | None                          # the sheet's name; None for a CSV
    rows: list[list[object]]                  # empty cells are None
    row_numbers: list[int]                    # the row (or CSV line) number the agency sees for rows[i]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)  # (r, c) corners, 0-based
    ragged_rows_are_problems: bool = False    # a CSV line with another field count than the header's


@dataclass
class Layout:
    table: Table
    sheet: str | None
    row_numbers: list[int]                    # the agency's row number of each table row
    letters: dict[str, str]                   # column name -> its letter
    headers: dict[str, str]                   # column name -> its header as written
    skipped: dict[str, int] = field(default_factory=dict)   # `footer` lines, `under_header` notes
    problems: list[FileProblem] = field(default_factory=list)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def header_text(cell: object) -> str:
    """A header as compared: NFKC-normalised, without spaces or line breaks (受 理\\n时间 -> 受理时间)."""
    return "" if cell is None else _SPACES.sub("", unicodedata.normalize("NFKC", str(cell)))


def wanted_columns(feed: FileFeed) -> set[str]:
    """The column names the feed's series read (after `columns` renaming)."""
    wanted: set[str] = set()
    for spec in feed.series:
        if spec.type == "cases":
            wanted |= set(case_fields(spec))
            wanted |= {spec.item} if spec.item else set()
        else:
            wanted |= {spec.column} if spec.column else set()
        wanted |= ({spec.time_column} if spec.time_column else set()) | set(spec.where)
    return wanted


def identifying_columns(feed: FileFeed) -> set[str]:
    """The cells that make a row a case or a value: empty in all of them, a row after the last case is a footer."""
    found: set[str] = set()
    for spec in feed.series:
        if spec.type == "cases" and spec.events is not None:
            found |= {spec.events.time} | ({spec.id_field} if spec.id_field else set())
        elif spec.type == "cases":
            found |= {spec.submitted} | ({spec.id_field} if spec.id_field else set())
        elif spec.column:
            found.add(spec.column)
    return found


def time_columns(feed: FileFeed) -> set[str]:
    names: set[str] = set()
    for spec in feed.series:
        names |= case_time_fields(spec) if spec.type == "cases" else set()
        names |= {spec.time_column} if spec.time_column else set()
    return names


def _merge_owner(grid: Grid) -> dict[tuple[int, int], tuple[int, int]]:
    """Each cell inside a merged range (within the header search area) -> the range's top-left cell."""
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for (r0, c0), (r1, c1) in grid.merged:
        for r in range(r0, min(r1, HEADER_SEARCH_ROWS + 1) + 1):
            for c in range(c0, c1 + 1):
                owner[(r, c)] = (r0, c0)
    return owner


def _seen(grid: Grid, owner: dict[tuple[int, int], tuple[int, int]], r: int, c: int) -> str:
    """The header text a person sees at (r, c): a merged cell shows its top-left cell's text."""
    r0, c0 = owner.get((r, c), (r, c))
    row = grid.rows[r0] if r0 < len(grid.rows) else []
    return header_text(row[c0]) if c0 < len(row) else ""


def _header_candidates(grid: Grid, owner: dict[tuple[int, int], tuple[int, int]], r: int) -> Iterable[tuple[int, list[str]]]:
    """The header read from row r alone, then from rows r and r+1 together (受理 over 时间 -> 受理时间)."""
    width = max((len(row) for row in grid.rows[r:r + 2]), default=0)
    top = [_seen(grid, owner, r, c) for c in range(width)]
    yield 1, top
    if r + 1 < len(grid.rows):
        joined = []
        for c in range(width):
            below = _seen(grid, owner, r + 1, c)
            same_cell = owner.get((r + 1, c), (r + 1, c)) == owner.get((r, c), (r, c))
            joined.append(top[c] if same_cell or not below else below if not top[c] else top[c] + below)
        yield 2, joined


def _renamed(written: Sequence[str], rename: Mapping[str, str]) -> list[str]:
    return [rename.get(h, h) for h in written]


def find_header(grid: Grid, feed: FileFeed) -> tuple[int, int, list[str]]:
    """(first header row index, header height, written headers) or Rejected naming the missing columns."""
    wanted = wanted_columns(feed)
    rename = {header_text(k): v for k, v in feed.columns.items()}
    owner = _merge_owner(grid)
    rows = [feed.header_row - 1] if feed.header_row else range(min(HEADER_SEARCH_ROWS, len(grid.rows)))
    best: tuple[int, int, list[str]] | None = None
    best_score = (-1, 0)
    for r in rows:
        if r >= len(grid.rows):
            break
        for height, written in _header_candidates(grid, owner, r):
            found = wanted & set(_renamed(written, rename))
            if found == wanted:
                return r, height, written
            if (len(found), -height) > best_score:   # for the report: the row closest to a header
                best, best_score = (r, height, written), (len(found), -height)
    if not grid.rows or not any(any(cell is not None for cell in row) for row in grid.rows):
        raise Rejected([FileProblem("empty_file", sheet=grid.name)])
    seen = [h for h in (best[2] if best else []) if h]
    lacking = sorted(wanted - set(_renamed(seen, rename)))
    as_configured = configured_headers(feed)
    missing = "、".join(f"「{as_configured.get(name, name)}」" for name in lacking)
    guesses = near_misses(seen, lacking, feed)
    guessed = "".join(f"（表头中有「{written}」，是否应为「{as_configured.get(name, name)}」？）"
                      for written, name in guesses.items())
    if best and seen:
        number = grid.row_numbers[best[0]]
        zh, en = f"第{number}行的表头缺少：{missing}{guessed}", f"the header (row {number}) lacks {', '.join(lacking)}"
    else:
        zh, en = f"前{HEADER_SEARCH_ROWS}行中找不到表头：{missing}", f"no header with {', '.join(lacking)} in the first rows"
    raise Rejected([FileProblem("missing_column", sheet=grid.name, row=grid.row_numbers[best[0]] if best else None,
                                detail=f"{zh} / {en}; columns there: {', '.join(seen) or 'none'}")])


def configured_headers(feed: FileFeed) -> dict[str, str]:
    """Each column name the series read -> the header the feed expects for it, as targets.yaml writes it
    (`columns: {办结时间: completed}`): what an agency is told, never the internal name."""
    shown: dict[str, str] = {}
    for header, name in feed.columns.items():
        shown.setdefault(name, header)
    return shown


def near_misses(written: Sequence[str], lacking: Sequence[str], feed: FileFeed) -> dict[str, str]:
    """Headers in the file that are probably a lacking column misnamed (办结日期 for 办结时间): same first
    two characters, and not a header the feed reads already. Header as written -> column name."""
    expected = configured_headers(feed)
    claimed = {header_text(k) for k in feed.columns} | set(wanted_columns(feed))
    found: dict[str, str] = {}
    for name in lacking:
        target = header_text(expected.get(name, name))
        for header in written:
            if header and header not in claimed and header not in found and len(target) >= 2 \
                    and header[:2] == target[:2]:
                found[header] = name
                break
    return found


def is_blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def is_footer(cells: Sequence[object], identifying: Sequence[int]) -> bool:
    """A summary or signature line (合计 / 制表人：…) or a line without any identifying cell."""
    first = next((cell for cell in cells if not is_blank(cell)), None)
    return first is None or header_text(first).startswith(FOOTER_WORDS) or _all_blank(cells, identifying)


def _all_blank(cells: Sequence[object], columns: Sequence[int]) -> bool:
    return all(i >= len(cells) or is_blank(cells[i]) for i in columns)


def _cases_only(body: list[tuple[int, list[object]]], names: list[str], feed: FileFeed
                ) -> tuple[list[tuple[int, list[object]]], dict[str, int]]:
    """The rows from the first case to the last: footer lines after them and id-less notes right
    under the header (（年-月-日 时:分）, 单位：件) are skipped and counted."""
    identifying_names = identifying_columns(feed)
    identifying = [i for i, name in enumerate(names) if name in identifying_names]
    ids = {spec.id_field for spec in feed.series if spec.type == "cases" and spec.id_field}
    keys = [i for i, name in enumerate(names) if name in ids] or identifying
    end = len(body)
    while end and is_footer(body[end - 1][1], identifying):
        end -= 1
    first = 0
    while first < end and _all_blank(body[first][1], keys):
        first += 1
    skipped = {reason: n for reason, n in (("footer", len(body) - end), ("under_header", first)) if n}
    return body[first:end], skipped


def lay_out(grid: Grid, feed: FileFeed) -> Layout:
    """The cases of one sheet as a table; Rejected when the header cannot be found."""
    start, height, written = find_header(grid, feed)
    rename = {header_text(k): v for k, v in feed.columns.items()}
    names = _renamed(written, rename)
    width = len(names)
    body = [(grid.row_numbers[i], row) for i, row in enumerate(grid.rows[start + height:], start + height)
            if not all(is_blank(cell) for cell in row)]
    body, skipped = _cases_only(body, names, feed)
    problems, numbers, data = [], [], []
    for number, row in body:
        ragged = len(row) < width or any(not is_blank(c) for c in row[width:])
        if grid.ragged_rows_are_problems and ragged:
            problems.append(FileProblem("wrong_field_count", sheet=grid.name, row=number,
                                        detail=f"{len(row)} fields, header has {width}"))
            continue
        numbers.append(number)
        data.append(list(row[:width]) + [None] * (width - len(row)))
    letters: dict[str, str] = {}
    headers: dict[str, str] = {}
    for i, (header, name) in enumerate(zip(written, names)):
        letters.setdefault(name, column_letter(i))
        headers.setdefault(name, header)
    wanted = wanted_columns(feed)
    for row_number, cells in zip(numbers, data):
        for i, cell in enumerate(cells):
            if isinstance(cell, UncomputedFormula) and names[i] in wanted:
                problems.append(FileProblem("formula_without_value", sheet=grid.name, row=row_number,
                                            column=column_letter(i), header=written[i], value=cell.formula))
                cells[i] = None
    first_index = {name: names.index(name) for name in dict.fromkeys(names)}
    columns = {name: [row[i] for row in data] for name, i in first_index.items()}
    return Layout(Table(columns, len(data)), grid.name, numbers, letters, headers, skipped, problems)
