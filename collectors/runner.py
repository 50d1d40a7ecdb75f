"""Run one collection safely: whatever happens, the caller gets a CollectionResult."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx

from collectors.base import FeedError, FetchContext
from collectors.registry import collector_for
from monitor.observations import CollectionResult
from monitor.spec.feeds import FeedBase

log = logging.getLogger("monitor.collect")


async def collect(feed: FeedBase, context: FetchContext) -> CollectionResult:
    started = time.perf_counter()
    try:
        collector = collector_for(feed.kind)
        result = await collector.fetch(feed, context)
    except FeedError as exc:
        result = CollectionResult.failure(feed.id, context.now, exc.category, str(exc))
    except httpx.TimeoutException as exc:
        result = CollectionResult.failure(feed.id, context.now, "timeout", f"timed out: {exc!r}")
    except httpx.TransportError as exc:
        result = CollectionResult.failure(feed.id, context.now, "connect", f"cannot connect: {exc!r}")
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a bug in a collector must not kill the job or the daemon
        log.exception("event=collector_bug feed=%s", feed.id)
        result = CollectionResult.failure(feed.id, context.now, "internal", f"{type(exc).__name__}: {exc}")
    result.duration_seconds = time.perf_counter() - started
    return result
