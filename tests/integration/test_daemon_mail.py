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
from monitor import names
from monitor.display_text import shown
from monitor.verdict_text import unit_word
from tests.integration.daemon_process import ROOT, DaemonProcess
from tests.smtp_sink import Received, SmtpSink, free_port

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
    fast = (text.replace("  group_wait: 30s\n", "  group_wait: 1s\n  group_interval: 1s\n", 1)
            .replace("schedule: {interval: 5m, jitter: 10s}", f"schedule: {{interval: {FEED_INTERVAL}}}", 1))
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
    return int(sample(daemon, names.METRIC_COLLECTIONS, feed="reports", result="ok"))


def backlog(daemon: DaemonProcess) -> int:
    return int(sample(daemon, names.METRIC_OUTBOX_BACKLOG, channel="email"))


def email_rows(workdir: Path) -> list[dict]:
    """The outbox's e-mail rows, read from the daemon's SQLite file."""
    with closing(sqlite3.connect(f"file:{workdir / 'monitor.db'}?mode=ro", uri=True, timeout=10)) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute(f"select message_id, state, attempts, last_error, commitments, group_key "
                          f"from {names.TABLE_NOTIFICATION} where channel = 'email' order by id").fetchall()
    return [dict(r) for r in rows]


def all_delivered(daemon: DaemonProcess, sink: SmtpSink, workdir: Path, timeout: float) -> list[dict]:
    """The outbox's rows once every one of them was sent and received, read twice alike (the demo keeps
    queueing mail as its agencies' files and reports arrive: receipts, templates, 催报, alerts)."""
    found: list[list[dict]] = []

    def settled() -> bool:
        rows = email_rows(workdir)
        received = {m.message_id for m in sink.messages()}
        found[:] = [rows]
        return (backlog(daemon) == 0 and {r["state"] for r in rows} == {"sent"}
                and received == {r["message_id"] for r in rows} and email_rows(workdir) == rows)

    daemon.wait_until(settled, timeout=timeout)
    return found[0]


def announced_once(rows: list[dict]) -> None:
    """Each agency mail tells something not told before: nothing queued again for the same change."""
    told: set[str] = set()
    for r in rows:
        if r["group_key"].startswith("agency:"):
            ids = set((r["commitments"] or "").split())
            assert ids - told, "the same changes were queued again"
            told |= ids


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
    assert subject.startswith("【营商环境承诺监测】" + shown(lead["name"])) and "项承诺" in subject and CJK.search(subject)
    text = mail.text()
    for i in ids:
        c = commitments[i]
        block = text[text.index(f"（{i}）"):].split("■", 1)[0]     # this item only
        assert f"“{shown(c['quote'])}”" in block     # shown simplified, without pinyin residue
        promise = re.search(r"承诺目标：([^\n，（]*)", block)[1]  # type: ignore[index]   # None fails the test
        if c["kind"] == "case_duration" and c["value"] == 0:
            assert "即时办结" in promise, (i, promise)
        else:
            assert number(c["value"]) in promise and unit_word(c.get("unit") or "") in promise, (i, promise)
        history = httpx.get(f"{daemon.url}/status", params={"commitment": i}, timeout=5).json()["history"]
        actuals = [h["actual"] for h in history if h["actual"] is not None]
        on_time = re.search(r"当前实际：(\d+)/(\d+)件按时", block)
        if on_time:     # a time limit reads as cases on time, never as a bare percentage
            assert any(abs(int(on_time[1]) * 100 / int(on_time[2]) - a) < 1e-6 for a in actuals), (i, on_time[0])
        else:
            actual = re.search(r"当前实际：([\d,.]+)", block)[1]  # type: ignore[index]
            assert actual in {number(a) for a in actuals}, (i, actual)
    return ids


def links_open(daemon: DaemonProcess, mails: list[Received]) -> None:
    """Every link in the mails points to the daemon's own address (MONITOR_PUBLIC_URL unset: the
    listen address) and opens a page; none points to a Grafana nobody runs."""
    links = {link for m in mails for link in re.findall(r"https?://[^\s<>\"）]+", m.text())}
    assert links and all(link.startswith(daemon.url + "/") for link in links), sorted(links)[:5]
    assert not any("图表" in m.text() for m in mails)
    for link in sorted(links):
        assert httpx.get(link, timeout=10).status_code == 200, link


# -- the tests ----------------------------------------------------------------------------
def test_the_demo_run_mails_each_failing_commitment_once_to_its_agencies_in_chinese(tmp_path, targets, cleanup):
    sink = SmtpSink().start()
    cleanup.append(sink)
    daemon = DaemonProcess(tmp_path, targets=targets, env=mail_env(sink.port))
    cleanup.append(daemon.start())

    def burst_delivered() -> bool:
        sent = sample(daemon, names.METRIC_NOTIFICATIONS_SENT, channel="email")
        return len(sink.received) > 0 and backlog(daemon) == 0 and sent == len(sink.received)

    daemon.wait_until(burst_delivered, timeout=90)   # the demo agencies write ~100 files first
    first_cycle, burst = collections(daemon), len(sink.received)
    per_cycle: list[int] = []
    for k in range(1, 4):      # three more whole cycles, each followed by delivery runs
        daemon.wait_until(lambda k=k: collections(daemon) > first_cycle + k, timeout=20)
        per_cycle.append(len(sink.received) - burst - sum(per_cycle))
    print(f"mails_per_cycle={[burst, *per_cycle]}")
    # later cycles bring new verdicts (the demo agencies' corrected report, case files read on their own
    # schedule); a still-firing commitment is never announced again (checked below: told once each)

    everything = sink.messages()
    assert len({m.message_id for m in everything}) == len(everything)
    # besides alerts and onboarding summaries: the demo agencies' receipts, their templates, the
    # operators' 催报 (docs/reports.md)
    mails = [m for m in everything if m.message[GROUP_HEADER].startswith("agency:")]
    summaries = [m for m in everything if m.message[GROUP_HEADER].startswith("onboarding:")]
    assert mails and len(mails) + len(summaries) < len(everything)
    agencies, commitments = catalogue(targets)
    told: list[str] = []
    for m in mails:   # an agency's later mail (another feed's verdicts) restates what still fires, beside news
        ids = check_agency_mail(m, agencies, commitments, daemon)
        assert set(ids) - set(told), "a message only repeated commitments already announced"
        told += ids
    assert any(m.message["Cc"] for m in mails), "no message had co-responsible agencies to copy"
    verdicts = httpx.get(daemon.url + "/status", timeout=5).json()["commitments"]
    failing = {c["commitment"] for c in verdicts if c["status"] in ("at_risk", "missed")
               and commitments[c["commitment"]].get("agency") and not c["settled_on"]}
    assert set(told) == failing, "an alert is about a verdict settled before the monitor first judged it"
    # history: what was settled when the monitor started is one summary per agency, not an alert
    settled = {c["commitment"] for c in verdicts if c["settled_on"] and c["status"] == "missed"
               and commitments[c["commitment"]].get("agency")}
    assert settled and not settled & set(told)
    summarised = [i for m in summaries for i in m.message[COMMITMENTS_HEADER].split()]
    assert sorted(summarised) == sorted(settled)
    assert len({m.message[GROUP_HEADER] for m in summaries}) == len(summaries), "two summaries for one agency"
    for m in summaries:
        assert "以下承诺在开始监测时已有定论，不作告警：" in m.text() and "未达标，已于" in m.text()
    links_open(daemon, everything)
    delivered_once(sink, email_rows(tmp_path))
    log = daemon.log.read_text(encoding="utf-8")
    assert f"mail goes to the SMTP server 127.0.0.1:{sink.port}" in log
    assert f"links in mail point to {daemon.url}/ (from MONITOR_LISTEN)" in log
    assert "WARNING: mail leaves through the SMTP server 127.0.0.1" in log   # loopback links through SMTP


def test_mail_queued_during_an_smtp_outage_is_delivered_once_when_the_server_comes_back(tmp_path, targets,
                                                                                         cleanup):
    port = free_port()     # nothing listens here yet
    daemon = DaemonProcess(tmp_path, targets=targets, env=mail_env(
        port, MONITOR_OUTBOX_BACKOFF_SECONDS="0.3", MONITOR_OUTBOX_BACKOFF_MAX_SECONDS="1",
        MONITOR_OUTBOX_MAX_ATTEMPTS="1000"))
    cleanup.append(daemon.start())
    daemon.wait_until(lambda: backlog(daemon) > 0
                      and all(r["attempts"] >= 2 and r["last_error"] for r in email_rows(tmp_path)), timeout=90)
    queued = email_rows(tmp_path)
    assert "Connection refused" in queued[0]["last_error"] or "cannot deliver" in queued[0]["last_error"]
    assert sample(daemon, names.METRIC_NOTIFICATIONS_SENT, channel="email") == 0
    assert sample(daemon, names.METRIC_NOTIFICATIONS_FAILED, channel="email") == 0   # transient: kept, not given up
    # the demo keeps queueing (its agencies' files arrive over several cycles): every row waits, none is dropped
    daemon.wait_until(lambda: backlog(daemon) == len(email_rows(tmp_path)), timeout=10)
    assert backlog(daemon) >= len(queued)

    sink = SmtpSink(port=port).start()
    cleanup.append(sink)
    daemon.wait_until(lambda: len(sink.received) >= len(queued) and backlog(daemon) == 0, timeout=90)
    cycle = collections(daemon)
    daemon.wait_until(lambda: collections(daemon) > cycle + 1, timeout=20)   # a later cycle and its deliveries
    rows = all_delivered(daemon, sink, tmp_path, timeout=60)
    # the outage changed nothing about what is told: each queued mail kept as it was, sent once
    kept = {r["message_id"]: r for r in rows}
    assert [kept[r["message_id"]]["commitments"] if r["message_id"] in kept else None for r in queued] \
        == [r["commitments"] for r in queued], "the outage changed what is told"
    announced_once(rows)
    delivered_once(sink, rows)


def test_a_daemon_killed_while_sending_leaves_the_rest_to_its_successor_without_loss_or_duplicate(tmp_path,
                                                                                                 targets, cleanup):
    sink = SmtpSink()
    sink.hold_after = 5          # the sixth message is held at RCPT: the daemon is mid-send
    cleanup.append(sink.start())
    env = mail_env(sink.port, MONITOR_OUTBOX_LEASE_SECONDS="2")
    first = DaemonProcess(tmp_path, targets=targets, env=env)
    cleanup.append(first.start())
    first.wait_until(sink.held.is_set, timeout=90)
    assert first.process is not None
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
    rows = all_delivered(second, sink, tmp_path, timeout=60)
    announced_once(rows)   # the restart queued no change again
    assert len(rows) >= total   # the successor also reads what the first had not (its demo agencies' files)
    delivered_once(sink, rows)


def test_a_wildcard_listen_address_is_said_loudly_at_start_up(tmp_path, targets, cleanup):
    daemon = DaemonProcess(tmp_path, targets=targets)
    daemon.env["MONITOR_LISTEN"] = f"0.0.0.0:{daemon.port}"
    daemon.env.pop("MONITOR_PUBLIC_URL", None)
    cleanup.append(daemon.start())
    daemon.wait_until(lambda: "mail_links_unusable" in daemon.log.read_text(encoding="utf-8"), timeout=10)
    log = daemon.log.read_text(encoding="utf-8")
    assert f"WARNING: MONITOR_LISTEN 0.0.0.0:{daemon.port} is a wildcard address no browser can open" in log
    assert re.search(r"level=WARNING.*mail_links_unusable|mail_links_unusable.*level=WARNING", log), log[-2000:]
    assert f"mail goes to the folder {tmp_path / 'mail'}" in log
