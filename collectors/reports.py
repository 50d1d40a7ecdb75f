"""The `reports` feed kind: agencies' progress reports, one filled template per agency and period.

Reports arrive in `path`/<agency id>/ — dropped there by the agency, or written there by the upload
page — and are read like any dropped file (claimed, read bounded, filed to processed/ or
rejected/ once the store has committed). Each is checked against the catalogue
(collectors/report_intake.py) and accepted or rejected whole. An accepted report's figures become
observations of each commitment's series dated by their 数据截至日期, with the source
`report:<agency>:<period>`, so a corrected report for the same period replaces the earlier one.
Every file read leaves a receipt (monitor.reporting.FileReceipt) that the daemon mails.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import time as clock
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import ClassVar

from collectors import drop_suspects
from collectors.base import Collector, FeedError, FetchContext
from collectors.drop_claim import PROCESSED, REJECTED, REPORT_SUFFIX, Claim, DropHandover, Unclaimable
from collectors.drop_report import FileProblem, Rejected
from collectors.file_drop import Gate
from collectors.records import count_rejections
from collectors.report_intake import ReportRejected, read_report
from monitor.model import Catalogue
from monitor.observations import CollectionResult, ValuePoint
from monitor.reporting import Entry, FileReceipt, Period, reporting_agencies
from monitor.spec.feeds import ReportsFeed

log = logging.getLogger("monitor.collect.reports")
UPLOAD_PREFIX = "upload-"   # files the upload page writes: upload-<period>-<stamp>.xlsx


def source_of(agency: str, period: Period | str) -> str:
    """The observations' source: one per agency and period, so a corrected report replaces the earlier."""
    return f"report:{agency}:{period}"


def agency_folder(feed: ReportsFeed, agency: str) -> Path:
    return Path(feed.path) / agency


def upload_period(name: str) -> Period | None:
    """The period an upload was made for (its link's), from the name the upload page gave it."""
    if not name.startswith(UPLOAD_PREFIX):
        return None
    try:
        return Period.parse(name[len(UPLOAD_PREFIX):len(UPLOAD_PREFIX) + 7])
    except ValueError:
        return None


@dataclass
class Handovers:
    """The drop handovers of every agency folder read in one collection."""

    parts: list[DropHandover] = field(default_factory=list)

    def committed(self) -> None:
        for part in self.parts:
            part.committed()

    def abandoned(self) -> None:
        for part in self.parts:
            part.abandoned()


def _settled(folder: Path, feed: ReportsFeed, now: datetime) -> list[tuple[Path, os.stat_result]]:
    found = []
    for path in folder.iterdir():
        if path.name.startswith((".", "~$")) or path.name.endswith(REPORT_SUFFIX) or path.name in (PROCESSED, REJECTED):
            continue
        try:
            status = os.lstat(path)
        except FileNotFoundError:
            continue
        if stat.S_ISREG(status.st_mode) and now.timestamp() - status.st_mtime >= feed.settle.total_seconds():
            found.append((path, status))
    return sorted(found, key=lambda item: item[1].st_mtime)


def _read_one(claim: Claim, catalogue: Catalogue, feed: ReportsFeed, agency: str, context: FetchContext,
              result: CollectionResult) -> None:
    name = claim.source
    result.bytes_read += claim.fingerprint.size
    receipt = FileReceipt(feed=feed.id, file=name, agency=agency, accepted=False)
    try:
        if claim.fingerprint.size > feed.max_bytes:
            raise Rejected([FileProblem("too_large", detail=f"{claim.fingerprint.size} > {feed.max_bytes} bytes")])
        content = claim.read(feed.max_bytes)
        with drop_suspects.reading(claim.path.parent, claim.path.name, claim.fingerprint.size,
                                   claim.fingerprint.mtime_ns) if not context.dry_run else nullcontext():
            intake = read_report(content, name, catalogue, feed, agency, context.now, upload_period(name))
    except ReportRejected as rejection:
        claim.problems = rejection.problems
        receipt.problems = [p.text() for p in rejection.intake.problems]
        receipt.period = str(rejection.intake.period) if rejection.intake.period else None
    except Rejected as rejection:   # unreadable, too large: said as the drop folder says it
        claim.problems = rejection.problems
        receipt.problems = [p.zh() for p in rejection.problems]
    else:
        claim.problems = []
        assert intake.period is not None
        receipt.accepted, receipt.period = True, str(intake.period)
        receipt.entries = [Entry(e.commitment, e.value, e.as_of, e.note, e.evidence) for e in intake.entries]
        tz = catalogue.calendar_zone
        for e in intake.entries:
            series = catalogue.commitments[e.commitment].measure.series
            result.values.append(ValuePoint(series, datetime.combine(e.as_of, time.min, tz), e.value,
                                            source_of(agency, intake.period)))
        result.rows_accepted += len(intake.entries)
    if not receipt.accepted:
        count_rejections(result.rows_rejected, {"file_rejected": 1})
    result.receipts.append(receipt)
    log.log(logging.INFO if receipt.accepted else logging.WARNING,
            "report_accepted" if receipt.accepted else "report_rejected",
            extra={"feed": feed.id, "agency": agency, "file": name, "period": receipt.period or "-",
                   "problems": len(receipt.problems)})


def collect_reports(feed: ReportsFeed, context: FetchContext, gate: Gate | None = None) -> CollectionResult:
    catalogue = context.catalogue
    if catalogue is None:
        raise FeedError("config", f"feed {feed.id!r}: reports are checked against the catalogue, which was not given")
    result = CollectionResult(feed=feed.id, fetched_at=context.now, ok=True)
    handovers = Handovers()
    stamp = context.now.strftime("%Y%m%dT%H%M%S")
    try:
        for agency in reporting_agencies(catalogue, feed.id):
            folder = agency_folder(feed, agency)
            if not folder.is_dir():
                if context.dry_run:
                    continue
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:   # e.g. a file where the folder should be: the volume is set up wrong
                    raise FeedError("config", f"report folder {folder} cannot be made: {exc.strerror}") from None
            handover = DropHandover(folder, stamp)
            handovers.parts.append(handover)
            suspects = dict(drop_suspects.suspects(folder))
            for path, _ in _settled(folder, feed, context.now):
                try:
                    claim = Claim.take(path)
                except Unclaimable as why:
                    log.info("file_skipped", extra={"feed": feed.id, "file": path.name, "reason": str(why)})
                    continue
                handover.claims.append(claim)
                if path.name in suspects:   # it crashed or timed out an earlier read: set aside unread
                    claim.problems = [FileProblem(suspects[path.name])]
                    result.receipts.append(FileReceipt(feed.id, path.name, agency, False,
                                                       [claim.problems[0].zh()]))
                    count_rejections(result.rows_rejected, {"file_rejected": 1, suspects[path.name]: 1})
                    if not context.dry_run:
                        drop_suspects.forget(folder, path.name)
                    continue
                _read_one(claim, catalogue, feed, agency, context, result)
    except BaseException:
        handovers.abandoned()
        raise
    if context.dry_run or (gate is not None and not gate.deliver(handovers)):  # type: ignore[arg-type]
        handovers.abandoned()
    else:
        result.handover = handovers
    return result


class ReportsCollector(Collector[ReportsFeed]):
    kind: ClassVar[str] = "reports"

    async def fetch(self, feed: ReportsFeed, context: FetchContext) -> CollectionResult:
        from collectors.runner import deadline_seconds  # the runner imports this module
        gate = Gate()
        started = clock.monotonic()
        try:
            return await asyncio.to_thread(collect_reports, feed, context, gate)
        except asyncio.CancelledError:
            gate.abandon()
            if clock.monotonic() - started >= deadline_seconds(feed) - 1.0 and not context.dry_run:
                root = Path(feed.path)   # what was being read is set aside next time
                for folder in (root.iterdir() if root.is_dir() else []):
                    if folder.is_dir():
                        drop_suspects.mark_timed_out(folder)
            raise
