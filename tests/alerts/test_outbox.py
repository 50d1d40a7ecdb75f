"""The outbox: claimed once, retried on transient failures with backoff, failed at once on permanent ones."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta
from typing import ClassVar

import pytest
from sqlmodel import Session, col, select

from alerts.notifiers import DeliveryError
from alerts.outbox import Outbox, new_notification
from alerts.tables import FAILED, PENDING, SENDING, SENT, DeliveryAttempt, Notification
from tests.alerts.alert_helpers import T0


class Recorder:
    transport: ClassVar[str] = "recorder"

    def __init__(self, *failures: DeliveryError):
        self.failures = list(failures)
        self.sent: list[int] = []

    async def send(self, notification: Notification) -> None:
        if self.failures:
            raise self.failures.pop(0)
        assert notification.id is not None   # a row from the outbox
        self.sent.append(notification.id)


def queue(engine, count: int = 1, **fields) -> list[int]:
    with Session(engine) as session:
        rows = [new_notification(T0, group_key="agency:x", kind="alert", channel="email",
                                 to_addrs=fields.get("to", ["a@example.org"]), subject="s", body_text="t")
                for _ in range(count)]
        session.add_all(rows)
        session.commit()
        return [r.id for r in rows if r.id is not None]


def row(engine, notification_id: int) -> Notification:
    with Session(engine) as session:
        found = session.get(Notification, notification_id)
        assert found is not None
        return found


def test_a_claimed_row_is_not_claimed_again_by_another_sender(engine, settings):
    queue(engine, 3)
    first, second = Outbox(engine, settings, "one"), Outbox(engine, settings, "two")
    assert len(first.claim(T0)) == 3
    assert second.claim(T0) == []


def test_a_row_whose_sender_died_is_reclaimed_after_its_lease(engine, settings):
    [nid] = queue(engine)
    Outbox(engine, settings, "dead").claim(T0)
    survivor = Outbox(engine, settings, "alive")
    assert survivor.claim(T0 + timedelta(seconds=settings.outbox_lease_seconds - 1)) == []
    [claimed] = survivor.claim(T0 + timedelta(seconds=settings.outbox_lease_seconds + 1))
    assert claimed.id == nid and claimed.claimed_by == "alive" and claimed.attempts == 2


def test_transient_failure_is_retried_with_backoff_and_sent_once(engine, settings):
    [nid] = queue(engine)
    outbox, notifier = Outbox(engine, settings), Recorder(DeliveryError("connection refused", transient=True),
                                                          DeliveryError("421 try later", transient=True))
    assert asyncio.run(outbox.deliver(T0, {"email": notifier})) == 0
    first_retry = row(engine, nid).due_at
    assert row(engine, nid).state == PENDING and first_retry == T0 + timedelta(seconds=settings.outbox_backoff_seconds)
    assert asyncio.run(outbox.deliver(T0 + timedelta(seconds=5), {"email": notifier})) == 0   # not due yet
    asyncio.run(outbox.deliver(first_retry, {"email": notifier}))
    assert row(engine, nid).due_at == first_retry + timedelta(seconds=2 * settings.outbox_backoff_seconds)
    asyncio.run(outbox.deliver(T0 + timedelta(hours=1), {"email": notifier}))
    assert row(engine, nid).state == SENT and notifier.sent == [nid]
    with Session(engine) as session:
        outcomes = [a.outcome for a in session.exec(select(DeliveryAttempt).order_by(col(DeliveryAttempt.id))).all()]
    assert outcomes == ["transient", "transient", "sent"]


def test_permanent_failure_is_recorded_at_once(engine, settings):
    [nid] = queue(engine)
    notifier = Recorder(DeliveryError("550 no such user", transient=False))
    asyncio.run(Outbox(engine, settings).deliver(T0, {"email": notifier}))
    failed = row(engine, nid)
    assert failed.last_error is not None
    assert failed.state == FAILED and "550" in failed.last_error and failed.attempts == 1


def test_transient_failures_give_up_after_max_attempts(engine, settings):
    settings = settings.model_copy(update={"outbox_max_attempts": 2})
    [nid] = queue(engine)
    notifier = Recorder(*[DeliveryError("timeout", transient=True)] * 5)
    outbox = Outbox(engine, settings)
    asyncio.run(outbox.deliver(T0, {"email": notifier}))
    asyncio.run(outbox.deliver(T0 + timedelta(hours=1), {"email": notifier}))
    failed = row(engine, nid)
    assert failed.last_error is not None
    assert failed.state == FAILED and "gave up after 2 attempts" in failed.last_error


def test_bad_address_is_a_permanent_failure_of_the_maildir_and_smtp_senders(engine, settings, pipeline):
    [nid] = queue(engine, to=["not an address"])
    asyncio.run(pipeline.deliver_due(T0))
    failed = row(engine, nid)
    assert failed.last_error is not None
    assert failed.state == FAILED and "bad address" in failed.last_error


@pytest.mark.parametrize("entry", ["a@x.example>, b@y.example", "a@x.example\r\nBcc: c@z.example"])
def test_an_entry_hiding_two_addresses_or_a_line_break_fails_at_once_and_reaches_nobody(engine, pipeline, entry):
    [nid] = queue(engine, to=[entry])
    asyncio.run(pipeline.deliver_due(T0))
    failed = row(engine, nid)
    assert failed.last_error is not None
    assert failed.state == FAILED and failed.attempts == 1 and "bad address" in failed.last_error


def test_a_stale_sender_cannot_settle_a_row_another_sender_reclaimed(engine, settings):
    [nid] = queue(engine)
    slow = Outbox(engine, settings, "slow")
    [mine] = slow.claim(T0)
    later = T0 + timedelta(seconds=settings.outbox_lease_seconds + 1)
    [theirs] = Outbox(engine, settings, "fast").claim(later)
    slow.settle(mine, "recorder", DeliveryError("boom", transient=True), later, 0.0)
    assert row(engine, nid).state == SENDING and row(engine, nid).claimed_by == "fast"


class SlowRecorder(Recorder):
    """A slow SMTP server: each message takes `seconds`."""

    def __init__(self, seconds: float, on_send=None):
        super().__init__()
        self.seconds, self.on_send = seconds, on_send

    async def send(self, notification: Notification) -> None:
        if self.on_send:
            self.on_send(notification)
        await asyncio.sleep(self.seconds)
        assert notification.id is not None
        self.sent.append(notification.id)


def test_two_senders_never_send_one_row_twice_when_sending_outlasts_the_lease(engine, settings):
    ids = queue(engine, 6)
    short = settings.model_copy(update={"outbox_lease_seconds": 0.3})
    first, second = Outbox(engine, short, "one"), Outbox(engine, short, "two")
    slow, other = SlowRecorder(0.15), SlowRecorder(0.0)

    async def race() -> None:
        from datetime import datetime
        task = asyncio.create_task(first.deliver(datetime.now(UTC), {"email": slow}))
        for _ in range(8):   # the second sender polls while the first is still busy (0.9 s in all)
            await asyncio.sleep(0.1)
            await second.deliver(datetime.now(UTC), {"email": other})
        await task

    asyncio.run(race())
    assert sorted(slow.sent + other.sent) == ids   # every row sent exactly once
    assert other.sent == []                         # the busy sender kept its lease alive


def test_a_row_taken_over_by_another_sender_is_skipped(engine, settings):
    ids = queue(engine, 3)
    outbox = Outbox(engine, settings, "one")

    def steal_the_next_row(notification: Notification) -> None:
        if notification.id == ids[0]:   # while the first row is sent, another sender takes the second
            with Session(engine) as session:
                stolen = session.get(Notification, ids[1])
                assert stolen is not None
                stolen.claim_token, stolen.claimed_by = "someone-else", "two"
                session.add(stolen)
                session.commit()

    notifier = SlowRecorder(0.0, steal_the_next_row)
    assert asyncio.run(outbox.deliver(T0, {"email": notifier})) == 2
    assert notifier.sent == [ids[0], ids[2]]
    assert row(engine, ids[1]).state == SENDING and row(engine, ids[1]).claimed_by == "two"
