"""The error report written next to a rejected file: what an agency must fix, in Chinese and English."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

REASONS_ZH = {
    "unparseable_submitted": "受理时间无法识别",
    "bad_paused": "暂停（挂起）时长不是非负数",
    "unparseable_completed": "办结时间无法识别",
    "unparseable_time": "日期无法识别",
    "end_before_start": "办结时间早于受理时间（时长为负）",
    "duplicate_id": "编号重复",
    "missing_value": "数值为空",
    "unparseable_value": "不是数字",
    "not_a_number": "数值无效",
    "share_above_100": "比例超过100%",
    "negative_share": "比例为负数",
    "negative_value": "数值为负数",
    "below_min": "数值低于允许的下限",
    "above_max": "数值超过允许的上限",
    "wrong_field_count": "列数与表头不一致",
    "not_an_object": "记录格式不正确",
    "missing_column": "缺少必需的列",
    "missing_sheet": "缺少指定的工作表",
    "unreadable_file": "文件无法读取",
    "unsupported_type": "不支持的文件类型（请提交 .xlsx、.xls、.ods、.csv 或 .json）",
    "formula_without_value": "公式没有计算结果（请用 Excel 或 WPS 打开、保存后重新提交）",
    "symlink": "符号链接不被接受（请直接提交文件）",
    "changed_while_reading": "文件在读取时仍在变化",
    "too_large": "文件过大",
    "too_large_unpacked": "文件解压后过大（表格内容过多，请拆分为多个文件或删除空白行列后重新提交）",
    "reader_crashed": "读取该文件时程序异常中止，已将文件移出，不再重复读取（请检查文件是否损坏，另存后重新提交）",
    "reader_timeout": "读取该文件超时，已将文件移出，不再重复读取（请检查文件是否过大或损坏，另存后重新提交）",
    "empty_file": "文件中没有数据",
}
MAX_LINES = 1000


class Rejected(Exception):
    """A submitted file is not used at all; `problems` say why."""

    def __init__(self, problems: list["FileProblem"]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s)")


@dataclass(frozen=True)
class FileProblem:
    """One problem in a submitted file; sheet/row/column are None when they do not apply."""

    reason: str
    sheet: str | None = None
    row: int | None = None            # as the agency sees it: the spreadsheet row or the CSV line
    column: str | None = None         # column letter (A, B, ...) or JSON path
    header: str | None = None         # the column's header as written
    value: object = None
    detail: str = ""

    def zh(self) -> str:
        """The problem in Chinese, as the agency sees its file: sheet, row, column letter and header as written."""
        where = []
        if self.sheet:
            where.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"{self.column}列" + (f"（{self.header}）" if self.header else ""))
        place = "，".join(where) or "整个文件"
        value = "" if self.value is None else f"，值为“{self.value}”"
        said = self.detail.split(" / ")[0]   # details read "中文 / English": the agency reads the Chinese
        detail = f"；{said}" if said else ""
        if self.reason == "report_problem":   # a progress report's problem: its detail says it all
            return self.detail
        return f"{place}：{REASONS_ZH.get(self.reason, self.reason)}{value}{detail}"

    def line(self) -> str:
        """For the report beside the file: the Chinese, then every detail and an English summary."""
        english = (f"sheet={self.sheet or '-'} row={self.row if self.row is not None else '-'} "
                   f"column={self.column or '-'}{' (' + self.header + ')' if self.header else ''} "
                   f"problem={self.reason}")
        extra = f" {self.detail.split(' / ', 1)[1]}" if " / " in self.detail else ""
        return f"{self.zh()}    [{english}{extra}]"


def printable(text: str) -> str:
    """`text` with control characters (a line break in a file name) written as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def write_report(target: Path, file_name: str, problems: list[FileProblem]) -> None:
    lines = [
        f"文件“{printable(file_name)}”未被采用，其中的数据均未入库。请更正以下问题后重新提交。",
        f"File {file_name!r} was rejected; none of its data was used. Fix the problems below and submit it again.",
        f"问题数 / problems: {len(problems)}",
        "",
        *(p.line() for p in problems[:MAX_LINES]),
    ]
    if len(problems) > MAX_LINES:
        lines.append(f"……另有 {len(problems) - MAX_LINES} 个问题 / and {len(problems) - MAX_LINES} more")
    write_unfollowed(target, "\n".join(lines) + "\n")


def read_unfollowed(source: Path, limit: int = 10_000_000) -> str:
    """A file of the drop folder's own (a ledger), never through a link or from a pipe; "" when absent or odd."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return ""
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return ""
        return handle.read(limit).decode("utf-8", errors="replace")


def write_unfollowed(target: Path, text: str) -> None:
    """Write a file in the drop folder without following a link planted under its name (an agency
    can write there; the daemon must never write through a link to a file elsewhere)."""
    target.unlink(missing_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
