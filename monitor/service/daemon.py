"""The daemon: one scheduled job per feed; collect → store → evaluate → store → alerts; reload on demand.

Time-bound work runs on one asyncio loop (APScheduler's AsyncIOScheduler). The HTTP listener and
the demo feed server run in threads and reach the loop only through thread-safe calls.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx
from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from prometheus_client import CollectorRegistry
from prometheus_client.registry import Collector

from alerts.startup import Line
from collectors.base import FetchContext
from collectors.runner import collect, release_resources, set_concurrency, struggling
from monitor import migrations
from monitor.calendar import WorkCalendar
from monitor.evaluate import Evaluation, data_wanted
from monitor.loader import load_catalogue
from monitor.model import Catalogue
from monitor.observations import CollectionResult
from monitor.problems import ConfigError
from monitor.reporting import reports_feeds
from monitor.service import heap, receipts, report_tables
from monitor.service.commitment_metrics import CommitmentCollector
from monitor.service.daemon_metrics import DaemonMetrics
from monitor.service.demo.agencies import DemoAgencies
from monitor.service.demo.server import DemoServer
from monitor.service.disputes.desk import dispute_desk
from monitor.service.gzipped import Compressed
from monitor.service.leases import FeedLeases, replica_id
from monitor.service.metrics_snapshot import MetricsSnapshot
from monitor.service.outage import StoreOutage
from monitor.service.pages.views import HistoryPoint, Snapshot
from monitor.service.public_text import public
from monitor.service.reloads import SerialReloads
from monitor.service.replica_share import EveryFeed, FeedShare, ReplicaShare
from monitor.service.reporting_round import ReportingRound, mark_late
from monitor.service.reports_view import ReportsView
from monitor.service.retention import prune
from monitor.service.settings import ADMIN_TOKEN_FILE_NAME, Settings, ensure_sqlite_folder, split_address
from monitor.service.signed_links import default_secret_path
from monitor.service.store_health import StoreHealth, StoreUnavailable, public_problem
from monitor.service.uploads import UploadDesk
from monitor.service.web import WebServer
from monitor.shared_verdicts import evaluate_shared
from monitor.spec.feeds import ReportsFeed
from monitor.store import Store, evaluation_dict, make_engine

log = logging.getLogger("monitor.daemon")
FEED_JOB_PREFIX = "feed:"
SHUTDOWN_GRACE_SECONDS = 10
REPORTING_ROUND_SECONDS = 300   # templates, reminders, the overdue list: checked every five minutes


class AlertHook(Protocol):
    def process(self, catalogue: Catalogue, evaluations: Sequence[Evaluation], now: datetime) -> None: ...
    def startup_report(self, catalogue: Catalogue) -> list[Line]: ...
    async def deliver_due(self, now: datetime) -> int: ...
    async def aclose(self) -> None: ...
    def metrics_collector(self) -> Collector: ...


def evaluate_feed(catalogue: Catalogue, calendar: WorkCalendar, store: Store, feed_id: str,
                  now: datetime) -> list[Evaluation]:
    """Evaluate every commitment measured on `feed_id` against the stored observations (read for the
    whole feed at once, not commitment by commitment); commitments asking the same of the same data
    are evaluated once (monitor.shared_verdicts), the per-case ones together (monitor.feed_batch)."""
    commitments = catalogue.evaluated_commitments(feed_id)
    wanted = {c.id: data_wanted(c, now, calendar) for c in commitments}
    data = store.feed_data(feed_id, wanted.values(), catalogue.feeds[feed_id].accumulates_cases)
    return evaluate_shared(commitments, lambda c: data[wanted[c.id]], now, calendar)


class Daemon:
    def __init__(self, settings: Settings, catalogue: Catalogue, store: Store, *, demo: bool = False,
                 registry: CollectorRegistry | None = None, alerts: AlertHook | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.settings = settings
        self.catalogue = catalogue
        self.calendar = WorkCalendar.from_spec(catalogue.calendar)
        self.store = store
        self.alerts = alerts
        self.clock = clock
        self.registry = registry or CollectorRegistry()
        self.metrics = DaemonMetrics(self.registry)
        for feed in catalogue.feeds.values():   # a rejected file's count exists at 0 first: MonitorFileRejected sees the first
            if feed.kind in ("file", "reports"):
                self.metrics.rows_rejected.labels(feed.id, "file_rejected")
        # with replicas, this one's fair share of the feeds, each held by a lease; else every feed
        self.feed_share: FeedShare = ReplicaShare(
            FeedLeases(store.engine, replica_id(), timedelta(seconds=settings.lease_seconds)),
            lambda: len(self.catalogue.feeds), clock, self._forget, lambda: self.commitment_metrics.refresh(),
        ) if settings.feed_leases else EveryFeed()
        # per-commitment families: rendered once per cycle and per reload, copied by each scrape
        self.commitment_metrics = MetricsSnapshot(CommitmentCollector(
            lambda: self.catalogue, lambda: self.board, detail=settings.metrics_detail,
            feeds=self.feed_share.held_feeds))
        if alerts is not None:
            self.registry.register(alerts.metrics_collector())
        self.board: dict[str, Evaluation] = {} if self.feed_share.held_feeds() is not None else {   # none held yet
            cid: e for cid, e in store.current_evaluations().items() if cid in catalogue.commitments}
        self._board_lock = threading.Lock()   # the one writer of `catalogue` and `board` at a time
        self.store_health = StoreHealth(store.engine)
        self.store_reads = StoreOutage(log)   # pages and API reading the store: one log line per outage
        self.reload = SerialReloads(self._reload_once)
        self.last_reload_ok = True
        self.demo_server = DemoServer(lambda: self.catalogue, lambda: self.calendar, settings.demo_seed,
                                      *split_address(settings.demo_listen), clock=clock) if demo else None
        self.web: WebServer | None = None
        signer, public_url = settings.link_signer(), settings.links().url   # one secret for dispute and upload links
        self.dispute_desk = dispute_desk(settings, store.engine, lambda: self.catalogue, lambda: self.board, clock,
                                         getattr(alerts, "settings", None), signer)
        self.uploads = UploadDesk(signer, lambda: self.catalogue, clock, public_url)
        self.reporting_round = ReportingRound(store.engine, signer, public_url)
        self.demo_agencies = DemoAgencies(lambda: self.catalogue, lambda: self.calendar, settings.demo_seed,
                                          self.reporting_round.ask) if demo else None
        self.started_at = clock()
        self.last_reload_error: list[str] = []
        self.feed_ok: dict[str, bool] = {}   # each feed's last collection (and storing) succeeded
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = asyncio.Event()
        self._client: httpx.AsyncClient | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[object]] = set()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        # collected results not yet stored: each holds a whole payload, so while the writer is behind
        # no further collection starts (at 50 feeds of 50,000 points, queued results were 600 MB)
        self._ahead_of_writer = 0   # feeds being collected or waiting for the writer
        self._store_backlog = asyncio.Condition()
        self.metrics.record_catalogue(catalogue)
        self.metrics.public_url.labels(public_url).set(1)
        self.metrics.reload_success.set(1)
        self.metrics.reload_time.set(self.started_at.timestamp())

    # -- lifecycle ----------------------------------------------------------------------
    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        # before the listener answers: a SIGHUP sent once /healthz is up must reload, not kill
        for sig, handler in ((signal.SIGTERM, self.stop), (signal.SIGINT, self.stop),
                             (signal.SIGHUP, lambda: asyncio.ensure_future(self.reload()))):
            self._loop.add_signal_handler(sig, handler)
        set_concurrency(self.settings.max_concurrent_feeds)
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0), follow_redirects=True)
        if self.demo_server:
            self.demo_server.start()
            log.info("demo_feed_started", extra={"url": self.demo_server.url})
        try:
            token: str | None = self.settings.admin_secret()
            log.info("admin_token", extra={"source": "MONITOR_ADMIN_TOKEN" if self.settings.admin_token
                                           else str(self.settings.admin_token_file or default_secret_path(
                                               self.settings.database_url, ADMIN_TOKEN_FILE_NAME))})
        except OSError as exc:   # an unwritable data folder: reload by SIGHUP only
            log.warning("admin_token_unavailable", extra={"error": str(exc)[:200], "reload": "SIGHUP only"})
            token = None
        self.web = await WebServer(self, *self.settings.listen_address(), admin_token=token,
                                   request_timeout=self.settings.http_timeout_seconds,
                                   on_rejected=lambda reason: self.metrics.http_rejected.labels(reason).inc()).start()
        host, port = self.web.address
        log.info("listening", extra={"pages": f"http://{host}:{port}/", "metrics": f"http://{host}:{port}/metrics",
                                      "health": f"http://{host}:{port}/healthz"})
        print(f"Commitment Monitor serving http://{host}:{port}/  (pages, /api/v1, /metrics, /healthz, /status)",
              flush=True)
        if self.alerts is not None:
            self._say_where_mail_goes(self.alerts.startup_report(self.catalogue))
        self._scheduler = AsyncIOScheduler(event_loop=self._loop, timezone=UTC)
        self._scheduler.add_listener(self._on_job_skipped, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
        await self.feed_share.announce()   # counted among the replicas before taking any feed
        self._schedule_feeds(self._triggers(self.catalogue, self.calendar))
        if self.alerts is not None:
            self._scheduler.add_job(self._deliver, IntervalTrigger(seconds=self.settings.deliver_interval_seconds),
                                    id="deliver", max_instances=1, coalesce=True,
                                    next_run_time=datetime.now(UTC))   # the scheduler runs on real time
        self._scheduler.add_job(self._render_metrics, IntervalTrigger(seconds=1), id="metrics", max_instances=1,
                                coalesce=True)
        if (renew_seconds := self.feed_share.renew_seconds) is not None:
            self._scheduler.add_job(self.feed_share.renew, IntervalTrigger(seconds=renew_seconds),
                                    id="leases", max_instances=1, coalesce=True)
        if self.alerts is not None:   # templates, reminders and the overdue list (progress reports)
            self._scheduler.add_job(self._reporting_round, IntervalTrigger(seconds=REPORTING_ROUND_SECONDS),
                                    id="reporting-round", max_instances=1, coalesce=True,
                                    next_run_time=datetime.now(UTC))
        if self.settings.prune_interval_seconds > 0:
            self._scheduler.add_job(self._prune, IntervalTrigger(seconds=self.settings.prune_interval_seconds),
                                    id="prune", max_instances=1, coalesce=True)
        self._scheduler.start()
        try:
            await self._stopping.wait()
        finally:
            await self._shutdown()

    @staticmethod
    def _say_where_mail_goes(lines: Sequence[Line]) -> None:
        """Where mail goes and where its links point: a log line each, and on the terminal too;
        warnings (links no reader can open) also on stderr, so they are seen."""
        for line in lines:
            log.log(line.level, line.event, extra={**line.fields, "detail": line.text})
            if line.level >= logging.WARNING:
                print(f"WARNING: {line.text}", file=sys.stderr, flush=True)
            else:
                print(line.text, flush=True)

    def stop(self) -> None:
        log.info("stopping")
        self._stopping.set()

    async def _shutdown(self) -> None:
        if self._scheduler:
            self._scheduler.shutdown(wait=False)
        if self._running:   # let collections in flight finish storing what they fetched
            await asyncio.wait(set(self._running), timeout=SHUTDOWN_GRACE_SECONDS)
        await self.feed_share.stop()   # a clean stop hands the feeds over at once
        if self.web:
            await self.web.stop()
        if self.demo_server:
            self.demo_server.stop()
        if self._client:
            await self._client.aclose()
        release_resources()
        try:   # the case batches' data times kept in memory, on the writer after what it still stores
            await asyncio.get_running_loop().run_in_executor(self._writer, self.store.flush)
        except Exception:  # noqa: BLE001 - the rows lag by at most a day; the next collection moves them on
            log.warning("store_flush_failed")
        self._writer.shutdown(wait=False)
        if self.alerts is not None:
            await self.alerts.aclose()
        log.info("stopped")

    # -- scheduling ---------------------------------------------------------------------
    def _triggers(self, catalogue: Catalogue, calendar: WorkCalendar) -> dict[str, tuple[object, int]]:
        """Every feed's trigger and misfire grace; raises ValueError before anything is changed."""
        triggers = {}
        for feed in catalogue.feeds.values():
            jitter = int(feed.schedule.jitter.total_seconds()) or None
            if feed.schedule.interval is not None:
                trigger = IntervalTrigger(seconds=feed.schedule.interval.total_seconds(), jitter=jitter)
                grace = max(1, int(feed.schedule.interval.total_seconds()))
            else:
                try:
                    trigger = CronTrigger.from_crontab(feed.schedule.cron, timezone=calendar.timezone)
                except ValueError as exc:
                    raise ValueError(f"feed {feed.id}: schedule.cron {feed.schedule.cron!r}: {exc}") from None
                grace = 3600
            triggers[feed.id] = (trigger, grace)
        return triggers

    def _schedule_feeds(self, triggers: dict[str, tuple[object, int]], previous: Catalogue | None = None) -> None:
        """One job per feed; a feed whose spec did not change keeps its job and its cadence."""
        assert self._scheduler is not None
        for job in self._scheduler.get_jobs():
            feed_id = job.id[len(FEED_JOB_PREFIX):]
            unchanged = previous is not None and previous.feeds.get(feed_id) == self.catalogue.feeds.get(feed_id)
            if job.id.startswith(FEED_JOB_PREFIX) and not unchanged:
                job.remove()
        for feed_id, (trigger, grace) in triggers.items():
            if self._scheduler.get_job(FEED_JOB_PREFIX + feed_id) is None:
                self._scheduler.add_job(self.run_feed, trigger, args=[feed_id], id=FEED_JOB_PREFIX + feed_id,
                                        max_instances=1, coalesce=True, misfire_grace_time=grace,
                                        next_run_time=datetime.now(UTC))   # the scheduler runs on real time

    def _on_job_skipped(self, event: JobExecutionEvent) -> None:
        if event.job_id.startswith(FEED_JOB_PREFIX):
            reason = "missed" if event.code == EVENT_JOB_MISSED else "still_running"
            feed = event.job_id[len(FEED_JOB_PREFIX):]
            self.metrics.scheduler_misses.labels(feed, reason).inc()
            log.warning("scheduled_run_skipped", extra={"feed": feed, "reason": reason})

    # -- the work -----------------------------------------------------------------------
    async def run_feed(self, feed_id: str) -> list[Evaluation]:
        """Collect one feed, store what came, evaluate its commitments, hand verdicts to alerts."""
        task = asyncio.current_task()
        assert task is not None   # run as a job on the event loop
        self._running.add(task)
        try:
            with self.feed_share.cycle(feed_id):   # a feed mid-cycle is never given back
                return await self._run_feed(feed_id)
        except asyncio.CancelledError:
            if self._stopping.is_set():   # a shutdown that outlasted the grace period drops the run
                log.info("collection_abandoned", extra={"feed": feed_id, "reason": "shutdown"})
                return []
            raise
        finally:
            self._running.discard(task)

    async def _run_feed(self, feed_id: str) -> list[Evaluation]:
        catalogue = self.catalogue
        feed = catalogue.feeds.get(feed_id)
        if feed is None:
            return []
        if not await self.feed_share.may_collect(feed_id):
            return []   # another replica collects this feed
        assert self._client is not None
        started = time.perf_counter()
        # no more results ahead of the writer than feeds collected at once, counting those still being
        # collected: each holds a parsed payload (tens of MB at 2,000 commitments). A struggling feed
        # (its last collection timed out or could not connect) is not counted: it mostly waits, and the
        # runner already holds such feeds to half its slots, so hung feeds cannot starve healthy ones
        ahead = 0 if struggling(feed_id) else 1
        async with self._store_backlog:
            await self._store_backlog.wait_for(
                lambda: not ahead or self._ahead_of_writer < self.settings.max_concurrent_feeds)
            self._ahead_of_writer += ahead
        try:
            log.info("cycle_started", extra={"feed": feed_id})
            if self.demo_agencies is not None:   # --demo: the agencies put their files where this feed reads
                await asyncio.to_thread(self.demo_agencies.before_collect, feed, self.clock())
            context = FetchContext(client=self._client, now=self.clock(), timezone=self.calendar.timezone,
                                   env=os.environ, demo_url=self.demo_server.url if self.demo_server else None,
                                   catalogue=self.catalogue)
            result = await collect(feed, context)   # logs the outcome once
            try:
                # one writer thread for every feed: cycles queue instead of thrashing the interpreter and
                # SQLite's write lock (at 50 feeds, 50 threads each held a transaction for minutes)
                evaluations = await asyncio.get_running_loop().run_in_executor(
                    self._writer, self._store_and_evaluate, catalogue, result, feed_id)
            except Exception as exc:  # noqa: BLE001 - a store fault is reported, never a silent success
                self.store_health.record_write(exc)
                self.metrics.store_writable.set(0)
                log.error("store_write_failed", extra={"feed": feed_id, "error": self.store_health.problem()})
                self.metrics.record_collection(replace(result, ok=False, error_category="store",
                                                       error=self.store_health.problem()))
                self.feed_ok[feed_id] = False
                return []
        finally:
            self._ahead_of_writer -= ahead
            async with self._store_backlog:
                self._store_backlog.notify_all()
        self.metrics.record_collection(result)
        self.feed_ok[feed_id] = result.ok
        log.info("cycle_done", extra={"feed": feed_id, "commitments": len(evaluations),
                                      "seconds": round(time.perf_counter() - started, 3)})
        return evaluations

    def _store_and_evaluate(self, catalogue: Catalogue, result: CollectionResult, feed_id: str) -> list[Evaluation]:
        problem = self.store_health.problem()
        if problem and "cannot write" not in problem:   # a deleted or read-only file: writes would vanish
            raise StoreUnavailable(problem)
        self.store.save_collection(result, catalogue.feeds[feed_id].accumulates_cases)
        if result.receipts:   # before evaluating: whether an agency has reported decides 未按期填报
            report_tables.record(self.store.engine, result.receipts, self.clock())
        self.store_health.record_write(None)
        self.metrics.store_writable.set(1)
        now = self.clock()
        evaluations = evaluate_feed(catalogue, self.calendar, self.store, feed_id, now)
        if isinstance(catalogue.feeds[feed_id], ReportsFeed):   # late is not missed: 未按期填报
            evaluations = mark_late(self.store.engine, catalogue, feed_id, evaluations,
                                    now.astimezone(catalogue.calendar_zone).date())
        if not result.ok:   # say why the data is missing: the evaluator sees data, not collections
            failure = f"; the last collection failed ({result.error_category}: {result.error})"
            evaluations = [replace(e, reason=e.reason + failure) if e.status == "no_data" else e for e in evaluations]
        evaluations = self._still_current(catalogue, feed_id, evaluations)
        self.store.save_evaluations(evaluations)
        with self._board_lock:   # a reload may have come in meanwhile: keep only what it still holds
            evaluations = self._still_current(catalogue, feed_id, evaluations)
            self.board = {**self.board, **{e.commitment: e for e in evaluations}}
        for e in evaluations:
            self.metrics.evaluations.labels(e.status).inc()
        self.commitment_metrics.changed()
        if self.alerts is not None:
            try:
                self.alerts.process(catalogue, evaluations, now)
            except Exception:  # alerting trouble must not stop collection and evaluation
                log.exception("alert_processing_failed", extra={"feed": feed_id})
        if result.receipts:   # a receipt for every file read: to the agency and the operators
            try:
                receipts.queue(self.store.engine, catalogue, result.receipts, evaluations, now, self.settings.links().url)
            except Exception:  # noqa: BLE001 - the data is stored; a receipt that failed is logged
                log.exception("receipts_failed", extra={"feed": feed_id})
        return evaluations

    def _still_current(self, used: Catalogue, feed_id: str, evaluations: list[Evaluation]) -> list[Evaluation]:
        """The evaluations whose commitment the current catalogue still measures on this feed."""
        current = self.catalogue
        if current is used:
            return evaluations
        return [e for e in evaluations if (c := current.commitments.get(e.commitment)) is not None
                and c.measure.feed == feed_id and c.measure == used.commitments[e.commitment].measure]

    async def _prune(self) -> None:
        """Apply the operator's retention (in short statements, off the loop)."""
        try:
            await asyncio.to_thread(prune, self.store.engine, self.catalogue, self.calendar, self.clock(),
                                    self.settings.retention())
        except Exception:  # noqa: BLE001 - retention trouble is logged; the next run tries again
            log.exception("prune_failed")

    def _forget(self, feeds: list[str]) -> None:
        """No longer export these feeds' verdicts (this replica no longer collects them)."""
        with self._board_lock:
            self.board = {k: v for k, v in self.board.items()
                          if (c := self.catalogue.commitments.get(k)) is not None and c.measure.feed not in feeds}

    async def _render_metrics(self) -> None:
        """Render the /metrics snapshot a burst of cycles deferred (see MetricsSnapshot)."""
        try:
            await asyncio.to_thread(self.commitment_metrics.flush_if_due)
        except Exception:  # noqa: BLE001 - the previous snapshot keeps being served
            log.exception("metrics_render_failed")

    async def _reporting_round(self) -> None:
        if not reports_feeds(self.catalogue):
            return
        try:
            await asyncio.to_thread(self.reporting_round.run, self.catalogue, self.calendar, self.clock())
        except Exception:  # noqa: BLE001 - the next round tries again
            log.exception("reporting_round_failed")

    async def _deliver(self) -> None:
        if self.alerts is None:
            return
        try:
            await self.alerts.deliver_due(self.clock())
        except Exception:
            log.exception("delivery_failed")

    # -- reload -------------------------------------------------------------------------
    async def _reload_once(self) -> tuple[bool, list[str]]:
        """Load targets.yaml and apply it whole, or keep the running catalogue and say why."""
        path = self.settings.targets
        try:
            catalogue = await asyncio.to_thread(load_catalogue, path)
            calendar = WorkCalendar.from_spec(catalogue.calendar)
            triggers = self._triggers(catalogue, calendar)
        except ConfigError as exc:
            return self._reload_failed([str(p) for p in exc.problems])
        except ValueError as exc:
            return self._reload_failed([f"{path}: {exc}"])
        except Exception as exc:  # noqa: BLE001 - a reload never dies unanswered
            log.exception("reload_crashed")
            return self._reload_failed([f"{path}: cannot load: {type(exc).__name__}: {exc}"])
        with self._board_lock:
            previous = self.catalogue
            self.catalogue, self.calendar = catalogue, calendar
            self.board = {k: v for k, v in self.board.items() if k in catalogue.commitments}
        release_resources()   # a feed's database URL may have changed
        await asyncio.to_thread(self.commitment_metrics.refresh)   # removed commitments leave /metrics now
        self.last_reload_error = []
        self.last_reload_ok = True
        self.metrics.reloads.labels("success").inc()
        self.metrics.reload_success.set(1)   # after the rendering: a scrape saying so shows the new catalogue
        self.metrics.reload_time.set(self.clock().timestamp())
        self.metrics.record_catalogue(catalogue)
        if self._scheduler is not None:
            self._schedule_feeds(triggers, previous)
        del previous
        await asyncio.to_thread(heap.settle, replaced=True)   # the old catalogue freed, the new one frozen
        log.info("reloaded", extra={"commitments": len(catalogue.commitments), "feeds": len(catalogue.feeds)})
        return True, []

    def _reload_failed(self, problems: list[str]) -> tuple[bool, list[str]]:
        self.last_reload_error = problems
        self.last_reload_ok = False
        self.metrics.reloads.labels("failure").inc()
        self.metrics.reload_success.set(0)
        for problem in problems:
            log.error("reload_rejected", extra={"problem": problem})
        log.error("reload_rejected", extra={"kept": "previous_catalogue", "problems": len(problems)})
        return False, problems

    # -- WebBackend (called from the listener's threads) ----------------------------------
    def health(self) -> tuple[bool, dict[str, Any]]:
        """Unhealthy (503) when the store cannot take writes; degraded (200) after a rejected reload or
        while every feed this replica collects failed its last collection."""
        store_problem = self.store_health.check()
        self.metrics.store_writable.set(0 if store_problem else 1)
        held = self.feed_share.held_feeds()
        feeds = frozenset(self.catalogue.feeds) if held is None else held
        failing = sum(self.feed_ok.get(feed) is False for feed in feeds)
        all_failing = bool(feeds) and failing == len(feeds)
        status = "failing" if store_problem else "degraded" if all_failing or not self.last_reload_ok else "ok"
        return store_problem is None, {   # public: the problem's fixed sentence, its detail is in the log
            "status": status, "started_at": self.started_at.isoformat(),
            "commitments": len(self.catalogue.commitments), "feeds": len(self.catalogue.feeds),
            "evaluated": len(self.board),
            "store": {"writable": store_problem is None, "problem": public_problem(store_problem)},
            "feeds_collected": len(feeds), "feeds_failing": failing,
            "last_reload_ok": self.last_reload_ok,
            "last_reload_problems": [self._without_folder(p) for p in self.last_reload_error]}

    def _without_folder(self, problem: str) -> str:
        """A reload problem as /healthz (open to anyone) shows it: files named from the catalogue's
        folder, not by the machine's absolute paths (the reload's answer and the log keep them)."""
        for folder in {str(Path(self.settings.targets).parent), str(Path(self.settings.targets).resolve().parent)}:
            if folder not in ("", "."):
                escaped = re.escape(folder.rstrip(os.sep))
                problem = re.sub(escaped + r"(?=[\s,:;'\"]|$)", ".", re.sub(escaped + re.escape(os.sep), "", problem))
        return problem

    def commitment_exposition(self) -> bytes:
        """The per-commitment families as last rendered (the rest of /metrics is rendered per scrape)."""
        return self.commitment_metrics.exposition()

    def commitment_exposition_compressed(self) -> Compressed:
        return self.commitment_metrics.compressed()

    def snapshot(self) -> Snapshot:
        with self._board_lock:   # a catalogue and the board that goes with it, never one of each
            now = self.clock()
            return Snapshot(self.catalogue, self.board, now, ReportsView(self.store.engine, self.catalogue, now,
                                                                          self.store_reads))

    def history(self, commitment: str, limit: int) -> list[HistoryPoint] | None:
        """The commitment's most recent evaluations, oldest first; None while the store cannot be read."""
        rows = self.store_reads.read("history", lambda: self.store.history(commitment, limit))
        return None if rows is None else [HistoryPoint(h.evaluated_at, h.status, h.actual, h.target)
                                          for h in reversed(rows)]

    def status(self, commitment: str | None) -> dict[str, Any] | None:
        if commitment is None:
            counts: dict[str, int] = {}
            for e in self.board.values():
                counts[e.status] = counts.get(e.status, 0) + 1
            return {"counts": counts, "commitments": [_public_dict(e) for e in self.board.values()]}
        c = self.catalogue.commitments.get(commitment)
        if c is None:
            return None
        current = self.board.get(commitment)
        answer: dict[str, Any] = {"commitment": commitment, "document": c.document.title, "clause": c.clause, "quote": c.quote,
                  "agency": c.agency.name if c.agency else None, "deadline": c.deadline,
                  "current": _public_dict(current) if current else None}
        rows = self.store_reads.read("status_history", lambda: self.store.history(commitment))
        if rows is None:   # the verdict held in memory is still worth answering with
            answer["history"], answer["history_error"] = None, "the database is unavailable"
        else:
            answer["history"] = [{"evaluated_at": h.evaluated_at, "status": h.status, "actual": h.actual}
                                 for h in rows]
        return answer


def _public_dict(evaluation: Evaluation) -> dict[str, Any]:
    """A verdict as /status (public) shows it: the reason without paths or addresses of the machine."""
    return {**evaluation_dict(evaluation), "reason": public(evaluation.reason)}


def open_store(settings: Settings) -> Store:
    """The store, schema upgraded and checked writable; StoreUnavailable saying why otherwise."""
    ensure_sqlite_folder(settings.database_url)
    engine = make_engine(settings.database_url)
    try:   # every package's tables, by the migrations (monitor.migrations): none appears by being imported
        applied = migrations.upgrade(engine)
    except Exception as exc:  # noqa: BLE001 - reported as a reason not to start
        raise StoreUnavailable(f"cannot prepare the database schema: {str(getattr(exc, 'orig', exc))[:300]}") from None
    if applied:
        log.info("schema_upgraded", extra={"revisions": ",".join(applied), "now_at": applied[-1]})
    StoreHealth(engine).require_writable()
    return Store(engine, actual_tolerance=settings.history_actual_tolerance)
