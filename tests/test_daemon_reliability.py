"""The daemon in-process: reloads serialised and always answered, one writer of the verdict board,
store faults reported instead of counted as successes."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.loader import load_catalogue
from monitor.observations import CollectionResult, ValuePoint
from monitor.service.daemon import Daemon, open_store
from monitor.service.reloads import SerialReloads
from monitor.service.settings import Settings
from monitor.service.store_health import StoreUnavailable
from tests.test_loader import VALID, write

NOW = datetime(2021, 6, 1, 4, 0, tzinfo=UTC)
SECOND = VALID.replace("commitments:\n", "commitments:\n" + VALID[VALID.index("  - id: demo2021.company_setup"):]
                       .replace("demo2021.company_setup", "demo2021.second"), 1)


@pytest.fixture
def daemon(tmp_path: Path) -> Daemon:
    targets = write(tmp_path, SECOND)
    settings = Settings(_env_file=None, targets=targets, database_url=f"sqlite:///{tmp_path / 'monitor.db'}")
    return Daemon(settings, load_catalogue(targets), open_store(settings), clock=lambda: NOW)


def sample(daemon: Daemon, name: str, **labels) -> float | None:
    return daemon.registry.get_sample_value(name, labels)


def test_a_reload_storm_costs_at_most_two_loads_and_every_caller_gets_the_newest_answer():
    loads: list[int] = []

    async def load() -> int:
        loads.append(len(loads) + 1)
        await asyncio.sleep(0.05)
        return len(loads)

    async def storm() -> list[int]:
        reload = SerialReloads(load, min_interval=0)
        return await asyncio.gather(*(reload() for _ in range(30)))

    answers = asyncio.run(storm())
    assert len(loads) == 2 and answers == [1] + [2] * 29


def test_reloads_start_at_least_the_minimum_interval_apart():
    clock, slept = [100.0], []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    async def load() -> None:
        clock[0] += 0.25   # a load takes a quarter of a second

    async def twice() -> None:
        reload = SerialReloads(load, min_interval=1.0, monotonic=lambda: clock[0], sleep=sleep)
        await reload()
        await reload()
    asyncio.run(twice())
    assert slept == [0.75]


def test_a_gb18030_reload_is_answered_counted_and_visible_in_healthz(daemon):
    daemon.settings.targets.write_bytes(SECOND.encode("gb18030"))
    ok, problems = asyncio.run(daemon.reload())
    assert not ok and "not UTF-8" in problems[0]
    assert sample(daemon, "monitor_config_reloads_total", result="failure") == 1
    assert sample(daemon, "monitor_config_last_reload_successful") == 0
    healthy, details = daemon.health()
    assert healthy and details["status"] == "degraded"
    shown = details["last_reload_problems"]   # named from the catalogue's folder: no path of the machine
    assert len(shown) == 1 and shown[0].startswith("targets.yaml:5:14:") and problems[0].endswith("/" + shown[0])
    assert len(daemon.catalogue.commitments) == 2   # the running catalogue is kept


def test_an_unexpected_loader_crash_is_still_an_answered_failed_reload(daemon, monkeypatch):
    import monitor.service.daemon as module
    monkeypatch.setattr(module, "load_catalogue", lambda path: 1 / 0)
    ok, problems = asyncio.run(daemon.reload())
    assert not ok and "ZeroDivisionError" in problems[0]


def test_an_evaluation_made_before_a_reload_cannot_bring_a_removed_commitment_back(daemon):
    old = daemon.catalogue
    daemon.settings.targets.write_text(VALID, encoding="utf-8")   # demo2021.second removed
    assert asyncio.run(daemon.reload()) == (True, [])
    result = CollectionResult(feed="demo", fetched_at=NOW, ok=True)
    daemon._store_and_evaluate(old, result, "demo")   # a collection that started before the reload
    assert "demo2021.second" not in daemon.board
    assert "demo2021.company_setup" in daemon.board


def test_a_deleted_database_fails_collections_and_healthz(daemon, tmp_path, monkeypatch):
    (tmp_path / "monitor.db").unlink()
    result = CollectionResult(feed="demo", fetched_at=NOW, ok=True, values=[ValuePoint("x", NOW, 1.0)])

    async def fake_collect(feed, context):
        return result
    import monitor.service.daemon as module
    monkeypatch.setattr(module, "collect", fake_collect)

    async def run() -> None:
        import httpx
        daemon._client = httpx.AsyncClient()
        await daemon._run_feed("demo")
        await daemon._client.aclose()
    asyncio.run(run())
    assert sample(daemon, "monitor_collections_total", feed="demo", result="store") == 1
    assert sample(daemon, "monitor_collections_total", feed="demo", result="ok") is None
    assert sample(daemon, "monitor_feed_up", feed="demo") == 0
    healthy, details = daemon.health()
    assert not healthy and details["status"] == "failing" and "deleted" in details["store"]["problem"]
    assert sample(daemon, "monitor_store_writable") == 0


def test_status_answers_from_memory_when_the_database_is_gone(daemon, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("server closed the connection")
    monkeypatch.setattr(daemon.store, "history", down)
    answer = daemon.status("demo2021.company_setup")
    assert answer["history"] is None and answer["history_error"] == "the database is unavailable"


def test_the_daemon_refuses_to_start_on_a_read_only_database(tmp_path, monkeypatch):
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'monitor.db'}")
    open_store(settings).engine.dispose()
    database, access = tmp_path / "monitor.db", os.access   # as an unprivileged user would see a 0444 file:
    monkeypatch.setattr(os, "access",                        # that file only (migrations read their folder)
                        lambda path, mode: False if Path(path).resolve() == database.resolve() else access(path, mode))
    with pytest.raises(StoreUnavailable, match="not writable"):
        open_store(settings)


def test_no_collection_starts_while_the_writer_is_behind_by_the_concurrency_limit(daemon, monkeypatch):
    """Collected payloads wait for the one writer thread: collecting further ahead would hold them all."""
    import threading

    import httpx

    import monitor.service.daemon as module
    daemon.settings = daemon.settings.model_copy(update={"max_concurrent_feeds": 1})
    started: list[int] = []
    storing, release = threading.Event(), threading.Event()

    async def fake_collect(feed, context):
        started.append(len(started) + 1)
        return CollectionResult(feed="demo", fetched_at=NOW, ok=True, values=[ValuePoint("x", NOW, 1.0)])

    def slow_store(catalogue, result, feed_id):
        storing.set()
        release.wait(10)
        return []
    monkeypatch.setattr(module, "collect", fake_collect)
    monkeypatch.setattr(daemon, "_store_and_evaluate", slow_store)

    async def run() -> list[int]:
        daemon._client = httpx.AsyncClient()
        first = asyncio.create_task(daemon._run_feed("demo"))
        second = asyncio.create_task(daemon._run_feed("demo"))
        # both tasks took their first step before this one resumes: a second task not held back by
        # the writer would have collected by now (fake_collect never yields)
        assert await asyncio.to_thread(storing.wait, 10), "the first result never reached the writer"
        seen = list(started)   # the first result waits in the writer: the second must not collect yet
        release.set()
        await asyncio.gather(first, second)
        await daemon._client.aclose()
        return seen
    assert asyncio.run(run()) == [1]
    assert started == [1, 2]


def test_collections_still_under_way_count_against_the_limit_too(daemon, monkeypatch):
    """Each collection holds its payload from the fetch on: no more than the limit at once, however
    slow the fetches and whether or not the writer is behind."""
    import httpx

    import monitor.service.daemon as module
    daemon.settings = daemon.settings.model_copy(update={"max_concurrent_feeds": 2})
    under_way, most = [0], [0]
    release = asyncio.Event()

    async def slow_collect(feed, context):
        under_way[0] += 1
        most[0] = max(most[0], under_way[0])
        await release.wait()
        under_way[0] -= 1
        return CollectionResult(feed="demo", fetched_at=NOW, ok=True, values=[ValuePoint("x", NOW, 1.0)])
    monkeypatch.setattr(module, "collect", slow_collect)
    monkeypatch.setattr(daemon, "_store_and_evaluate", lambda catalogue, result, feed_id: [])

    async def run() -> None:
        daemon._client = httpx.AsyncClient()
        tasks = [asyncio.create_task(daemon._run_feed("demo")) for _ in range(5)]
        for _ in range(20):   # every task has had its turns: the ones let in are waiting in the fetch
            await asyncio.sleep(0)
        assert under_way[0] == 2
        release.set()
        await asyncio.gather(*tasks)
        await daemon._client.aclose()
    asyncio.run(run())
    assert most[0] == 2 and daemon._ahead_of_writer == 0


def test_a_reload_of_a_file_with_a_line_separator_in_an_address_names_its_location(daemon):
    daemon.settings.targets.write_text(SECOND.replace("emails: [market@demo.agencies.example]",
                                                      'emails: ["market@b\\u2028c@demo.example"]'), encoding="utf-8")
    ok, problems = asyncio.run(daemon.reload())
    assert not ok and len(problems) == 1
    assert problems[0].startswith(f"{daemon.settings.targets}:13:14: agencies[0].emails[0]:")
    assert "agencies[0].emails[0]" in problems[0] and "U+2028" in problems[0]
    assert "HeaderParseError" not in problems[0]


def collect_once(daemon: Daemon, monkeypatch, result: CollectionResult) -> None:
    """One cycle of the feed with the collector's answer replaced by `result`."""
    import httpx

    import monitor.service.daemon as module

    async def fake_collect(feed, context):
        return result

    async def cycle() -> None:
        daemon._client = httpx.AsyncClient()
        try:
            await daemon._run_feed(result.feed)
        finally:
            await daemon._client.aclose()
    monkeypatch.setattr(module, "collect", fake_collect)
    asyncio.run(cycle())


def test_healthz_is_degraded_while_every_feed_fails_and_ok_again_once_one_succeeds(daemon, monkeypatch):
    assert daemon.health()[1]["status"] == "ok"   # nothing collected yet: nothing known to fail
    collect_once(daemon, monkeypatch, CollectionResult(feed="demo", fetched_at=NOW, ok=False, error_category="config",
                                                       error="the demo feed has no url; start the daemon with --demo"))
    healthy, details = daemon.health()
    assert healthy and details["status"] == "degraded" and details["feeds_failing"] == 1
    assert "--demo" not in str(details)   # counts, not the feeds' errors (they may name addresses)
    collect_once(daemon, monkeypatch, CollectionResult(feed="demo", fetched_at=NOW, ok=True,
                                                       values=[ValuePoint("x", NOW, 1.0)]))
    healthy, details = daemon.health()
    assert healthy and details["status"] == "ok" and details["feeds_failing"] == 0


def test_healthz_names_reload_problems_without_the_machine_s_paths(daemon, tmp_path):
    daemon.settings.targets.write_text(SECOND.replace("source: seed.txt", "source: sede.txt"), encoding="utf-8")
    ok, problems = asyncio.run(daemon.reload())
    assert not ok and str(tmp_path) in problems[0]   # the admin's answer keeps the full path
    shown = daemon.health()[1]["last_reload_problems"]
    assert shown and not any(str(tmp_path) in problem for problem in shown), shown
    assert shown[0].startswith("targets.yaml:") and "not found in seeds, ." in shown[0]
