"""Feed leases: several `monitor run` replicas on one database share the feeds, each feed collected
by one replica at a time.

A lease is a row (feed, holder, expires_at). A replica takes or renews it with one conditional
UPDATE (it holds the lease already, or the lease has expired), inserting the row the first time;
the database serialises competing UPDATEs on the row, so exactly one replica wins. A replica that
dies stops renewing, and the next replica whose job fires after `expires_at` takes the feed: a
killed replica's feeds move within one lease period plus one feed interval. No home-made
consensus: the database's row locking is the only arbiter.

Sharing: each replica also keeps a row in `replica` alive (renewed with its leases), so each knows
how many replicas are alive and takes no more than its fair share, ceil(feeds / replicas), of the
feeds; one holding more gives the surplus back. Without it the first replica to start took every
feed and the others stood by (the leases decided who, not how many).
"""

from __future__ import annotations

import math
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import String, delete, func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from monitor import names
from monitor.store import _time_column


class FeedLease(SQLModel, table=True):
    __tablename__ = names.TABLE_FEED_LEASE
    feed: str = Field(primary_key=True, sa_type=String)
    holder: str
    expires_at: datetime = _time_column()


class Replica(SQLModel, table=True):
    __tablename__ = names.TABLE_REPLICA
    holder: str = Field(primary_key=True, sa_type=String)
    expires_at: datetime = _time_column()


def fair_share(feeds: int, replicas: int) -> int:
    """The most feeds one of `replicas` live replicas takes: together they always cover every feed."""
    return math.ceil(feeds / max(replicas, 1))


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
                            .values(expires_at=datetime(1970, 1, 1, tzinfo=UTC)))
            session.commit()

    def announce(self, now: datetime) -> int:
        """Say this replica is alive until now + period (forgetting replicas long dead); how many are alive."""
        with Session(self.engine) as session:
            kept = session.connection().execute(update(Replica).where(col(Replica.holder) == self.holder)
                                                .values(expires_at=now + self.period)).rowcount
            if not kept:
                session.add(Replica(holder=self.holder, expires_at=now + self.period))
            session.execute(delete(Replica).where(col(Replica.expires_at) < now - self.period))
            session.commit()
        return self.alive(now)

    def alive(self, now: datetime) -> int:
        """Replicas whose row has not expired (a killed one counts until its row expires, like its leases)."""
        with Session(self.engine) as session:
            alive: int = session.execute(select(func.count()).select_from(Replica)
                                         .where(col(Replica.expires_at) >= now)).scalar_one()
            return alive

    def withdraw(self) -> None:
        """At a clean stop: no longer counted among the replicas."""
        with Session(self.engine) as session:
            session.execute(delete(Replica).where(col(Replica.holder) == self.holder))
            session.commit()

