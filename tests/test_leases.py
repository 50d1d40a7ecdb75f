"""Feed leases on SQLite and PostgreSQL: one holder at a time, taken over after expiry, released at a stop."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from monitor.service.leases import FeedLeases
from monitor import migrations
from monitor.store import make_engine

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
PERIOD = timedelta(seconds=30)


def test_one_replica_holds_a_feed_until_its_lease_expires(database_url):
    engine = make_engine(database_url)
    migrations.upgrade(engine)
    a, b = FeedLeases(engine, "a", PERIOD), FeedLeases(engine, "b", PERIOD)
    assert a.acquire("demo", NOW) and not b.acquire("demo", NOW)
    assert a.acquire("demo", NOW + timedelta(seconds=20))            # renewed to NOW + 50 s
    assert not b.acquire("demo", NOW + timedelta(seconds=45))
    assert b.acquire("demo", NOW + timedelta(seconds=51))            # a stopped renewing: b takes over
    assert not a.acquire("demo", NOW + timedelta(seconds=52))
    assert a.holders() == {"demo": "b"}


def test_a_clean_stop_releases_the_leases_at_once(database_url):
    engine = make_engine(database_url)
    migrations.upgrade(engine)
    a, b = FeedLeases(engine, "a", PERIOD), FeedLeases(engine, "b", PERIOD)
    assert a.acquire("one", NOW) and a.acquire("two", NOW) and b.acquire("three", NOW)
    a.release(["one", "two"])
    assert b.acquire("one", NOW + timedelta(seconds=1)) and b.acquire("two", NOW + timedelta(seconds=1))
    assert not a.acquire("three", NOW + timedelta(seconds=1))
