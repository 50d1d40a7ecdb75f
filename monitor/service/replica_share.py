"""Which feeds this daemon collects: every one (`EveryFeed`), or, with replicas on one database, its
fair share of them, each held by a lease (`ReplicaShare`, over monitor.service.leases).

The daemon asks before each cycle whether the feed is its to collect, marks the cycle running
meanwhile, has the share renewed on a timer and let go at a clean stop. What a replica no longer
holds it no longer exports: the share calls back `forget(feeds)` (drop their verdicts), then
`refresh()` (render /metrics again; run off the loop).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from typing import Protocol

from monitor.service.leases import FeedLeases, fair_share

log = logging.getLogger("monitor.daemon")   # the daemon's events, under the logger they always had


class FeedShare(Protocol):
    @property
    def renew_seconds(self) -> float | None:
        """How often `renew` is due; None: never."""
        ...

    def held_feeds(self) -> frozenset[str] | None:
        """The feeds this daemon collects and exports; None: every feed of the catalogue."""
        ...

    async def announce(self) -> None: ...
    async def may_collect(self, feed_id: str) -> bool: ...
    def cycle(self, feed_id: str) -> AbstractContextManager[None]: ...
    async def renew(self) -> None: ...
    async def stop(self) -> None: ...


class EveryFeed:
    """No replicas: this daemon collects every feed, with nobody to count or hand feeds to."""

    renew_seconds: float | None = None

    def held_feeds(self) -> frozenset[str] | None:
        return None

    async def announce(self) -> None:
        return None

    async def may_collect(self, feed_id: str) -> bool:
        return True

    def cycle(self, feed_id: str) -> AbstractContextManager[None]:
        return nullcontext()

    async def renew(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class ReplicaShare:
    """This replica's feeds: taken by lease up to the fair share, ceil(feeds / live replicas), the
    surplus given back (never a feed mid-cycle); a feed lost or given back is forgotten at once."""

    def __init__(self, leases: FeedLeases, feed_count: Callable[[], int], clock: Callable[[], datetime],
                 forget: Callable[[list[str]], None], refresh: Callable[[], None]):
        self.leases = leases
        self._feed_count = feed_count   # the current catalogue's, read at each count
        self._clock = clock
        self._forget_exports = forget
        self._refresh = refresh
        self.held: frozenset[str] = frozenset()   # the feeds this replica collects
        self.share: int | None = None              # the most feeds it takes (None: no limit known)
        self._busy: set[str] = set()               # feeds with a cycle running: never given back mid-cycle
        self._releasing: set[str] = set()          # feeds being given back: not taken again meanwhile

    @property
    def renew_seconds(self) -> float | None:
        return max(1.0, self.leases.period.total_seconds() / 3)

    def held_feeds(self) -> frozenset[str] | None:
        return self.held

    @contextmanager
    def cycle(self, feed_id: str) -> Iterator[None]:
        self._busy.add(feed_id)
        try:
            yield
        finally:
            self._busy.discard(feed_id)

    async def may_collect(self, feed_id: str) -> bool:
        """At the start of the feed's cycle: whether this replica collects it now."""
        return not await self._over_share(feed_id) and await self.hold(feed_id)

    async def renew(self) -> None:
        await self.announce()
        for feed_id in sorted(self.held):
            await self.hold(feed_id)
        await self.give_back_surplus()

    async def stop(self) -> None:
        """A clean stop hands the feeds over at once."""
        try:
            await asyncio.to_thread(self.leases.release, sorted(self.held))
            await asyncio.to_thread(self.leases.withdraw)
        except Exception:  # noqa: BLE001 - they expire anyway
            log.warning("lease_release_failed")

    async def hold(self, feed_id: str) -> bool:
        """Take or renew the feed's lease; a feed lost to another replica leaves this one's exports."""
        try:
            if feed_id in self._releasing or (feed_id not in self.held and not await self._may_take()):
                return False   # this replica has its share: the feed is for another one
            held = await asyncio.to_thread(self.leases.acquire, feed_id, self._clock())
        except Exception as exc:  # noqa: BLE001 - no lease without the database: collect nothing
            log.warning("lease_failed", extra={"feed": feed_id, "error": str(exc)[:200]})
            held = False
        if held and feed_id not in self.held:
            log.info("lease_taken", extra={"feed": feed_id, "holder": self.leases.holder})
            self.held = self.held | {feed_id}
        elif not held and feed_id in self.held:
            log.info("lease_lost", extra={"feed": feed_id, "holder": self.leases.holder})
            self._forget([feed_id])
            await asyncio.to_thread(self._refresh)
        return held

    async def _may_take(self) -> bool:
        """Under its fair share, counting the replicas again when at it (one may have died since)."""
        if self.share is not None and len(self.held) >= self.share:
            alive = await asyncio.to_thread(self.leases.alive, self._clock())
            self.share = fair_share(self._feed_count(), alive)
        return self.share is None or len(self.held) < self.share

    async def announce(self) -> None:
        """Renew this replica's row and recount the fair share (kept as it was when the database fails)."""
        try:
            alive = await asyncio.to_thread(self.leases.announce, self._clock())
        except Exception as exc:  # noqa: BLE001 - the leases themselves still decide who collects
            log.warning("replica_announce_failed", extra={"error": str(exc)[:200]})
            return
        self.share = fair_share(self._feed_count(), alive)

    async def give_back_surplus(self) -> None:
        """Release the feeds held beyond the fair share (never one mid-cycle), for the others to take."""
        if self.share is None or len(self.held) <= self.share:
            return
        idle = [f for f in sorted(self.held, reverse=True) if f not in self._busy]
        await self._give_back(idle[:len(self.held) - self.share])

    async def _over_share(self, feed_id: str) -> bool:
        """At the start of a held feed's cycle, with more than the fair share: give this one back instead
        (the renewal skips feeds mid-cycle, and with short intervals every feed may be mid-cycle then)."""
        if feed_id not in self.held or self.share is None or len(self.held) <= self.share:
            return False
        await self._give_back([feed_id])
        return True

    async def _give_back(self, surplus: list[str]) -> None:
        if not surplus:
            return
        self._releasing |= set(surplus)
        self._forget(surplus)
        try:
            await asyncio.to_thread(self.leases.release, surplus)
        except Exception as exc:  # noqa: BLE001 - unreleased, they expire in one lease period
            log.warning("lease_release_failed", extra={"feeds": ",".join(surplus), "error": str(exc)[:200]})
        finally:
            self._releasing -= set(surplus)
        log.info("leases_given_back", extra={"feeds": ",".join(surplus), "share": self.share})
        await asyncio.to_thread(self._refresh)

    def _forget(self, feeds: list[str]) -> None:
        """No longer collect or export these feeds."""
        self.held = self.held - set(feeds)
        self._forget_exports(feeds)
