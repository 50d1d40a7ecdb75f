"""What agencies sent: each accepted report's entries (value, 数据截至日期, 说明, 佐证) and a receipt per
file, accepted or rejected, report or case spreadsheet alike.

A corrected report for the same agency and period replaces the earlier one's entries (its values
too: the observations carry the source `report:<agency>:<period>`, which the store replaces).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Index, Text, delete
from sqlalchemy.engine import Engine
from sqlmodel import Column, Field, Session, SQLModel, col, select

from monitor import names
from monitor.reporting import FileReceipt
from monitor.store import _time_column


class ReportEntryRow(SQLModel, table=True):
    __tablename__ = names.TABLE_REPORT_ENTRY
    __table_args__ = (Index("ix_report_entry_agency_period", "agency", "period"),
                      Index("ix_report_entry_commitment", "commitment"))
    id: int | None = Field(default=None, primary_key=True)
    feed: str
    agency: str
    period: str                       # YYYY-MM
    commitment: str
    value: float
    as_of: str                        # 数据截至日期, ISO date
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    evidence: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    file: str
    received_at: datetime = _time_column()


class FileReceiptRow(SQLModel, table=True):
    __tablename__ = names.TABLE_FILE_RECEIPT
    __table_args__ = (Index("ix_file_receipt_received", "received_at"),)
    id: int | None = Field(default=None, primary_key=True)
    feed: str
    agency: str | None = None
    file: str
    period: str | None = None
    accepted: bool
    problems: str = Field(default="[]", sa_column=Column(Text, nullable=False))   # JSON list of Chinese lines
    received_at: datetime = _time_column()


def record(engine: Engine, receipts: Sequence[FileReceipt], received_at: datetime) -> None:
    """Store the receipts; an accepted report's entries replace those of the same agency and period."""
    with Session(engine) as session:
        for receipt in receipts:
            session.add(FileReceiptRow(feed=receipt.feed, agency=receipt.agency, file=receipt.file,
                                       period=receipt.period, accepted=receipt.accepted,
                                       problems=json.dumps(receipt.problems, ensure_ascii=False),
                                       received_at=received_at))
            if receipt.accepted and receipt.period is not None and receipt.agency is not None and receipt.entries:
                session.execute(delete(ReportEntryRow).where(col(ReportEntryRow.agency) == receipt.agency,
                                                             col(ReportEntryRow.period) == receipt.period,
                                                             col(ReportEntryRow.feed) == receipt.feed))
                for e in receipt.entries:
                    session.add(ReportEntryRow(feed=receipt.feed, agency=receipt.agency, period=receipt.period,
                                               commitment=e.commitment, value=e.value, as_of=e.as_of.isoformat(),
                                               note=e.note, evidence=e.evidence, file=receipt.file,
                                               received_at=received_at))
        session.commit()


def reported(engine: Engine, feed: str, period: str) -> set[str]:
    """The agencies whose report for the period was accepted."""
    with Session(engine) as session:
        return set(session.exec(select(ReportEntryRow.agency).where(
            col(ReportEntryRow.feed) == feed, col(ReportEntryRow.period) == period).distinct()).all())


def entries_of(engine: Engine, commitment: str, limit: int = 24) -> list[ReportEntryRow]:
    """A commitment's reported figures, newest period first (for its page's history)."""
    with Session(engine) as session:
        return list(session.exec(select(ReportEntryRow).where(col(ReportEntryRow.commitment) == commitment)
                                 .order_by(col(ReportEntryRow.period).desc()).limit(limit)).all())


def recent_rejections(engine: Engine, since: datetime) -> list[FileReceiptRow]:
    """Files rejected since `since`, newest first (for the board)."""
    with Session(engine) as session:
        return list(session.exec(select(FileReceiptRow).where(col(FileReceiptRow.accepted).is_(False),
                                                              col(FileReceiptRow.received_at) >= since)
                                 .order_by(col(FileReceiptRow.received_at).desc()).limit(50)).all())
