"""Helpers for collector tests: feed specs from dicts, one collection on a fresh client, a clock."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from pydantic import TypeAdapter

from collectors import http
from collectors.base import FetchContext
from collectors.runner import collect
from monitor.observations import CollectionResult
from monitor.spec.feeds import FeedSpec

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 6, 28, 12, 0, tzinfo=TZ)
_FEEDS = TypeAdapter(FeedSpec)


def feed(**fields: Any):
    fields.setdefault("id", "f")
    return _FEEDS.validate_python(fields)


def collect_once(spec, env: Mapping[str, str] | None = None, now: datetime = NOW,
                 dry_run: bool = False, committed: bool | None = True) -> CollectionResult:
    """One collection; then, as the store does after committing (or failing to), its handover is told
    (`committed=None`: the caller stores the result, which tells the handover)."""
    async def run() -> CollectionResult:
        async with httpx.AsyncClient() as client:
            context = FetchContext(client=client, now=now, timezone=TZ, env=dict(env or {}), dry_run=dry_run)
            return await collect(spec, context)
    result = asyncio.run(run())
    if result.handover is not None and committed is not None:
        result.handover.committed() if committed else result.handover.abandoned()
    return result


@contextlib.contextmanager
def fast_backoff(base_seconds: float = 0.01, cap_seconds: float = 0.05) -> Iterator[None]:
    """HTTP retries almost at once (first delay `base`, doubling up to `cap`), the shipped backoff after."""
    shipped = dict(http._backoff)
    http._backoff.update(base=base_seconds, cap=cap_seconds)
    try:
        yield
    finally:
        http._backoff.update(shipped)
