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
    with pytest.raises(KeyError, match="known kinds: demo, file, http_csv, http_json, prometheus, reports, sql"):
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


class Hung:
    """A fake feed kind: fetches of feeds named hung* never answer (until cancelled); others succeed."""

    kind: ClassVar[str] = "demo"

    def __init__(self):
        self.hung_running = 0
        self.healthy_done = 0

    async def fetch(self, spec, context):
        from monitor.observations import CollectionResult
        if spec.id.startswith("hung"):
            self.hung_running += 1
            try:
                await asyncio.sleep(3600)
            finally:
                self.hung_running -= 1
        self.healthy_done += 1
        return CollectionResult(feed=spec.id, fetched_at=context.now, ok=True)


def test_hung_feeds_hold_at_most_half_the_slots_once_they_are_known_to_struggle(monkeypatch):
    async def scenario():
        kind = Hung()
        monkeypatch.setitem(registry._COLLECTORS, "demo", kind)
        monkeypatch.setattr(runner, "_struggling", {f"hung{i}" for i in range(5)})   # their last run timed out
        runner.set_concurrency(4)
        async with httpx.AsyncClient() as client:
            context = FetchContext(client=client, now=NOW, timezone=TZ)
            hung = [asyncio.create_task(runner.collect(feed(id=f"hung{i}", kind="demo"), context)) for i in range(5)]
            while kind.hung_running < 2:
                await asyncio.sleep(0)
            for _ in range(20):
                await asyncio.sleep(0)
            held = kind.hung_running
            healthy = [await asyncio.wait_for(runner.collect(feed(id=f"ok{i}", kind="demo"), context), 5)
                       for i in range(3)]
            for task in hung:
                task.cancel()
            await asyncio.gather(*hung, return_exceptions=True)
            return held, healthy
    held, healthy = asyncio.run(scenario())
    assert held == 2
    assert all(r.ok for r in healthy)


def test_a_feed_that_timed_out_is_struggling_until_it_succeeds(monkeypatch):
    from monitor.observations import CollectionResult
    outcomes = [CollectionResult.failure("f", NOW, "timeout", "slow"), CollectionResult(feed="f", fetched_at=NOW, ok=True)]

    class Scripted:
        kind: ClassVar[str] = "demo"

        async def fetch(self, spec, context):
            return outcomes.pop(0)

    monkeypatch.setitem(registry._COLLECTORS, "demo", Scripted())
    monkeypatch.setattr(runner, "_struggling", set())

    async def once():
        async with httpx.AsyncClient() as client:
            await runner.collect(feed(id="f", kind="demo"), FetchContext(client=client, now=NOW, timezone=TZ))
        return frozenset(runner._struggling)
    assert asyncio.run(once()) == {"f"}
    assert asyncio.run(once()) == frozenset()
