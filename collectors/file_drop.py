"""The `file` feed kind: a drop folder where agencies put spreadsheets, CSV or JSON reports.

Each settled file is read and validated as a whole: .xlsx, .xlsm, .xls, .ods (every sheet that
`sheet:` selects), CSV in UTF-8, UTF-8 with BOM or GBK/GB18030, and JSON. Title rows above the
header and 合计 / 制表人 lines after the last case are skipped (the latter counted as `footer`, and
id-less notes right under the header as `under_header`).
A file with no problem has its values used; a file with any problem — an unreadable workbook, a
missing column, one bad row — is not used at all and goes to rejected/ with `<name>.errors.txt`
naming the sheet, row, column and problem (in Chinese for the agency, with an English code).

Files are claimed, read, and filed (moved to processed/ or rejected/) only after the store has
committed their rows (`drop_claim`); the rows of a file replace any stored under the same name.
Nothing submitted is deleted, no file is half-used, and a dry run moves and writes nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

from collectors import drop_ledger, drop_suspects
from collectors.base import Collector, FeedError, FetchContext, decode_body
from collectors.csv_table import csv_grid
from collectors.drop_claim import PROCESSED, REJECTED, REPORT_SUFFIX, Claim, DropHandover, Unclaimable, file_rejected
from collectors.drop_report import FileProblem, Rejected
from collectors.file_reader import FileReader, ReadStopped
from collectors.records import count_rejections
from collectors.series import Extracted, extract_json, extract_table
from collectors.sheet_layout import Grid, header_text, lay_out, near_misses, time_columns, wanted_columns
from collectors.spreadsheet import SPREADSHEET_TYPES, from_excel_serial, read_workbook
from monitor.observations import CaseRecords, CollectionResult, ValuePoint
from monitor.reporting import FileReceipt
from monitor.spec.feeds import FileFeed, check_file_pattern

log = logging.getLogger("monitor.collect.file")

READABLE = (".csv", ".json", *SPREADSHEET_TYPES)


@dataclass
class FileContent:
    """What one accepted file brings."""

    extracted: Extracted
    skipped: dict[str, int] = field(default_factory=dict)   # rows that are not data, by reason


def _sheet_content(grid: Grid, feed: FileFeed, data_time: datetime, tz: ZoneInfo,
                   spreadsheet: bool) -> tuple[Extracted, list[FileProblem], dict[str, int]]:
    try:
        layout = lay_out(grid, feed)
    except Rejected as rejection:
        raise Rejected(rejection.problems + _cells_under_misnamed_headers(grid, feed, data_time, tz, spreadsheet,
                                                                          rejection)) from None
    if spreadsheet:
        columns = dict(layout.table.columns)
        for name in time_columns(feed) & set(columns):
            columns[name] = [from_excel_serial(cell) for cell in columns[name]]
        layout.table.columns = columns
    extracted = extract_table(feed.series, layout.table, data_time, tz, keep_problems=True)
    problems = layout.problems + [
        FileProblem(p.reason, sheet=layout.sheet, row=layout.row_numbers[p.row],
                    column=layout.letters.get(p.column or ""), header=layout.headers.get(p.column or ""),
                    value=p.value) for p in extracted.problems]
    return extracted, problems, layout.skipped


def _cells_under_misnamed_headers(grid: Grid, feed: FileFeed, data_time: datetime, tz: ZoneInfo,
                                  spreadsheet: bool, rejection: Rejected) -> list[FileProblem]:
    """A header misnamed (办结日期 for 办结时间) must not hide the bad cells: the sheet is read once more
    taking each near miss for the column it probably is, and those problems join the report (the
    file is rejected all the same), so the agency fixes everything in one round."""
    if [p.reason for p in rejection.problems] != ["missing_column"]:
        return []
    rename = {header_text(k): v for k, v in feed.columns.items()}
    for r in range(min(len(grid.rows), 20)):
        written = [header_text(cell) for cell in grid.rows[r]]
        lacking = sorted(wanted_columns(feed) - {rename.get(h, h) for h in written})
        guesses = near_misses(written, lacking, feed)
        if guesses and set(guesses.values()) == set(lacking):
            try:
                retry = feed.model_copy(update={"columns": {**feed.columns, **guesses}})
                return _sheet_content(grid, retry, data_time, tz, spreadsheet)[1]
            except Rejected:
                return []
    return []


def _grids(content: bytes, suffix: str, feed: FileFeed) -> list[Grid]:
    if suffix == ".csv":
        return [csv_grid(content, feed.encoding, feed.delimiter)]
    return read_workbook(content, suffix, feed.sheet, feed.max_unpacked_bytes)


def _one_batch_per_series(parts: list[Extracted], source: str) -> Extracted:
    """The sheets of one file joined: one batch per series, every value and batch tagged with the file."""
    joined = Extracted()
    by_series: dict[str, list[CaseRecords]] = {}
    for part in parts:
        joined.values += [ValuePoint(v.series, v.data_time, v.value, source) for v in part.values]
        joined.accepted += part.accepted
        count_rejections(joined.rejected, part.rejected)
        count_rejections(joined.skipped, part.skipped)
        for batch in part.cases:
            by_series.setdefault(batch.series, []).append(batch)
    joined.cases = [replace(CaseRecords.join(batches), source=source) for batches in by_series.values()]
    return joined


def read_content(content: bytes, name: str, feed: FileFeed, data_time: datetime, tz: ZoneInfo) -> FileContent:
    """Everything usable in one file, or Rejected listing every problem found."""
    suffix = Path(name).suffix.lower()
    if suffix not in READABLE:
        raise Rejected([FileProblem("unsupported_type", detail=suffix or "(no extension)")])
    try:
        if suffix == ".json":
            document = json.loads(decode_body(content, None, feed.encoding).text)
            extracted = extract_json(feed.series, document, data_time, tz, keep_problems=True)
            problems = [FileProblem(p.reason, row=p.row + 1, column=p.column, value=p.value)
                        for p in extracted.problems]
            parts, skipped = [extracted], dict[str, int]()
        else:
            parts, problems, skipped = [], [], {}
            grids = _grids(content, suffix, feed)
            for grid in grids:
                try:
                    extracted, found, not_data = _sheet_content(grid, feed, data_time, tz, suffix != ".csv")
                except Rejected as rejection:   # go on: the report names the problems of every sheet
                    if len(grids) > 1 and all(p.reason == "empty_file" for p in rejection.problems):
                        continue                # an empty sheet beside others (next month's template)
                    problems += rejection.problems
                    continue
                parts.append(extracted)
                problems += found
                count_rejections(skipped, not_data)
    except FeedError as exc:
        if exc.category == "config":
            raise
        reason = "missing_column" if "not found" in str(exc) else "unreadable_file"
        raise Rejected([FileProblem(reason, detail=str(exc))]) from None
    except ValueError as exc:   # JSON syntax
        raise Rejected([FileProblem("unreadable_file", detail=str(exc))]) from None
    if problems:
        raise Rejected(problems)
    joined = _one_batch_per_series(parts, name)
    if joined.accepted == 0:
        raise Rejected([FileProblem("empty_file")])
    return FileContent(joined, skipped)


def _listed(folder: Path, feed: FileFeed) -> Iterator[Path]:
    """Names in the drop folder itself matching the pattern (never outside it, never its own files)."""
    for path in folder.glob(feed.pattern):
        if path.parent != folder or path.name.startswith((".", "~$")) or path.name.endswith(REPORT_SUFFIX):
            continue
        yield path


def _settled(folder: Path, feed: FileFeed) -> list[tuple[Path, os.stat_result, str | None]]:
    """Symlinks, and files old enough to have finished uploading, oldest first, each with the name it
    was submitted under when it is a filed file that changed since (else None). A file's age is read on
    the file system's clock, not the evaluation's (which a replay or a test may set anywhere)."""
    found = []
    refiled = [item for filed_in in (PROCESSED, REJECTED) for item in drop_ledger.changed_since_filed(folder / filed_in)]
    for path, source in [(p, None) for p in _listed(folder, feed)] + refiled:
        try:
            status = os.lstat(path)
        except FileNotFoundError:
            continue
        settled = time.time() - status.st_mtime >= feed.settle.total_seconds()
        if stat.S_ISLNK(status.st_mode) or (stat.S_ISREG(status.st_mode) and settled):   # a link is refused at once
            found.append((path, status, source))
    return sorted(found, key=lambda item: item[1].st_mtime)


def _refuse_symlink(path: Path, folder: Path, stamp: str, dry_run: bool, result: CollectionResult,
                    feed: FileFeed) -> None:
    """A symlink is never followed: its target is not read, and the report says only what it is."""
    count_rejections(result.rows_rejected, {"file_rejected": 1, "symlink": 1})
    log.warning("file_rejected", extra={"feed": feed.id, "file": path.name, "problems": 1, "reason": "symlink",
                                         "dry_run": dry_run})
    result.receipts.append(FileReceipt(feed.id, path.name, None, False, [FileProblem("symlink").zh()]))
    if not dry_run:
        file_rejected(path, folder, stamp, [FileProblem("symlink")])


def _read_claimed(claim: Claim, feed: FileFeed, context: FetchContext, result: CollectionResult,
                  reader: FileReader) -> None:
    name = claim.source
    data_time = datetime.fromtimestamp(claim.fingerprint.mtime_ns / 1e9, context.timezone)
    result.bytes_read += claim.fingerprint.size
    try:
        if claim.fingerprint.size > feed.max_bytes:
            raise Rejected([FileProblem("too_large",
                                        detail=f"{claim.fingerprint.size} bytes > max_bytes {feed.max_bytes}")])
        if context.dry_run:
            content = reader.read(claim.read(feed.max_bytes), name, feed, data_time, context.timezone)
        else:   # a read that crashes or outlives its deadline marks the file, which is then set aside
            with drop_suspects.reading(claim.path.parent, claim.path.name, claim.fingerprint.size,
                                       claim.fingerprint.mtime_ns):
                content = reader.read(claim.read(feed.max_bytes), name, feed, data_time, context.timezone)
    except Rejected as rejection:
        claim.problems = rejection.problems
        count_rejections(result.rows_rejected, {"file_rejected": 1})
        for problem in rejection.problems:
            count_rejections(result.rows_rejected, {problem.reason: 1})
        log.warning("file_rejected", extra={"feed": feed.id, "file": name, "problems": len(rejection.problems)})
        result.receipts.append(FileReceipt(feed.id, name, None, False, [p.zh() for p in rejection.problems]))
        return
    claim.problems = []
    result.receipts.append(FileReceipt(feed.id, name, None, True, series=sorted(
        {v.series for v in content.extracted.values} | {b.series for b in content.extracted.cases})))
    content.extracted.into(result)
    count_rejections(result.rows_skipped, content.skipped)
    log.info("file_accepted", extra={"feed": feed.id, "file": name, "rows": content.extracted.accepted,
                                     "footer_rows": content.skipped.get("footer", 0),
                                     "under_header_rows": content.skipped.get("under_header", 0)})


def _set_aside_suspects(folder: Path, feed: FileFeed, stamp: str, result: CollectionResult) -> set[str]:
    """Files that crashed or timed out an earlier read go to rejected/ unread (a dry run only skips
    them); the names skipped are returned."""
    skipped = set()
    for name, reason in drop_suspects.suspects(folder):
        skipped.add(name)
        count_rejections(result.rows_rejected, {"file_rejected": 1, reason: 1})
        log.warning("file_set_aside", extra={"feed": feed.id, "file": name, "reason": reason})
        try:
            claim = Claim.take(folder / name)
        except Unclaimable:   # another daemon holds it (it may be reading it now): left for later
            continue
        result.receipts.append(FileReceipt(feed.id, name, None, False, [FileProblem(reason).zh()]))
        try:
            filed = file_rejected(claim.path, folder, stamp, [FileProblem(reason)], name)
            if filed is not None:
                drop_ledger.record(folder / REJECTED, filed.name, name, claim.fingerprint.size,
                                   claim.fingerprint.mtime_ns)
            drop_suspects.forget(folder, name)
        finally:
            claim.release()
    return skipped


class Gate:
    """Hands a collection's claims from the worker thread to the caller, unless the caller gave up
    (a parse timeout): then the read under way is stopped (`FileReader`), the claims are released
    and the files stay for the next run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handover: DropHandover | None = None
        self._abandoned = False
        self.reader = FileReader()
        self.finished = threading.Event()   # the worker thread is done (read, stopped or failed)

    def deliver(self, handover: DropHandover) -> bool:
        with self._lock:
            if not self._abandoned:
                self._handover = handover
            return not self._abandoned

    def abandon(self) -> None:
        with self._lock:
            self._abandoned = True
            handover, self._handover = self._handover, None
        self.reader.stop()
        if handover is not None:
            handover.abandoned()


def collect_folder(feed: FileFeed, context: FetchContext, gate: Gate | None = None) -> CollectionResult:
    dry_run = context.dry_run
    folder = Path(feed.path)
    try:
        check_file_pattern(feed.pattern)
    except ValueError as exc:
        raise FeedError("config", str(exc)) from None
    if not folder.is_dir():
        raise FeedError("config", f"drop folder {folder} does not exist")
    if not feed.series:
        raise FeedError("config", f"feed {feed.id!r} has no series: nothing to collect")
    for own in (folder / PROCESSED, folder / REJECTED):
        if own.is_symlink() or (own.exists() and not own.is_dir()):
            raise FeedError("config", f"{own} is a link or not a folder: files would be moved out of the drop "
                                      "folder; remove it (it is made again)")
    result = CollectionResult(feed=feed.id, fetched_at=context.now, ok=True)
    handover = DropHandover(folder, context.now.strftime("%Y%m%dT%H%M%S"))
    reader = gate.reader if gate is not None else FileReader()
    if dry_run:
        suspect = {name for name, _ in drop_suspects.suspects(folder)}
    else:
        suspect = _set_aside_suspects(folder, feed, handover.stamp, result)
    try:
        for path, status, refiled_as in _settled(folder, feed):
            if reader.stopped:
                raise ReadStopped(path.name)
            if path.parent == folder and path.name in suspect:
                continue
            if stat.S_ISLNK(status.st_mode):
                _refuse_symlink(path, folder, handover.stamp, dry_run, result, feed)
                continue
            try:
                claim = Claim.take(path, refiled_as, path.parent.name if refiled_as is not None else None)
            except Unclaimable as why:
                log.info("file_skipped", extra={"feed": feed.id, "file": path.name, "reason": str(why)})
                continue
            handover.claims.append(claim)
            _read_claimed(claim, feed, context, result, reader)
    except BaseException:
        handover.abandoned()
        raise
    if dry_run or (gate is not None and not gate.deliver(handover)):
        handover.abandoned()
    else:
        result.handover = handover
    return result


class FileCollector(Collector[FileFeed]):
    kind: ClassVar[str] = "file"

    async def fetch(self, feed: FileFeed, context: FetchContext) -> CollectionResult:
        from collectors.runner import deadline_seconds  # the runner imports this module
        gate = Gate()

        def run() -> CollectionResult:
            try:
                return collect_folder(feed, context, gate)
            finally:
                gate.finished.set()
        started = time.monotonic()
        try:
            return await asyncio.to_thread(run)
        except asyncio.CancelledError:   # timed out or shut down: the read stops, the worker releases its claims
            timed_out = time.monotonic() - started >= deadline_seconds(feed) - 1.0
            if timed_out and not context.dry_run and Path(feed.path).is_dir():   # set aside next time
                # marked before the read is stopped: a stopped read takes its note away unless it is marked
                marked = drop_suspects.mark_timed_out(Path(feed.path))
                log.warning("file_read_timed_out", extra={"feed": feed.id, "files": ",".join(marked)})
            gate.abandon()
            raise
