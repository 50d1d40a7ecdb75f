"""The error report written next to a rejected file: what an agency must fix, in Chinese and English."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from monitor.rejections import REASONS_ZH

MAX_LINES = 1000


class Rejected(Exception):
    """A submitted file is not used at all; `problems` say why."""

    def __init__(self, problems: list[FileProblem]):
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
        value = "" if self.value is None else f"，值为“{quoted_value(str(self.value))}”"
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


def quoted_value(text: str, limit: int = 80) -> str:
    """A cell as a report line quotes it: on one line (control characters as escapes), cut at `limit`."""
    return printable(text[:limit]) + (f"…（共 {len(text):,} 个字符）" if len(text) > limit else "")


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
