"""The `file` feed kind: a drop folder where agencies put CSV, JSON or XLSX reports.

Each settled file is read and validated as a whole. A file with no problem has its values used
and is moved to processed/. A file with any problem — an unreadable workbook, a missing column,
one bad row — is not used at all: it is moved to rejected/ with `<name>.errors.txt` next to it,
naming the sheet, row, column and problem (in Chinese for the agency, with an English code).
Nothing submitted is deleted, and no file is ever half-used. A dry run moves and writes nothing.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import openpyxl
from openpyxl.utils import get_column_letter

from collectors.base import FeedError, FetchContext
from collectors.csv_table import decode_text, parse_csv_bytes
from collectors.drop_report import FileProblem, write_report
from collectors.records import count_rejections
from collectors.series import Extracted, Table, extract_json, extract_table
from monitor.observations import CaseRecords, CollectionResult
from monitor.spec.feeds import FileFeed

log = logging.getLogger("monitor.collect.file")

DRY_RUN: contextvars.ContextVar[bool] = contextvars.ContextVar("file_drop_dry_run", default=False)
READABLE = (".csv", ".json", ".xlsx")
PROCESSED, REJECTED, REPORT_SUFFIX = "processed", "rejected", ".errors.txt"


class Rejected(Exception):
    def __init__(self, problems: list[FileProblem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s)")


@dataclass
class Sheet:
    """A decoded table plus what is needed to point an agency at a cell."""

    table: Table
    name: str | None
    row_numbers: list[int]
    letters: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    problems: list[FileProblem] = field(default_factory=list)


def _column_maps(written: list[str], names: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    letters, headers = {}, {}
    for i, (header, name) in enumerate(zip(written, names)):
        letters.setdefault(name, get_column_letter(i + 1))
        headers.setdefault(name, header)
    return letters, headers


def read_xlsx(path: Path, feed: FileFeed) -> Sheet:
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a damaged file
        raise Rejected([FileProblem("unreadable_file", detail=f"{type(exc).__name__}: {exc}")]) from None
    try:
        if feed.sheet is not None and feed.sheet not in workbook.sheetnames:
            raise Rejected([FileProblem("missing_sheet", sheet=feed.sheet,
                                        detail=f"工作表有 / sheets are: {', '.join(workbook.sheetnames)}")])
        worksheet = workbook[feed.sheet] if feed.sheet else workbook.worksheets[0]
        rows = worksheet.iter_rows(min_row=feed.header_row, values_only=True)
        header = next(rows, None)
        if header is None:
            raise Rejected([FileProblem("empty_file", sheet=worksheet.title)])
        written = ["" if h is None else str(h).strip() for h in header]
        names = [feed.columns.get(h, h) for h in written]
        width, data, numbers = len(names), [], []
        for offset, row in enumerate(rows):
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in row):
                continue
            data.append(tuple(row[:width]) + (None,) * (width - len(row)))
            numbers.append(feed.header_row + 1 + offset)
    except Rejected:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged sheet fails while iterating
        raise Rejected([FileProblem("unreadable_file", detail=f"{type(exc).__name__}: {exc}")]) from None
    finally:
        workbook.close()
    columns = list(zip(*data)) if data else [() for _ in names]
    letters, headers = _column_maps(written, names)
    return Sheet(Table(dict(zip(names, columns)), len(data)), worksheet.title, numbers, letters, headers)


def read_csv(content: bytes, feed: FileFeed) -> Sheet:
    parsed = parse_csv_bytes(content, None, feed.encoding, feed.delimiter, feed.columns, feed.header_row)
    names = list(parsed.table.columns)
    letters, headers = _column_maps([next((k for k, v in feed.columns.items() if v == n), n) for n in names], names)
    problems = [FileProblem(p.reason, row=p.row, value=p.value) for p in parsed.problems]
    return Sheet(parsed.table, None, parsed.row_numbers, letters, headers, problems)


def read_file(path: Path, feed: FileFeed, data_time: datetime, context: FetchContext) -> Extracted:
    """Everything usable in one file, or Rejected listing every problem found."""
    suffix = path.suffix.lower()
    if suffix not in READABLE:
        raise Rejected([FileProblem("unsupported_type", detail=suffix or "(no extension)")])
    size = path.stat().st_size
    if size > feed.max_bytes:
        raise Rejected([FileProblem("too_large", detail=f"{size} bytes > max_bytes {feed.max_bytes}")])
    try:
        if suffix == ".json":
            document = json.loads(decode_text(path.read_bytes(), None, feed.encoding))
            extracted = extract_json(feed.series, document, data_time, context.timezone, keep_problems=True)
            problems = [FileProblem(p.reason, row=p.row + 1, column=p.column, value=p.value)
                        for p in extracted.problems]
        else:
            sheet = read_xlsx(path, feed) if suffix == ".xlsx" else read_csv(path.read_bytes(), feed)
            extracted = extract_table(feed.series, sheet.table, data_time, context.timezone, keep_problems=True)
            problems = sheet.problems + [
                FileProblem(p.reason, sheet=sheet.name, row=sheet.row_numbers[p.row],
                            column=sheet.letters.get(p.column or ""), header=sheet.headers.get(p.column or ""),
                            value=p.value) for p in extracted.problems]
    except FeedError as exc:
        if exc.category == "config":
            raise
        reason = "missing_column" if "not found" in str(exc) else "unreadable_file"
        raise Rejected([FileProblem(reason, detail=str(exc))]) from None
    except ValueError as exc:   # JSON syntax
        raise Rejected([FileProblem("unreadable_file", detail=str(exc))]) from None
    if problems:
        raise Rejected(problems)
    if extracted.accepted == 0:
        raise Rejected([FileProblem("empty_file")])
    return extracted


def _move(path: Path, folder: Path, stamp: str) -> Path:
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    if target.exists():
        target = folder / f"{path.stem}.{stamp}{path.suffix}"
    shutil.move(str(path), target)
    return target


def _settled(path: Path, now: datetime, settle_seconds: float) -> bool:
    return now.timestamp() - path.stat().st_mtime >= settle_seconds


def _candidates(folder: Path, feed: FileFeed, now: datetime) -> list[Path]:
    files = [p for p in folder.glob(feed.pattern)
             if p.is_file() and not p.name.startswith((".", "~$")) and not p.name.endswith(REPORT_SUFFIX)]
    return sorted((p for p in files if _settled(p, now, feed.settle.total_seconds())), key=lambda p: p.stat().st_mtime)


def _merge_cases(cases: list[CaseRecords]) -> list[CaseRecords]:
    """One batch per series: the store keeps the newest batch of a series, so files of one run are joined."""
    by_series: dict[str, list[CaseRecords]] = {}
    for batch in cases:
        by_series.setdefault(batch.series, []).append(batch)
    return [CaseRecords.join(batches) for batches in by_series.values()]


def collect_folder(feed: FileFeed, context: FetchContext, dry_run: bool = False) -> CollectionResult:
    folder = Path(feed.path)
    if not folder.is_dir():
        raise FeedError("config", f"drop folder {folder} does not exist")
    if not feed.series:
        raise FeedError("config", f"feed {feed.id!r} has no series: nothing to collect")
    result = CollectionResult(feed=feed.id, fetched_at=context.now, ok=True)
    stamp = context.now.strftime("%Y%m%dT%H%M%S")
    for path in _candidates(folder, feed, context.now):
        data_time = datetime.fromtimestamp(path.stat().st_mtime, context.timezone)
        result.bytes_read += path.stat().st_size
        try:
            extracted = read_file(path, feed, data_time, context)
        except Rejected as rejection:
            count_rejections(result.rows_rejected, {"file_rejected": 1})
            for problem in rejection.problems:
                count_rejections(result.rows_rejected, {problem.reason: 1})
            log.warning("event=file_rejected feed=%s file=%s problems=%d dry_run=%s", feed.id, path.name,
                        len(rejection.problems), dry_run)
            if not dry_run:
                moved = _move(path, folder / REJECTED, stamp)
                write_report(moved.with_name(moved.name + REPORT_SUFFIX), path.name, rejection.problems)
            continue
        extracted.into(result)
        log.info("event=file_accepted feed=%s file=%s rows=%d dry_run=%s", feed.id, path.name, extracted.accepted,
                 dry_run)
        if not dry_run:
            _move(path, folder / PROCESSED, stamp)
    result.cases = _merge_cases(result.cases)
    return result


class FileCollector:
    kind: ClassVar[str] = "file"

    async def fetch(self, feed: FileFeed, context: FetchContext) -> CollectionResult:
        return await asyncio.to_thread(collect_folder, feed, context, DRY_RUN.get())
