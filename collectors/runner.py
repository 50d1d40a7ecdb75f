"""Run one collection safely: whatever happens, the caller gets a CollectionResult.

Collections across feeds share a concurrency limit (default 4, `set_concurrency`), and each has
an overall deadline derived from the feed's timeout, retries and pages, on top of the per-request
limits, so that no feed can hold a slot forever. Feeds whose last collection timed out or could
not connect ("struggling") may hold at most half of the slots between them, so a handful of hung
feeds cannot starve the healthy ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref

import httpx

from collectors.base import FeedError, FetchContext
from collectors.registry import UnknownFeedKind, close_all, collector_for
from monitor.observations import CollectionResult
from monitor.spec.feeds import FeedBase

log = logging.getLogger("monitor.collect")

DEFAULT_CONCURRENCY = 4
_limit = {"value": DEFAULT_CONCURRENCY}
_Gates = tuple[int, asyncio.Semaphore, asyncio.Semaphore]   # limit, every feed, struggling feeds
_semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Gates] = weakref.WeakKeyDictionary()
_struggling: set[str] = set()
STRUGGLING = frozenset({"timeout", "connect"})
PARSE_ALLOWANCE_SECONDS = 60.0


def set_concurrency(limit: int) -> None:
    """How many feeds may be collected at once (per event loop); takes effect for new collections."""
    if limit < 1:
        raise ValueError("the concurrency limit must be at least 1")
    _limit["value"] = limit


def concurrency() -> int:
    return _limit["value"]


def struggling(feed_id: str) -> bool:
    """Whether the feed's last collection timed out or could not connect."""
    return feed_id in _struggling


def _gates(feed_id: str) -> list[asyncio.Semaphore]:
    """The semaphores a collection of `feed_id` must hold (struggling feeds: their own first)."""
    loop = asyncio.get_running_loop()
    entry = _semaphores.get(loop)
    if entry is None or entry[0] != _limit["value"]:
        limit = _limit["value"]
        entry = (limit, asyncio.Semaphore(limit), asyncio.Semaphore(max(1, limit // 2)))
        _semaphores[loop] = entry
    return [entry[2], entry[1]] if feed_id in _struggling else [entry[1]]


def deadline_seconds(feed: FeedBase) -> float:
    """The longest a whole collection may take: every attempt of every page timing out, plus parsing."""
    pages = getattr(feed, "max_pages", 1) if (getattr(feed, "next_link", None) or getattr(feed, "page_param", None)) else 1
    attempts = feed.retries + 1
    return feed.timeout.total_seconds() * attempts * pages + 8.0 * feed.retries * pages + PARSE_ALLOWANCE_SECONDS


def release_resources() -> None:
    """Let every collector release what it holds between collections (pooled database connections):
    on shutdown, and after a reload (a feed's database URL may have changed)."""
    close_all()


async def collect(feed: FeedBase, context: FetchContext) -> CollectionResult:
    """Collect `feed` once. Never raises (except cancellation): failures are results with a category."""
    async with contextlib.AsyncExitStack() as slots:
        for gate in _gates(feed.id):
            await slots.enter_async_context(gate)
        started = time.perf_counter()
        result = await _collect(feed, context)
        result.duration_seconds = time.perf_counter() - started
    if result.error_category in STRUGGLING:
        _struggling.add(feed.id)
    else:
        _struggling.discard(feed.id)
    level = logging.INFO if result.ok else logging.WARNING
    log.log(level, "collection", extra={
        "feed": feed.id, "kind": feed.kind, "ok": result.ok, "category": result.error_category or "-",
        "rows_accepted": result.rows_accepted, "rows_rejected": sum(result.rows_rejected.values()),
        "rows_skipped": sum(result.rows_skipped.values()), "bytes": result.bytes_read,
        "duration_s": round(result.duration_seconds, 3), "error": result.error or ""})
    return result


async def _collect(feed: FeedBase, context: FetchContext) -> CollectionResult:
    try:
        collector = collector_for(feed.kind)
        async with asyncio.timeout(deadline_seconds(feed)):
            return await collector.fetch(feed, context)
    except UnknownFeedKind as exc:
        return CollectionResult.failure(feed.id, context.now, "config", str(exc))
    except FeedError as exc:
        return CollectionResult.failure(feed.id, context.now, exc.category, str(exc))
    except (TimeoutError, httpx.TimeoutException) as exc:
        return CollectionResult.failure(feed.id, context.now, "timeout", f"timed out: {type(exc).__name__}")
    except httpx.TransportError as exc:
        return CollectionResult.failure(feed.id, context.now, "connect", f"cannot connect: {type(exc).__name__}")
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a bug in a collector must not kill the job or the daemon
        log.exception("collector_bug", extra={"feed": feed.id})
        return CollectionResult.failure(feed.id, context.now, "internal", f"{type(exc).__name__}: {exc}")
