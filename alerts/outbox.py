"""The durable outbox: rows are written before anything is sent, claimed with one conditional
UPDATE, sent, and settled with the attempt recorded — so a restart resumes and two senders on one
database never send the same row.

A claim sets state=sending with a lease. While a sender works through its batch it renews the
lease of the rows it still holds (a heartbeat every third of the lease), and just before sending
each row it checks, with a conditional UPDATE, that the row is still its own; so a slow server
that outlasts the lease never makes two senders send one row. A sender that dies leaves its rows
to be reclaimed when the lease runs out; the one unavoidable duplicate is a crash after the server
accepted a message and before the row was settled (milliseconds), which the stable Message-ID
lets mail clients fold.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from alerts.notifiers import DeliveryError, Notifier
from alerts.settings import AlertSettings
from alerts.tables import FAILED, PENDING, SENDING, SENT, DeliveryAttempt, Notification
from alerts.tally import DeliveryTally

log = logging.getLogger("monitor.alerts.outbox")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def new_notification(now: datetime, **fields: Any) -> Notification:
    """A pending notification with a stable Message-ID; lists given as Python lists."""
    for column in ("to_addrs", "cc_addrs", "bcc_addrs"):
        fields[column] = json.dumps(fields.get(column) or [], ensure_ascii=False)
    fields.setdefault("state", PENDING)
    return Notification(created_at=now, due_at=now, message_id=f"<{uuid.uuid4().hex}@commitment-monitor>",
                        **fields)


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(and_(col(Notification.state) == PENDING, col(Notification.due_at) <= now),
               and_(col(Notification.state) == SENDING, col(Notification.lease_until) < now))


class Outbox:
    def __init__(self, engine: Engine, settings: AlertSettings, worker: str | None = None):
        self.engine = engine
        self.settings = settings
        self.worker = worker or worker_name()
        self.tally = DeliveryTally()   # what this sender delivered or gave up on, for the counters

    def claim(self, now: datetime, limit: int | None = None, only: int | None = None) -> list[Notification]:
        """Claim due rows (and rows whose sender's lease ran out) with one conditional UPDATE."""
        token = uuid.uuid4().hex
        limit = limit or self.settings.outbox_batch
        candidates = select(Notification.id).where(_claimable(now))
        if only is not None:
            candidates = candidates.where(Notification.id == only)
        candidates = (candidates
                      .order_by(col(Notification.due_at), col(Notification.id)).limit(limit))
        lease = now + timedelta(seconds=self.settings.outbox_lease_seconds)
        with Session(self.engine) as session:
            session.exec(update(Notification)
                         .where(col(Notification.id).in_(candidates.scalar_subquery()), _claimable(now))
                         .values(state=SENDING, claim_token=token, claimed_by=self.worker, lease_until=lease,
                                 attempts=Notification.attempts + 1))
            session.commit()
            rows = list(session.exec(select(Notification).where(Notification.claim_token == token)
                                     .order_by(col(Notification.id))).all())
        return rows

    def settle(self, notification: Notification, transport: str, error: DeliveryError | None,
               now: datetime, duration: float) -> str:
        """Record the attempt and the row's new state, only if this sender still holds the claim."""
        if error is None:
            outcome, values = SENT, dict(state=SENT, sent_at=now, last_error=None)
        elif error.transient and notification.attempts < self.settings.outbox_max_attempts:
            delay = min(self.settings.outbox_backoff_seconds * 2 ** (notification.attempts - 1),
                        self.settings.outbox_backoff_max_seconds)
            outcome, values = "transient", dict(state=PENDING, due_at=now + timedelta(seconds=delay),
                                                last_error=str(error))
        else:
            reason = str(error) if not error.transient else f"gave up after {notification.attempts} attempts: {error}"
            outcome, values = "permanent", dict(state=FAILED, last_error=reason)
        with Session(self.engine) as session:
            assert notification.id is not None   # a row read back from the table
            session.add(DeliveryAttempt(notification_id=notification.id, at=now, worker=self.worker,
                                        transport=transport, outcome=outcome if error else "sent",
                                        error=str(error) if error else None, duration_seconds=duration))
            session.exec(update(Notification)
                         .where(col(Notification.id) == notification.id, col(Notification.claim_token) == notification.claim_token)
                         .values(claim_token=None, lease_until=None, **values))
            session.commit()
        if error is None or outcome == "permanent":
            self.tally.add(SENT if error is None else FAILED, notification.channel)
        log.info(f"notification_{outcome if error else 'sent'}", extra={
            "id": notification.id, "channel": notification.channel, "transport": transport,
            "attempts": notification.attempts, **({"error": str(error)} if error else {})})
        return outcome if error else SENT

    def renew(self, token: str, now: datetime, only: int | None = None) -> int:
        """Extend the lease of the rows this sender still holds under `token`; how many it holds."""
        lease = now + timedelta(seconds=self.settings.outbox_lease_seconds)
        condition = [col(Notification.claim_token) == token, col(Notification.state) == SENDING]
        if only is not None:
            condition.append(col(Notification.id) == only)
        with Session(self.engine) as session:
            held = session.exec(update(Notification).where(*condition).values(lease_until=lease)).rowcount
            session.commit()
        return held

    async def _heartbeat(self, token: str, clock: Callable[[], datetime]) -> None:
        interval = max(self.settings.outbox_lease_seconds / 3, 0.01)
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(self.renew, token, clock())
            except Exception:  # noqa: BLE001 - the check before each send still guards against duplicates
                log.warning("outbox_lease_renewal_failed", extra={"worker": self.worker}, exc_info=True)

    async def deliver(self, now: datetime, notifiers: Mapping[str, Notifier], only: int | None = None) -> int:
        """Claim what is due, send it one by one (each settled at once), return how many were sent."""
        started = time.perf_counter()

        def clock() -> datetime:   # `now` advanced by the time spent here, so injected clocks stay coherent
            return now + timedelta(seconds=time.perf_counter() - started)

        claimed = self.claim(now, only=only)
        if not claimed:
            return 0
        token = claimed[0].claim_token
        assert token is not None   # every claimed row carries the claim's token
        heartbeat = asyncio.create_task(self._heartbeat(token, clock))
        try:
            return await self._send_claimed(claimed, notifiers, now, clock)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _send_claimed(self, claimed: list[Notification], notifiers: Mapping[str, Notifier], now: datetime,
                            clock: Callable[[], datetime]) -> int:
        sent = 0
        for notification in claimed:
            assert notification.claim_token is not None
            if not await asyncio.to_thread(self.renew, notification.claim_token, clock(), notification.id):
                log.warning("notification_claim_lost", extra={"id": notification.id, "worker": self.worker})
                continue   # another sender took it over after our lease ran out: it sends, we do not
            notifier = notifiers.get(notification.channel)
            started = time.perf_counter()
            error: DeliveryError | None = None
            if notifier is None:
                error = DeliveryError(f"no notifier for channel {notification.channel!r}", transient=False)
            else:
                try:
                    await notifier.send(notification)
                except DeliveryError as exc:
                    error = exc
                except Exception as exc:   # a notifier bug must not stop the other rows
                    log.exception("notifier_bug", extra={"id": notification.id})
                    error = DeliveryError(f"{type(exc).__name__}: {exc}", transient=True)
            transport = notifier.transport if notifier else "none"
            if self.settle(notification, transport, error, now, time.perf_counter() - started) == SENT:
                sent += 1
        return sent


def outbox_stats(engine: Engine) -> dict[str, dict[str, int]]:
    """Counts by state and channel: {"pending": {"email": 3}, "sent": {...}, ...} (for the exporter)."""
    with Session(engine) as session:
        rows = session.exec(select(Notification.state, Notification.channel, func.count())
                            .group_by(Notification.state, Notification.channel)).all()
    stats: dict[str, dict[str, int]] = {}
    for state, channel, count in rows:
        stats.setdefault(state, {})[channel] = count
    return stats
