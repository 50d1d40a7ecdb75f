"""Feed leases: several `monitor run` replicas on one database share the feeds, each feed collected
by one replica at a time.

A lease is a row (feed, holder, expires_at). A replica takes or renews it with one conditional
UPDATE (it holds the lease already, or the lease has expired), inserting the row the first time;
the database serialises competing UPDATEs on the row, so exactly one replica wins. A replica that
dies stops renewing, and the next replica whose job fires after `expires_at` takes the feed: a
killed replica's feeds move within one lease period plus one feed interval. No home-made
consensus: the database's row locking is the only arbiter.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import String, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from monitor import names
from monitor.store import _time_column


class FeedLease(SQLModel, table=True):
    __tablename__ = names.TABLE_FEED_LEASE
    feed: str = Field(primary_key=True, sa_type=String)
    holder: str
    expires_at: datetime = _time_column()


def replica_id() -> str:
    """host:pid:random, unique per process (a restarted replica is a new holder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class FeedLeases:
    def __init__(self, engine: Engine, holder: str, period: timedelta):
        self.engine = engine
        self.holder = holder
        self.period = period   # the table comes from the migrations (revision 0004)

    def acquire(self, feed: str, now: datetime) -> bool:
        """Take or renew the lease on `feed` until now + period; False when another replica holds it."""
        table = SQLModel.metadata.tables[names.TABLE_FEED_LEASE]
        with Session(self.engine) as session:
            taken = session.connection().execute(
                update(table).where(table.c.feed == feed,
                                    (table.c.holder == self.holder) | (table.c.expires_at < now))
                .values(holder=self.holder, expires_at=now + self.period)).rowcount
            session.commit()
            if taken:
                return True
            try:   # nobody has ever held it: the first to insert wins
                session.add(FeedLease(feed=feed, holder=self.holder, expires_at=now + self.period))
                session.commit()
                return True
            except IntegrityError:
                session.rollback()
                return False

    def release(self, feeds: list[str]) -> None:
        """Give the leases up at a clean stop, so the others need not wait for them to expire."""
        if not feeds:
            return
        table = SQLModel.metadata.tables[names.TABLE_FEED_LEASE]
        with Session(self.engine) as session:
            session.execute(update(table).where(table.c.feed.in_(feeds), table.c.holder == self.holder)
                            .values(expires_at=datetime(1970, 1, 1, tzinfo=timezone.utc)))
            session.commit()

    def holders(self) -> dict[str, str]:
        with Session(self.engine) as session:
            return dict(session.execute(select(FeedLease.feed, FeedLease.holder)).all())

