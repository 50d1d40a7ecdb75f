"""Three `monitor run` replicas on one PostgreSQL share six feeds through leases, two each: every
commitment is exported by exactly one replica; one replica is SIGKILLed in the middle of a cycle
(its feed's answer is held by the test's HTTP server until the kill), its feeds are collected by the
others within two lease periods, and every agency's alert mail reaches a real SMTP server once."""

from __future__ import annotations

import json
import re
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
import sqlalchemy

from tests.collectors.feed_server import FeedServer
from tests.integration.daemon_process import DaemonProcess, daemon_now, wait_for
from tests.smtp_sink import SmtpSink
from tests.test_loader import VALID

pytestmark = pytest.mark.integration

FEEDS = 6
LEASE_SECONDS = 3.0
DAYS_TAKEN = 5   # every feed reports 5 working days against a promise of at most 1: missed, so alerts fire


class Gate:
    """Holds the answer for one feed until opened: a replica waiting for it is inside its cycle."""

    def __init__(self) -> None:
        self.feed: str | None = None
        self.entered = threading.Event()
        self.opened = threading.Event()

    def route(self, feed: str):
        def answer(handler, query) -> None:  # noqa: ANN001 - FeedServer's route signature
            if feed == self.feed and not self.opened.is_set():
                self.entered.set()
                self.opened.wait(30)
            handler.answer(200, json.dumps({"days": DAYS_TAKEN}).encode(), "application/json")
        return answer


def catalogue(tmp_path: Path, feed_url: str) -> Path:
    """Six feeds, each measuring one commitment of its own agency (so one alert mail per agency)."""
    agencies = "agencies:\n" + "".join(
        f"  - {{id: demo.a{i}, name: 第{i}局, emails: [a{i}@agencies.example]}}\n" for i in range(FEEDS))
    feeds = "feeds:\n" + "".join(
        f"  - {{id: f{i}, kind: http_json, url: '{feed_url}/feed/f{i}', schedule: {{interval: 1s}}, timeout: 30s,"
        f" retries: 0, series: [{{name: days, type: value, path: days}}]}}\n" for i in range(FEEDS))
    commitment = (VALID.split("commitments:\n")[1].replace("kind: case_duration", "kind: value")
                  .replace("    measure: {feed: demo}\n", ""))   # each commitment's own feed, below
    commitments = "commitments:\n" + "".join(
        commitment.replace("demo2021.company_setup", f"demo2021.c{i}").replace("agency: demo.market", f"agency: demo.a{i}")
        + f"    measure: {{feed: f{i}, series: days}}\n" for i in range(FEEDS))
    text = VALID.split("agencies:")[0] + agencies + feeds + "alerting: {group_wait: 0s}\n" + commitments
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "seed.txt").write_text("企业开办时间压缩至1个工作日以内", encoding="utf-8")
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def exported(replica: DaemonProcess) -> set[str]:
    text = httpx.get(replica.url + "/metrics", timeout=5).text
    return set(re.findall(r'^commitment_status\{[^}]*\bcommitment="([^"]+)"[^}]*\} 1\.0$', text, flags=re.M))


def held_per_replica(engine: sqlalchemy.Engine, replicas: list[DaemonProcess]) -> dict[int, list[str]]:
    """The feeds each replica (by pid) holds an unexpired lease on."""
    now = daemon_now()       # lease times are written on the daemons' clock
    with engine.connect() as connection:
        rows = connection.execute(sqlalchemy.text("SELECT feed, holder, expires_at FROM feed_lease")).all()
    return {pid_of(r): sorted(feed for feed, holder, expires in rows
                              if holder.split(":")[1] == str(pid_of(r)) and expires > now)
            for r in replicas}


def pid_of(replica: DaemonProcess) -> int:
    assert replica.process is not None, "the replica is not running"
    return replica.process.pid


def cycle_events(replica: DaemonProcess, event: str, feed: str) -> int:
    return len(re.findall(rf"\bevent={event} feed={feed}\b", replica.log.read_text(errors="replace")))


def test_three_replicas_share_the_feeds_and_a_replica_killed_mid_cycle_loses_its_feeds_without_double_mail(
        tmp_path, postgres_url):
    gate = Gate()
    sink = SmtpSink().start()
    engine = sqlalchemy.create_engine(postgres_url)
    replicas: list[DaemonProcess] = []
    with FeedServer() as server:
        server.routes = {f"/feed/f{i}": gate.route(f"f{i}") for i in range(FEEDS)}
        targets = catalogue(tmp_path, server.url)
        try:
            for i in range(3):
                workdir = tmp_path / f"replica{i}"
                workdir.mkdir()
                replicas.append(DaemonProcess(workdir, targets=targets, demo=False, env={
                    "MONITOR_DATABASE_URL": postgres_url, "MONITOR_FEED_LEASES": "true",
                    "MONITOR_LEASE_SECONDS": str(LEASE_SECONDS), "MONITOR_DELIVER_INTERVAL_SECONDS": "0.5",
                    "MONITOR_OUTBOX_LEASE_SECONDS": "2", "MONITOR_SMTP_HOST": "127.0.0.1",
                    "MONITOR_SMTP_PORT": str(sink.port), "MONITOR_SMTP_TLS": "none"}))
            for replica in replicas:   # started together, so they race for the feeds
                replica.spawn()
            for replica in replicas:
                replica.wait_ready(timeout=60)
            everything = {f"demo2021.c{i}" for i in range(FEEDS)}

            def shared_once() -> bool:
                sets = [exported(r) for r in replicas if r.process is not None and r.process.poll() is None]
                return set().union(*sets) == everything and sum(map(len, sets)) == len(everything)
            wait_for(shared_once, 30, None, replicas[0].log, "every commitment exported by exactly one replica")

            # the first replica up takes every feed, then gives back what exceeds its fair share, 6 / 3
            wait_for(lambda: shared_once() and sorted(map(len, held_per_replica(engine, replicas).values())) == [2, 2, 2],
                     20, None, replicas[0].log, "two feeds held by each replica")
            held = held_per_replica(engine, replicas)
            victim = next(r for r in replicas
                          if r.process is not None and r.process.pid == max(held, key=lambda pid: len(held[pid])))
            assert victim.process is not None
            lost = held[victim.process.pid]
            assert lost, held

            # mid-cycle: the victim has logged the start of a cycle for `lost[0]` and waits for its answer
            gate.feed = lost[0]
            assert gate.entered.wait(10), "the victim never asked for its feed"
            victim.process.send_signal(signal.SIGKILL)
            victim.process.wait(10)
            killed_at = daemon_now()
            started = time.monotonic()
            gate.opened.set()
            assert cycle_events(victim, "cycle_started", lost[0]) == cycle_events(victim, "cycle_done", lost[0]) + 1, \
                "the kill did not land inside a cycle"
            survivors = [r for r in replicas if r is not victim]

            def taken_over() -> bool:
                with engine.connect() as connection:
                    runs: dict[str, int] = dict(connection.execute(sqlalchemy.text(
                        "SELECT feed, count(*) FROM collection_run WHERE fetched_at > :t GROUP BY feed"),
                        {"t": killed_at}).all())
                return all(runs.get(feed, 0) > 0 for feed in lost) and shared_once()
            wait_for(taken_over, 30, None, survivors[0].log, "the killed replica's feeds collected by the others")
            assert time.monotonic() - started <= 2 * LEASE_SECONDS + 2.0   # two lease periods, plus the 1 s interval
            wait_for(lambda: sorted(map(len, held_per_replica(engine, survivors).values())) == [3, 3], 10, None,
                     survivors[0].log, "three feeds held by each survivor")

            # one alert mail per agency (each commitment missed once, repeat_interval a day away), each sent once
            def drained() -> bool:
                with engine.connect() as connection:
                    waiting = connection.execute(sqlalchemy.text(
                        "SELECT count(*) FROM notification WHERE state IN ('pending', 'sending')")).scalar()
                return waiting == 0 and len(sink.messages()) >= FEEDS
            wait_for(drained, 20, None, survivors[0].log, "every alert mail delivered")
            with engine.connect() as connection:
                rows = connection.execute(sqlalchemy.text(
                    "SELECT n.message_id, n.state, (SELECT count(*) FROM delivery_attempt a WHERE "
                    "a.notification_id = n.id AND a.outcome = 'sent') FROM notification n WHERE n.channel = 'email'"
                )).all()
            assert len(rows) == FEEDS and {(state, sent) for _, state, sent in rows} == {("sent", 1)}, rows
            received = Counter(m.message_id for m in sink.messages())
            assert [mid for mid, n in received.items() if n > 1] == [], "a mail was delivered twice"
            assert set(received) == {mid for mid, _, _ in rows}
            assert sorted(m.message["To"] for m in sink.messages()) == sorted(
                f"a{i}@agencies.example" for i in range(FEEDS))
        finally:
            gate.opened.set()
            for replica in replicas:
                if replica.process is not None and replica.process.poll() is None:
                    replica.process.send_signal(signal.SIGTERM)
                    replica.process.wait(30)
            engine.dispose()
            sink.stop()
