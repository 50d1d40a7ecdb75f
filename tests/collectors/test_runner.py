"""The runner: one registry, a concurrency limit across feeds, and no exception ever escaping."""

from __future__ import annotations

import asyncio
from typing import ClassVar

import httpx
import pytest

from collectors import registry, runner
from collectors.base import FetchContext
from tests.collectors.helpers import NOW, TZ, feed


class Gate:
    """A fake feed kind that counts how many of its fetches run at once."""

    kind: ClassVar[str] = "demo"

    def __init__(self):
        self.running = self.peak = 0
        self.release = asyncio.Event()

    async def fetch(self, spec, context):
        self.running += 1
        self.peak = max(self.peak, self.running)
        await self.release.wait()
        self.running -= 1
        raise RuntimeError("a bug in a collector")


def test_unknown_kind_error_lists_the_known_kinds():
    with pytest.raises(KeyError, match="known kinds: demo, file, http_csv, http_json, prometheus, sql"):
        registry.collector_for("ftp")


def test_concurrency_limit_caps_parallel_collections_and_bugs_become_internal_errors(monkeypatch):
    async def scenario():
        gate = Gate()
        monkeypatch.setitem(registry._COLLECTORS, "demo", gate)
        runner.set_concurrency(2)
        try:
            async with httpx.AsyncClient() as client:
                context = FetchContext(client=client, now=NOW, timezone=TZ)
                tasks = [asyncio.create_task(runner.collect(feed(id=f"d{i}", kind="demo"), context)) for i in range(5)]
                while gate.running < 2:
                    await asyncio.sleep(0)
                for _ in range(10):
                    await asyncio.sleep(0)
                gate.release.set()
                return gate.peak, await asyncio.gather(*tasks)
        finally:
            runner.set_concurrency(runner.DEFAULT_CONCURRENCY)
    peak, results = asyncio.run(scenario())
    assert peak == 2
    assert {r.error_category for r in results} == {"internal"}


def test_concurrency_limit_must_be_positive():
    with pytest.raises(ValueError):
        runner.set_concurrency(0)


def test_overall_deadline_grows_with_pages_and_retries():
    single = feed(kind="http_json", url="http://x", timeout="10s", retries=0)
    paged = feed(kind="http_json", url="http://x", timeout="10s", retries=2, page_param="p", max_pages=5)
    assert runner.deadline_seconds(paged) > runner.deadline_seconds(single) >= 10
