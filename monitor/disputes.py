"""Disputes: an agency's objection to a verdict, stored until the operators answer it.

An agency files a dispute through a signed link (monitor/service/disputes/); it names the figure
it disputes, says why, and may attach evidence (a file kept beside the database, or a link). An
open dispute shows on the commitment's page as 有异议·处理中 and pauses the repeat mails about
that commitment (alerts/grouping.py); `monitor disputes resolve` answers it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Index, Text, update
from sqlalchemy.engine import Engine
from sqlmodel import Column, Field, Session, SQLModel, col, select

from monitor import names
from monitor.store import UTCDateTime, _time_column

OPEN, RESOLVED = "open", "resolved"
# the figure an agency disputes: what each choice is called on the form, the page and in mails
FIGURES = {"actual": "当前实际值", "cases": "统计的案件数", "target": "承诺目标的理解（评估口径）", "other": "其他"}


class Dispute(SQLModel, table=True):
    __tablename__ = names.TABLE_DISPUTE
    __table_args__ = (Index("ix_dispute_commitment_state", "commitment", "state"),)
    id: int | None = Field(default=None, primary_key=True)
    commitment: str
    agency: str                               # the agency the signed link was made for
    figure: str                               # a key of FIGURES
    reason: str = Field(sa_column=Column(Text, nullable=False))
    evidence_link: str | None = None
    evidence_name: str | None = None          # the file's name as the agency sent it
    evidence_file: str | None = None          # the stored file, inside the evidence folder
    evidence_bytes: int | None = None
    verdict_status: str | None = None         # the verdict disputed, as it stood when filed
    verdict_actual: float | None = None
    verdict_evaluated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    client: str = ""                          # the filer's address
    created_at: datetime = _time_column(index=True)
    state: str = OPEN
    reply: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


@dataclass(frozen=True)
class NewDispute:
    """What a valid form says, with the verdict it disputes."""
    commitment: str
    agency: str
    figure: str
    reason: str
    evidence_link: str | None = None
    evidence_name: str | None = None
    evidence_file: str | None = None
    evidence_bytes: int | None = None
    verdict_status: str | None = None
    verdict_actual: float | None = None
    verdict_evaluated_at: datetime | None = None
    client: str = ""


class DisputeNotFound(Exception):
    pass


class DisputeClosed(Exception):
    pass


class Disputes:
    """The dispute table's reads and writes."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, session: Session, new: NewDispute, now: datetime) -> Dispute:
        """Add the dispute in the caller's session (which commits it with what else it writes)."""
        row = Dispute(**{k: getattr(new, k) for k in NewDispute.__dataclass_fields__}, created_at=now)
        session.add(row)
        session.flush()
        return row

    def get(self, dispute_id: int) -> Dispute | None:
        with Session(self.engine) as session:
            return session.get(Dispute, dispute_id)

    def listing(self, only_open: bool = True) -> list[Dispute]:
        with Session(self.engine) as session:
            query = select(Dispute).order_by(col(Dispute.id))
            if only_open:
                query = query.where(col(Dispute.state) == OPEN)
            return list(session.exec(query).all())

    def of_commitment(self, commitment: str, limit: int = 20) -> list[Dispute]:
        """The commitment's disputes, open ones first, then the newest answered."""
        with Session(self.engine) as session:
            rows = session.exec(select(Dispute).where(col(Dispute.commitment) == commitment)
                                .order_by(col(Dispute.id).desc()).limit(limit)).all()
        return sorted(rows, key=lambda d: (d.state != OPEN, -(d.id or 0)))

    def resolve(self, session: Session, dispute_id: int, reply: str, now: datetime) -> Dispute:
        """Answer an open dispute (one conditional UPDATE: two operators cannot both answer it)."""
        row = session.get(Dispute, dispute_id)
        if row is None:
            raise DisputeNotFound(dispute_id)
        done = session.exec(update(Dispute).where(col(Dispute.id) == dispute_id, col(Dispute.state) == OPEN)
                            .values(state=RESOLVED, reply=reply, resolved_at=now)).rowcount
        if not done:
            raise DisputeClosed(dispute_id)
        session.refresh(row)
        return row


def open_commitments(session: Session, commitments: Sequence[str] | None = None) -> frozenset[str]:
    """The commitments with an open dispute (of `commitments`, or all)."""
    query = select(Dispute.commitment).where(col(Dispute.state) == OPEN).distinct()
    if commitments is not None:
        query = query.where(col(Dispute.commitment).in_(list(commitments)))
    return frozenset(session.exec(query).all())
