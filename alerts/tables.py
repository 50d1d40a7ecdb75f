"""The alert tables: state per commitment, transition history, outbox, delivery attempts, silences.

They are created and upgraded by the migrations in `monitor.migrations`, like every table of the
database, which whoever opens it runs (the service's open_store and open_database, the outbox
worker); importing this module creates nothing. A change here needs a revision there
(tests/test_migrations.py fails until it has one).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, Text
from sqlmodel import Column, Field, SQLModel

from monitor import names
from monitor.store import EvaluationFields, UTCDateTime

# Notification states.
PENDING, SENDING, SENT, FAILED, SILENCED = "pending", "sending", "sent", "failed", "silenced"


def _time(index: bool = False, nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), index=index, nullable=nullable))


def _text() -> Any:
    return Field(default="", sa_column=Column(Text, nullable=False, default=""))


class AlertState(EvaluationFields, table=True):
    """One alert per commitment and kind: `target` (at_risk/missed, to agencies), `data` (no_data/error, to operators).

    It carries the latest verdict it saw in the store's verdict columns (EvaluationFields)."""

    __tablename__ = names.TABLE_ALERT_STATE
    commitment: str = Field(primary_key=True)
    alert: str = Field(primary_key=True)
    state: str = "inactive"                 # inactive, pending, firing, resolved
    severity: str | None = None             # warning (at_risk), critical (missed), data
    status: str = ""                        # the latest evaluation status
    evaluated_at: datetime | None = _time()
    active_since: datetime | None = _time()
    consecutive: int = 0
    last_bad_at: datetime | None = _time()
    fired_at: datetime | None = _time()
    resolved_at: datetime | None = _time()
    announced: str = ""                     # what the receivers were last told: firing:<severity>, resolved
    announced_at: datetime | None = _time()


class AlertOnboarding(SQLModel, table=True):
    """When the monitor first judged a commitment on data, and whether that verdict was already settled.

    A verdict settled before the monitor first judged it is history, not an alert: no alert state is
    made for it, and its lead agency gets one onboarding summary (summarised_at: when it was queued)."""

    __tablename__ = names.TABLE_ALERT_ONBOARDING
    commitment: str = Field(primary_key=True)
    first_at: datetime = _time(nullable=False)
    settled_status: str | None = None       # the settled status found at the start (met, missed); None: not settled
    settled_on: date | None = None
    agency: str | None = None               # the lead agency then, for the summary
    summarised_at: datetime | None = _time()


class AlertTransition(SQLModel, table=True):
    __tablename__ = names.TABLE_ALERT_TRANSITION
    __table_args__ = (Index("ix_alert_transition_commitment_at", "commitment", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    commitment: str
    alert: str
    at: datetime = _time(nullable=False)
    from_state: str
    to_state: str
    severity: str | None = None
    status: str = ""
    actual: float | None = None
    reason: str = ""


class AlertGroup(SQLModel, table=True):
    """Per receiver group (an agency, the operators, the digest): when changes started waiting, when sent."""

    __tablename__ = names.TABLE_ALERT_GROUP
    key: str = Field(primary_key=True)
    first_change_at: datetime | None = _time()
    last_sent_at: datetime | None = _time()
    cursor: int = 0                         # digest: the last transition id included


class Notification(SQLModel, table=True):
    """One message to one receiver over one channel; stored before it is sent (the outbox)."""

    __tablename__ = names.TABLE_NOTIFICATION
    __table_args__ = (Index("ix_notification_state_due", "state", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = _time(nullable=False)
    group_key: str
    kind: str                               # alert, operators, digest, test
    channel: str                            # email, webhook, alertmanager
    target: str = ""                        # webhook id or Alertmanager URL; empty for e-mail
    to_addrs: str = _text()                 # JSON lists
    cc_addrs: str = _text()
    bcc_addrs: str = _text()
    subject: str = _text()
    body_text: str = _text()
    body_html: str = _text()
    payload: str = _text()                  # JSON body for webhook / Alertmanager
    attachments: str | None = Field(default=None, sa_column=Column(Text, nullable=True))   # JSON [{filename, content_type, base64}]
    message_id: str = ""
    commitments: str = _text()              # space-separated ids, for history queries
    state: str = PENDING
    attempts: int = 0
    due_at: datetime = _time(nullable=False)
    claim_token: str | None = Field(default=None, index=True)
    claimed_by: str | None = None
    lease_until: datetime | None = _time()
    sent_at: datetime | None = _time()
    last_error: str | None = None


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = names.TABLE_DELIVERY_ATTEMPT
    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(index=True)
    at: datetime = _time(nullable=False)
    worker: str
    transport: str                          # smtp, maildir, webhook, alertmanager
    outcome: str                            # sent, transient, permanent
    error: str | None = None
    duration_seconds: float = 0.0


class Silence(SQLModel, table=True):
    __tablename__ = names.TABLE_SILENCE
    id: int | None = Field(default=None, primary_key=True)
    commitment: str | None = None
    agency: str | None = None
    starts_at: datetime = _time(nullable=False)
    ends_at: datetime = _time(nullable=False)
    comment: str = ""
    created_by: str = ""
    created_at: datetime = _time(nullable=False)
