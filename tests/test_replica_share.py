"""A replica's share of the feeds (monitor.service.replica_share) over real SQLite leases: no more than
the fair share taken, the surplus given back but never a feed mid-cycle, a feed lost or unreachable
not collected, and what is no longer held forgotten."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy

from monitor import migrations
from monitor.service.leases import FeedLeases
from monitor.service.replica_share import EveryFeed, ReplicaShare
from monitor.store import make_engine
from tests.test_leases import holders

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
PERIOD = timedelta(seconds=30)
FEEDS = ["a", "b", "c", "d"]


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class Replica:
    """One ReplicaShare and what it asked the daemon to do."""

    def __init__(self, engine: sqlalchemy.Engine, holder: str, clock: Clock, feeds: int = len(FEEDS)):
        self.forgotten: list[list[str]] = []
        self.refreshes = 0
        self.share = ReplicaShare(FeedLeases(engine, holder, PERIOD), lambda: feeds, clock,
                                  self.forgotten.append, self._refresh)

    def _refresh(self) -> None:
        self.refreshes += 1

    async def collect_all(self) -> list[str]:
        """A cycle of every feed: the ones this replica collects."""
        return [f for f in FEEDS if await self.share.may_collect(f)]


@pytest.fixture
def engine(tmp_path: Path) -> sqlalchemy.Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    migrations.upgrade(engine)
    return engine



def two_replicas(engine: sqlalchemy.Engine, clock: Clock | None = None) -> tuple[Replica, Replica]:
    clock = clock or Clock()
    return Replica(engine, "first", clock), Replica(engine, "second", clock)

def test_alone_a_replica_takes_every_feed_and_a_second_one_halves_its_share(engine):
    first, second = two_replicas(engine)

    async def scenario() -> None:
        await first.share.announce()
        assert first.share.share == 4
        assert await first.collect_all() == FEEDS
        await second.share.announce()
        assert second.share.share == 2
        assert await second.collect_all() == []                      # every lease is the first's
        await first.share.renew()                                    # counts two replicas: gives two back
        assert (first.share.share, first.share.held) == (2, frozenset({"a", "b"}))
        assert first.forgotten == [["d", "c"]] and first.refreshes == 1
        assert await second.collect_all() == ["c", "d"]
        assert await second.collect_all() == ["c", "d"]              # renewed, and no more than its share

    asyncio.run(scenario())
    assert holders(engine) == {"a": "first", "b": "first", "c": "second", "d": "second"}


def test_a_replica_at_its_share_counts_the_replicas_again_before_giving_up_a_feed(engine):
    first, second = two_replicas(engine)

    async def scenario() -> None:
        await second.share.announce()
        await first.share.announce()                                 # two alive: a share of two
        assert await first.collect_all() == ["a", "b"]               # its share of two
        await asyncio.to_thread(second.share.leases.withdraw)        # the other one stopped
        assert await first.collect_all() == FEEDS                    # recounted: one replica, four feeds
        assert first.share.share == 4

    asyncio.run(scenario())


def test_the_surplus_given_back_is_never_a_feed_mid_cycle(engine):
    first, second = two_replicas(engine)

    async def scenario() -> None:
        await first.share.announce()
        assert await first.collect_all() == FEEDS
        await second.share.announce()
        with first.share.cycle("d"), first.share.cycle("c"):
            await first.share.renew()
        assert first.share.held == frozenset({"c", "d"})             # b and a went instead
        assert first.forgotten == [["b", "a"]]
        await first.share.renew()
        assert first.share.held == frozenset({"c", "d"})             # at its share: nothing more to give

    asyncio.run(scenario())


def test_a_held_feed_over_the_share_is_given_back_at_the_start_of_its_cycle(engine):
    first, second = two_replicas(engine)

    async def scenario() -> None:
        await first.share.announce()
        assert await first.collect_all() == FEEDS
        await second.share.announce()
        await first.share.announce()                                 # share 2, four held
        assert not await first.share.may_collect("a")
        assert first.share.held == frozenset({"b", "c", "d"}) and first.forgotten == [["a"]]
        assert await second.share.may_collect("a")                   # released at once, not on expiry

    asyncio.run(scenario())


def test_a_lease_lost_to_another_replica_forgets_the_feed(engine, caplog):
    clock = Clock()
    first, second = two_replicas(engine, clock)

    async def scenario() -> None:
        assert await first.share.may_collect("a")
        clock.now = NOW + PERIOD + timedelta(seconds=1)               # the first stopped renewing
        assert await second.share.may_collect("a")
        with caplog.at_level(logging.INFO, logger="monitor.daemon"):
            caplog.clear()
            await first.share.renew()

    asyncio.run(scenario())
    assert first.share.held == frozenset() and first.forgotten == [["a"]] and first.refreshes == 1
    assert [r.message for r in caplog.records if r.message.startswith("lease")] == ["lease_lost"]


def test_without_the_database_no_feed_is_held_and_the_share_stays_unknown(tmp_path, caplog):
    engine = make_engine(f"sqlite:///{tmp_path / 'no_tables.db'}")   # no migrations: every statement fails
    replica = Replica(engine, "first", Clock())

    async def scenario() -> list[str]:
        await replica.share.announce()
        return await replica.collect_all()

    with caplog.at_level(logging.WARNING, logger="monitor.daemon"):
        assert asyncio.run(scenario()) == []
    assert replica.share.held == frozenset() and replica.share.share is None
    assert replica.forgotten == [] and replica.refreshes == 0
    events = [r.message for r in caplog.records]
    assert events == ["replica_announce_failed"] + ["lease_failed"] * len(FEEDS)


def test_a_lease_failing_on_a_held_feed_forgets_it(engine, caplog):
    replica = Replica(engine, "first", Clock())

    async def scenario() -> None:
        assert await replica.collect_all() == FEEDS
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE feed_lease")
        with caplog.at_level(logging.INFO, logger="monitor.daemon"):
            caplog.clear()
            await replica.share.renew()

    asyncio.run(scenario())
    assert replica.share.held == frozenset() and replica.forgotten == [[f] for f in FEEDS]
    assert [r.message for r in caplog.records if r.message.startswith("lease")] == \
        ["lease_failed", "lease_lost"] * len(FEEDS)


def test_a_clean_stop_hands_every_feed_over_at_once(engine):
    first, second = two_replicas(engine)

    async def scenario() -> None:
        assert await first.collect_all() == FEEDS
        await first.share.announce()
        await first.share.stop()
        await second.share.announce()
        assert second.share.share == 4                               # the first no longer counted
        assert await second.collect_all() == FEEDS                   # its leases released, not expired

    asyncio.run(scenario())


def test_without_replicas_every_feed_is_collected():
    every = EveryFeed()

    async def scenario() -> list[bool]:
        await every.announce()
        with every.cycle("a"):
            return [await every.may_collect(f) for f in FEEDS]

    assert asyncio.run(scenario()) == [True] * len(FEEDS)
    assert every.held_feeds() is None and every.renew_seconds is None
