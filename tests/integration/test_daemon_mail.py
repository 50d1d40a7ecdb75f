"""The real daemon (`monitor run --demo`) mails the agencies through a real SMTP server (aiosmtpd):
Chinese alert e-mails to the right addresses, each message once — also across an SMTP outage and
a SIGKILL in the middle of sending.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from alerts.render import number
from tests.smtp_sink import Received, SmtpSink, free_port
from monitor import names
from tests.integration.daemon_process import ROOT, DaemonProcess

pytestmark = pytest.mark.integration

FEED_INTERVAL = "3s"
GROUP_HEADER = "X-Commitment-Monitor-Group"
COMMITMENTS_HEADER = "X-Commitment-Monitor-Commitments"
OPERATORS = "ops@operators.example"
CJK = re.compile(r"[\u4e00-\u9fff]")


# -- setting up ---------------------------------------------------------------------------
@pytest.fixture
def targets(tmp_path: Path) -> Path:
    """The repository's catalogue with test timings: a 1 s group_wait and a feed collected every few seconds."""
    text = (ROOT / "targets.yaml").read_text(encoding="utf-8")
    fast = (text.replace("  group_wait: 30s\n", "  group_wait: 1s\n", 1)
            .replace("schedule: {interval: 60s, jitter: 5s}", f"schedule: {{interval: {FEED_INTERVAL}}}", 1))
    assert fast.count("group_wait: 1s") == 1 and f"interval: {FEED_INTERVAL}" in fast, "targets.yaml layout changed"
    path = tmp_path / "targets.yaml"
    path.write_text(fast, encoding="utf-8")
    (tmp_path / "seeds").symlink_to(ROOT / "seeds")
    return path


def mail_env(smtp_port: int, **extra: str) -> dict[str, str]:
    return {"MONITOR_SMTP_HOST": "127.0.0.1", "MONITOR_SMTP_PORT": str(smtp_port), "MONITOR_SMTP_TLS": "none",
            "MONITOR_SMTP_TIMEOUT_SECONDS": "20", "MONITOR_DELIVER_INTERVAL_SECONDS": "0.3", **extra}


@pytest.fixture
def cleanup():
    """Stops every daemon and sink a test started, even when it fails."""
    things: list = []
    yield things
    for thing in reversed(things):
        thing.stop()


# -- reading the daemon -------------------------------------------------------------------
def sample(daemon: DaemonProcess, metric: str, **labels: str) -> float:
    for family in text_string_to_metric_families(daemon.metrics()):
        for s in family.samples:
            if s.name == metric and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0.0


def collections(daemon: DaemonProcess) -> int:
    return int(sample(daemon, names.METRIC_COLLECTIONS, feed="demo", result="ok"))


def backlog(daemon: DaemonProcess) -> int:
    return int(sample(daemon, names.METRIC_OUTBOX_BACKLOG, channel="email"))


def email_rows(workdir: Path) -> list[dict]:
    """The outbox's e-mail rows, read from the daemon's SQLite file."""
    with closing(sqlite3.connect(f"file:{workdir / 'monitor.db'}?mode=ro", uri=True, timeout=10)) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute(f"select message_id, state, attempts, last_error, commitments, group_key "
                          f"from {names.TABLE_NOTIFICATION} where channel = 'email' order by id").fetchall()
    return [dict(r) for r in rows]


def delivered_once(sink: SmtpSink, rows: list[dict]) -> None:
    """Every row was received exactly once and nothing else was: the exactly-once check by Message-ID."""
    received = Counter(m.message_id for m in sink.messages())
    assert [mid for mid, n in received.items() if n > 1] == [], "a message was delivered twice"
    assert set(received) == {r["message_id"] for r in rows}
    assert {r["state"] for r in rows} == {"sent"}


# -- reading the mail ---------------------------------------------------------------------
def catalogue(targets: Path) -> tuple[dict, dict]:
    data = yaml.safe_load(targets.read_text(encoding="utf-8"))
    return ({a["id"]: a for a in data["agencies"]}, {c["id"]: c for c in data["commitments"]})


def addresses(header: str | None) -> list[str]:
    return [a.strip() for a in (header or "").split(",") if a.strip()]


def check_agency_mail(mail: Received, agencies: dict, commitments: dict, daemon: DaemonProcess) -> list[str]:
    """One agency e-mail against targets.yaml and the daemon's evaluations; returns its commitments."""
    message = mail.message
    group = message[GROUP_HEADER]
    assert group.startswith("agency:"), group
    lead = agencies[group.removeprefix("agency:")]
    ids = message[COMMITMENTS_HEADER].split()
    assert ids and all(commitments[i]["agency"] == lead["id"] for i in ids)
    assert addresses(message["To"]) == lead["emails"]
    co = {e for i in ids for a in commitments[i].get("co_agencies") or [] for e in agencies[a]["emails"]}
    assert set(addresses(message["Cc"])) == co - set(lead["emails"])
    assert message["Bcc"] is None and OPERATORS in mail.rcpt_tos        # operators copied, invisibly
    subject = str(message["Subject"])
    assert subject.startswith("【承诺监测】" + lead["name"]) and "项承诺" in subject and CJK.search(subject)
    text = mail.text()
    for i in ids:
        c = commitments[i]
        block = text[text.index(f"（{i}）"):]
        assert f"原文：“{c['quote']}”" in block
        promise = re.search(r"承诺目标：([^\n，（]*)", block)[1]  # type: ignore[index]   # None fails the test
        assert number(c["value"]) in promise and (c.get("unit") or "") in promise, (i, promise)
        actual = re.search(r"当前实际：([\d,.]+)", block)[1]  # type: ignore[index]
        history = httpx.get(f"{daemon.url}/status", params={"commitment": i}, timeout=5).json()["history"]
        assert actual in {number(h["actual"]) for h in history if h["actual"] is not None}, (i, actual)
    return ids


# -- the tests ----------------------------------------------------------------------------
def test_the_demo_run_mails_each_failing_commitment_once_to_its_agencies_in_chinese(tmp_path, targets, cleanup):
    sink = SmtpSink().start()
    cleanup.append(sink)
    daemon = DaemonProcess(tmp_path, targets=targets, env=mail_env(sink.port))
    cleanup.append(daemon.start())

    def burst_delivered() -> bool:
        sent = sample(daemon, names.METRIC_NOTIFICATIONS_SENT, channel="email")
        return len(sink.received) > 0 and backlog(daemon) == 0 and sent == len(sink.received)

    daemon.wait_until(burst_delivered, timeout=30)
    first_cycle, burst = collections(daemon), len(sink.received)
    per_cycle = []
    for k in range(1, 4):      # three more whole cycles, each followed by delivery runs
        daemon.wait_until(lambda k=k: collections(daemon) > first_cycle + k, timeout=20)
        per_cycle.append(len(sink.received) - burst - sum(per_cycle))
    print(f"mails_per_cycle={[burst, *per_cycle]}")
    assert per_cycle == [0, 0, 0], "a still-firing commitment was announced again"

    mails = sink.messages()
    assert len({m.message_id for m in mails}) == len(mails)
    agencies, commitments = catalogue(targets)
    told = [i for m in mails for i in check_agency_mail(m, agencies, commitments, daemon)]
    assert len(told) == len(set(told)), "a commitment was announced in two messages"
    assert any(m.message["Cc"] for m in mails), "no message had co-responsible agencies to copy"
    failing = {c["commitment"] for c in httpx.get(daemon.url + "/status", timeout=5).json()["commitments"]
               if c["status"] in ("at_risk", "missed") and commitments[c["commitment"]].get("agency")}
    assert set(told) == failing
    delivered_once(sink, email_rows(tmp_path))


def test_mail_queued_during_an_smtp_outage_is_delivered_once_when_the_server_comes_back(tmp_path, targets,
                                                                                         cleanup):
    port = free_port()     # nothing listens here yet
    daemon = DaemonProcess(tmp_path, targets=targets, env=mail_env(
        port, MONITOR_OUTBOX_BACKOFF_SECONDS="0.3", MONITOR_OUTBOX_BACKOFF_MAX_SECONDS="1",
        MONITOR_OUTBOX_MAX_ATTEMPTS="1000"))
    cleanup.append(daemon.start())
    daemon.wait_until(lambda: backlog(daemon) > 0
                      and all(r["attempts"] >= 2 and r["last_error"] for r in email_rows(tmp_path)), timeout=30)
    queued = email_rows(tmp_path)
    assert "Connection refused" in queued[0]["last_error"] or "cannot deliver" in queued[0]["last_error"]
    assert sample(daemon, names.METRIC_NOTIFICATIONS_SENT, channel="email") == 0
    assert sample(daemon, names.METRIC_NOTIFICATIONS_FAILED, channel="email") == 0   # transient: kept, not given up
    assert backlog(daemon) == len(queued)

    sink = SmtpSink(port=port).start()
    cleanup.append(sink)
    daemon.wait_until(lambda: len(sink.received) >= len(queued) and backlog(daemon) == 0, timeout=30)
    cycle = collections(daemon)
    daemon.wait_until(lambda: collections(daemon) > cycle + 1, timeout=20)   # a later cycle and its deliveries
    rows = email_rows(tmp_path)
    assert {r["message_id"] for r in rows} == {r["message_id"] for r in queued}, "the outage changed what is told"
    assert [r["commitments"] for r in rows] == [r["commitments"] for r in queued]
    delivered_once(sink, rows)


def test_a_daemon_killed_while_sending_leaves_the_rest_to_its_successor_without_loss_or_duplicate(tmp_path,
                                                                                                 targets, cleanup):
    sink = SmtpSink()
    sink.hold_after = 5          # the sixth message is held at RCPT: the daemon is mid-send
    cleanup.append(sink.start())
    env = mail_env(sink.port, MONITOR_OUTBOX_LEASE_SECONDS="2")
    first = DaemonProcess(tmp_path, targets=targets, env=env)
    cleanup.append(first.start())
    first.wait_until(sink.held.is_set, timeout=30)
    first.process.kill()
    first.process.wait(10)
    states = Counter(r["state"] for r in email_rows(tmp_path))
    assert states["sent"] == 5 and states["sending"] > 0, states   # killed with claimed rows unsent
    total = sum(states.values())

    sink.hold_after = None
    second = DaemonProcess(tmp_path, targets=targets, env=env)
    cleanup.append(second.start())
    second.wait_until(lambda: len(sink.received) >= total and backlog(second) == 0, timeout=30)
    cycle = collections(second)
    second.wait_until(lambda: collections(second) > cycle + 1, timeout=20)
    rows = email_rows(tmp_path)
    assert len(rows) == total, "the restart queued the same changes again"
    delivered_once(sink, rows)
