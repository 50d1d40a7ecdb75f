"""Feed leases on SQLite and PostgreSQL: one holder at a time, taken over after expiry, released at a stop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from monitor import migrations
from monitor.service.leases import FeedLease, FeedLeases, fair_share
from monitor.store import make_engine

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
PERIOD = timedelta(seconds=30)


def holders(engine) -> dict[str, str]:
    """feed -> the replica holding its lease, as stored."""
    with Session(engine) as session:
        return dict(session.execute(select(FeedLease.feed, FeedLease.holder)).all())


def test_one_replica_holds_a_feed_until_its_lease_expires(database_url):
    engine = make_engine(database_url)
    migrations.upgrade(engine)
    a, b = FeedLeases(engine, "a", PERIOD), FeedLeases(engine, "b", PERIOD)
    assert a.acquire("demo", NOW) and not b.acquire("demo", NOW)
    assert a.acquire("demo", NOW + timedelta(seconds=20))            # renewed to NOW + 50 s
    assert not b.acquire("demo", NOW + timedelta(seconds=45))
    assert b.acquire("demo", NOW + timedelta(seconds=51))            # a stopped renewing: b takes over
    assert not a.acquire("demo", NOW + timedelta(seconds=52))
    assert holders(engine) == {"demo": "b"}


def test_a_clean_stop_releases_the_leases_at_once(database_url):
    engine = make_engine(database_url)
    migrations.upgrade(engine)
    a, b = FeedLeases(engine, "a", PERIOD), FeedLeases(engine, "b", PERIOD)
    assert a.acquire("one", NOW) and a.acquire("two", NOW) and b.acquire("three", NOW)
    a.release(["one", "two"])
    assert b.acquire("one", NOW + timedelta(seconds=1)) and b.acquire("two", NOW + timedelta(seconds=1))
    assert not a.acquire("three", NOW + timedelta(seconds=1))


def test_the_fair_share_covers_every_feed():
    assert [fair_share(6, 3), fair_share(5, 2), fair_share(5, 1), fair_share(5, 0)] == [2, 3, 5, 5]
    assert all(fair_share(feeds, n) * n >= feeds for feeds in range(1, 60) for n in range(1, 9))


def test_replicas_count_as_alive_until_their_row_expires(database_url):
    engine = make_engine(database_url)
    migrations.upgrade(engine)
    a, b = FeedLeases(engine, "a", PERIOD), FeedLeases(engine, "b", PERIOD)
    assert a.announce(NOW) == 1 and b.announce(NOW) == 2
    assert b.announce(NOW + timedelta(seconds=20)) == 2                # a still counts until NOW + 30 s
    assert b.alive(NOW + timedelta(seconds=31)) == 1                   # a stopped renewing: killed
    b.withdraw()
    assert a.announce(NOW + timedelta(seconds=40)) == 1                # a back, b gone at its clean stop
