"""Three `monitor run` replicas on one PostgreSQL share six feeds through leases: every commitment is
exported by exactly one replica; one replica is SIGKILLed mid-cycle and its feeds are collected by
the others within two lease periods; no notification is sent twice."""

from __future__ import annotations

import email
import re
import signal
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
import sqlalchemy

from tests.integration.daemon_process import DaemonProcess, wait_for
from tests.test_loader import VALID

FEEDS = 6
LEASE_SECONDS = 3.0


def catalogue(tmp_path: Path) -> Path:
    feeds = "feeds:\n" + "".join(f"  - {{id: demo{i}, kind: demo, schedule: {{interval: 1s}}}}\n"
                                 for i in range(FEEDS))
    commitment = VALID.split("commitments:\n")[1]
    commitments = "commitments:\n" + "".join(
        commitment.replace("demo2021.company_setup", f"demo2021.c{i}")
        + f"    measure: {{feed: demo{i}}}\n" for i in range(FEEDS))
    text = VALID.split("feeds:")[0] + feeds + "alerting: {group_wait: 0s}\n" + commitments
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "seed.txt").write_text("企业开办时间压缩至1个工作日以内", encoding="utf-8")
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def exported(replica: DaemonProcess) -> set[str]:
    text = httpx.get(replica.url + "/metrics", timeout=5).text
    return set(re.findall(r'^commitment_status\{[^}]*\bcommitment="([^"]+)"[^}]*\} 1\.0$', text, flags=re.M))


def test_three_replicas_share_the_feeds_and_a_killed_ones_feeds_move_within_two_lease_periods(
        tmp_path, postgres_url):
    targets = catalogue(tmp_path)
    replicas = []
    for i in range(3):
        workdir = tmp_path / f"replica{i}"
        workdir.mkdir()
        replicas.append(DaemonProcess(workdir, targets=targets, env={
            "MONITOR_DATABASE_URL": postgres_url, "MONITOR_FEED_LEASES": "true",
            "MONITOR_LEASE_SECONDS": str(LEASE_SECONDS), "MONITOR_DELIVER_INTERVAL_SECONDS": "0.5",
            "MONITOR_MAILDIR": str(tmp_path / "mail")}))
    engine = sqlalchemy.create_engine(postgres_url)
    try:
        for replica in replicas:
            replica.start(timeout=60)
        everything = {f"demo2021.c{i}" for i in range(FEEDS)}

        def shared_once() -> bool:
            sets = [exported(r) for r in replicas if r.process.poll() is None]
            return set().union(*sets) == everything and sum(map(len, sets)) == len(everything)
        wait_for(shared_once, 60, None, replicas[0].log, "every commitment exported by exactly one replica")

        with engine.connect() as connection:
            holders = dict(connection.execute(sqlalchemy.text("SELECT feed, holder FROM feed_lease")).all())
        by_pid = {r.process.pid: r for r in replicas}
        counts = {pid: sum(1 for h in holders.values() if h.split(":")[1] == str(pid)) for pid in by_pid}
        victim = by_pid[max(counts, key=counts.get)]
        lost = sorted(f for f, h in holders.items() if h.split(":")[1] == str(victim.process.pid))
        assert lost, holders
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait(10)
        killed_at = datetime.now(timezone.utc)
        started = time.monotonic()
        survivors = [r for r in replicas if r is not victim]

        def taken_over() -> bool:
            with engine.connect() as connection:
                runs = dict(connection.execute(sqlalchemy.text(
                    "SELECT feed, count(*) FROM collection_run WHERE fetched_at > :t GROUP BY feed"),
                    {"t": killed_at}).all())
            return all(runs.get(feed, 0) > 0 for feed in lost) and shared_once()
        wait_for(taken_over, 30, None, survivors[0].log, "the killed replica's feeds collected by the others")
        assert time.monotonic() - started <= 2 * LEASE_SECONDS + 2.0   # two lease periods, plus the 1 s interval

        with engine.connect() as connection:
            sent = connection.execute(sqlalchemy.text(
                "SELECT n.id, count(a.id) FROM notification n JOIN delivery_attempt a "
                "ON a.notification_id = n.id AND a.outcome = 'sent' GROUP BY n.id")).all()
        assert all(count == 1 for _, count in sent), sent
        mails = list((tmp_path / "mail").rglob("*.eml")) if (tmp_path / "mail").exists() else []
        ids = [email.message_from_bytes(m.read_bytes())["Message-ID"] for m in mails]
        assert len(ids) == len(set(ids)), "a mail was delivered twice"
    finally:
        for replica in replicas:
            if replica.process is not None and replica.process.poll() is None:
                replica.process.send_signal(signal.SIGTERM)
                replica.process.wait(30)
        engine.dispose()
