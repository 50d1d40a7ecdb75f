"""The daemon: one scheduled job per feed; collect → store → evaluate → store → alerts; reload on demand.

Time-bound work runs on one asyncio loop (APScheduler's AsyncIOScheduler). The HTTP listener and
the demo feed server run in threads and reach the loop only through thread-safe calls.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from dataclasses import replace
from datetime import datetime, timezone
from typing import Callable, Protocol, Sequence

import httpx
from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from prometheus_client import CollectorRegistry
from prometheus_client.registry import Collector

from collectors.base import FetchContext
from collectors.runner import collect, set_concurrency
from collectors.sql import dispose_engines as dispose_sql_engines
from monitor.calendar import WorkCalendar
from monitor.demo.server import DemoServer
from monitor.evaluate import Evaluation, data_needed_since, evaluate
from monitor.loader import ConfigError, load_catalogue
from monitor.metrics import CommitmentCollector, DaemonMetrics
from monitor.model import Catalogue
from monitor.observations import CollectionResult
from monitor.pages.views import HistoryPoint, Snapshot
from monitor.settings import Settings, ensure_sqlite_folder, split_address
from monitor.store import Store, evaluation_dict, make_engine, upgrade_schema
from monitor.web import WebServer

log = logging.getLogger("monitor.daemon")
FEED_JOB_PREFIX = "feed:"
SHUTDOWN_GRACE_SECONDS = 10


class AlertHook(Protocol):
    def process(self, catalogue: Catalogue, evaluations: Sequence[Evaluation], now: datetime) -> None: ...
    async def deliver_due(self, now: datetime) -> int: ...
    async def aclose(self) -> None: ...
    def metrics_collector(self) -> Collector: ...


def evaluate_feed(catalogue: Catalogue, calendar: WorkCalendar, store: Store, feed_id: str,
                  now: datetime) -> list[Evaluation]:
    """Evaluate every commitment measured on `feed_id` against the stored observations."""
    accumulates = catalogue.feeds[feed_id].accumulates_cases
    return [evaluate(c, store.measure_data(c.measure.feed, c.measure.series, data_needed_since(c, now, calendar),
                                           accumulates),
                     now, calendar)
            for c in catalogue.evaluated_commitments(feed_id)]


class Daemon:
    def __init__(self, settings: Settings, catalogue: Catalogue, store: Store, *, demo: bool = False,
                 registry: CollectorRegistry | None = None, alerts: AlertHook | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self.settings = settings
        self.catalogue = catalogue
        self.calendar = WorkCalendar.from_spec(catalogue.calendar)
        self.store = store
        self.alerts = alerts
        self.clock = clock
        self.registry = registry or CollectorRegistry()
        self.metrics = DaemonMetrics(self.registry)
        self.registry.register(CommitmentCollector(lambda: self.catalogue, lambda: self.board))
        if alerts is not None:
            self.registry.register(alerts.metrics_collector())
        self.board: dict[str, Evaluation] = {cid: e for cid, e in store.current_evaluations().items()
                                             if cid in catalogue.commitments}
        self.demo_server = DemoServer(lambda: self.catalogue, lambda: self.calendar, settings.demo_seed,
                                      *split_address(settings.demo_listen), clock=clock) if demo else None
        self.web: WebServer | None = None
        self.started_at = clock()
        self.last_reload_error: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = asyncio.Event()
        self._client: httpx.AsyncClient | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task] = set()
        self.metrics.record_catalogue(catalogue)
        self.metrics.reload_success.set(1)
        self.metrics.reload_time.set(self.started_at.timestamp())

    # -- lifecycle ----------------------------------------------------------------------
    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        set_concurrency(self.settings.max_concurrent_feeds)
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0), follow_redirects=True)
        if self.demo_server:
            self.demo_server.start()
            log.info("event=demo_feed_started url=%s", self.demo_server.url)
        self.web = await WebServer(self, *self.settings.listen_address()).start()
        host, port = self.web.address
        log.info("event=listening pages=http://%s:%s/ metrics=http://%s:%s/metrics health=http://%s:%s/healthz",
                 host, port, host, port, host, port)
        print(f"Commitment Monitor serving http://{host}:{port}/  (pages, /api/v1, /metrics, /healthz, /status)",
              flush=True)
        self._scheduler = AsyncIOScheduler(event_loop=self._loop, timezone=timezone.utc)
        self._scheduler.add_listener(self._on_job_skipped, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
        self._schedule_feeds()
        if self.alerts is not None:
            self._scheduler.add_job(self._deliver, IntervalTrigger(seconds=self.settings.deliver_interval_seconds),
                                    id="deliver", max_instances=1, coalesce=True,
                                    next_run_time=self.clock())
        self._scheduler.start()
        for sig, handler in ((signal.SIGTERM, self.stop), (signal.SIGINT, self.stop),
                             (signal.SIGHUP, lambda: asyncio.ensure_future(self.reload()))):
            self._loop.add_signal_handler(sig, handler)
        try:
            await self._stopping.wait()
        finally:
            await self._shutdown()

    def stop(self) -> None:
        log.info("event=stopping")
        self._stopping.set()

    async def _shutdown(self) -> None:
        if self._scheduler:
            self._scheduler.shutdown(wait=False)
        if self._running:   # let collections in flight finish storing what they fetched
            await asyncio.wait(set(self._running), timeout=SHUTDOWN_GRACE_SECONDS)
        if self.web:
            await self.web.stop()
        if self.demo_server:
            self.demo_server.stop()
        if self._client:
            await self._client.aclose()
        dispose_sql_engines()
        if self.alerts is not None:
            await self.alerts.aclose()
        log.info("event=stopped")

    # -- scheduling ---------------------------------------------------------------------
    def _schedule_feeds(self) -> None:
        assert self._scheduler is not None
        for job in self._scheduler.get_jobs():
            if job.id.startswith(FEED_JOB_PREFIX):
                job.remove()
        for feed in self.catalogue.feeds.values():
            jitter = int(feed.schedule.jitter.total_seconds()) or None
            if feed.schedule.interval is not None:
                trigger = IntervalTrigger(seconds=feed.schedule.interval.total_seconds(), jitter=jitter)
                grace = max(1, int(feed.schedule.interval.total_seconds()))
            else:
                trigger = CronTrigger.from_crontab(feed.schedule.cron, timezone=self.calendar.timezone)
                grace = 3600
            self._scheduler.add_job(self.run_feed, trigger, args=[feed.id], id=FEED_JOB_PREFIX + feed.id,
                                    max_instances=1, coalesce=True, misfire_grace_time=grace,
                                    next_run_time=self.clock())

    def _on_job_skipped(self, event: JobExecutionEvent) -> None:
        if event.job_id.startswith(FEED_JOB_PREFIX):
            reason = "missed" if event.code == EVENT_JOB_MISSED else "still_running"
            feed = event.job_id[len(FEED_JOB_PREFIX):]
            self.metrics.scheduler_misses.labels(feed, reason).inc()
            log.warning("event=scheduled_run_skipped feed=%s reason=%s", feed, reason)

    # -- the work -----------------------------------------------------------------------
    async def run_feed(self, feed_id: str) -> list[Evaluation]:
        """Collect one feed, store what came, evaluate its commitments, hand verdicts to alerts."""
        task = asyncio.current_task()
        self._running.add(task)
        try:
            return await self._run_feed(feed_id)
        except asyncio.CancelledError:
            if self._stopping.is_set():   # a shutdown that outlasted the grace period drops the run
                log.info("event=collection_abandoned feed=%s reason=shutdown", feed_id)
                return []
            raise
        finally:
            self._running.discard(task)

    async def _run_feed(self, feed_id: str) -> list[Evaluation]:
        catalogue = self.catalogue
        feed = catalogue.feeds.get(feed_id)
        if feed is None:
            return []
        assert self._client is not None
        context = FetchContext(client=self._client, now=self.clock(), timezone=self.calendar.timezone,
                               env=os.environ, demo_url=self.demo_server.url if self.demo_server else None)
        result = await collect(feed, context)   # logs the outcome once
        self.metrics.record_collection(result)
        return await asyncio.to_thread(self._store_and_evaluate, catalogue, result, feed_id)

    def _store_and_evaluate(self, catalogue: Catalogue, result: CollectionResult, feed_id: str) -> list[Evaluation]:
        self.store.save_collection(result, catalogue.feeds[feed_id].accumulates_cases)
        now = self.clock()
        evaluations = evaluate_feed(catalogue, self.calendar, self.store, feed_id, now)
        if not result.ok:   # say why the data is missing: the evaluator sees data, not collections
            failure = f"; the last collection failed ({result.error_category}: {result.error})"
            evaluations = [replace(e, reason=e.reason + failure) if e.status == "no_data" else e for e in evaluations]
        self.store.save_evaluations(evaluations)
        self.board = {**self.board, **{e.commitment: e for e in evaluations}}
        for e in evaluations:
            self.metrics.evaluations.labels(e.status).inc()
        if self.alerts is not None:
            try:
                self.alerts.process(catalogue, evaluations, now)
            except Exception:  # alerting trouble must not stop collection and evaluation
                log.exception("event=alert_processing_failed feed=%s", feed_id)
        return evaluations

    async def _deliver(self) -> None:
        try:
            await self.alerts.deliver_due(self.clock())
        except Exception:
            log.exception("event=delivery_failed")

    # -- reload -------------------------------------------------------------------------
    async def reload(self) -> tuple[bool, list[str]]:
        path = self.settings.targets
        try:
            catalogue = await asyncio.to_thread(load_catalogue, path)
        except ConfigError as exc:
            problems = [str(p) for p in exc.problems]
            self.last_reload_error = problems
            self.metrics.reloads.labels("failure").inc()
            self.metrics.reload_success.set(0)
            for problem in problems:
                log.error("event=reload_rejected problem=%r", problem)
            log.error("event=reload_rejected kept=previous_catalogue problems=%d", len(problems))
            return False, problems
        self.catalogue = catalogue
        self.calendar = WorkCalendar.from_spec(catalogue.calendar)
        dispose_sql_engines()   # a feed's database URL may have changed
        self.board = {k: v for k, v in self.board.items() if k in catalogue.commitments}
        self.last_reload_error = []
        self.metrics.reloads.labels("success").inc()
        self.metrics.reload_success.set(1)
        self.metrics.reload_time.set(self.clock().timestamp())
        self.metrics.record_catalogue(catalogue)
        if self._scheduler is not None:
            self._schedule_feeds()
        log.info("event=reloaded commitments=%d feeds=%d", len(catalogue.commitments), len(catalogue.feeds))
        return True, []

    # -- WebBackend (called from the listener's threads) ----------------------------------
    def request_reload(self) -> tuple[bool, list[str]]:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(self.reload(), self._loop).result(timeout=60)

    def health(self) -> tuple[bool, dict]:
        return True, {"status": "ok", "started_at": self.started_at.isoformat(),
                      "commitments": len(self.catalogue.commitments), "feeds": len(self.catalogue.feeds),
                      "evaluated": len(self.board), "last_reload_problems": self.last_reload_error}

    def snapshot(self) -> Snapshot:
        return Snapshot(self.catalogue, self.board, self.clock())

    def history(self, commitment: str, limit: int) -> list[HistoryPoint]:
        """The commitment's most recent evaluations, oldest first."""
        return [HistoryPoint(h.evaluated_at, h.status, h.actual, h.target)
                for h in reversed(self.store.history(commitment, limit))]

    def status(self, commitment: str | None) -> dict | None:
        if commitment is None:
            counts: dict[str, int] = {}
            for e in self.board.values():
                counts[e.status] = counts.get(e.status, 0) + 1
            return {"counts": counts, "commitments": [evaluation_dict(e) for e in self.board.values()]}
        c = self.catalogue.commitments.get(commitment)
        if c is None:
            return None
        current = self.board.get(commitment)
        return {"commitment": commitment, "document": c.document.title, "clause": c.clause, "quote": c.quote,
                "agency": c.agency.name if c.agency else None, "deadline": c.deadline,
                "current": evaluation_dict(current) if current else None,
                "history": [{"evaluated_at": h.evaluated_at, "status": h.status, "actual": h.actual}
                            for h in self.store.history(commitment)]}


def open_store(settings: Settings) -> Store:
    ensure_sqlite_folder(settings.database_url)
    engine = make_engine(settings.database_url)
    added = upgrade_schema(engine)
    if added:
        log.info("event=schema_upgraded added=%s", ",".join(added))
    return Store(engine)
