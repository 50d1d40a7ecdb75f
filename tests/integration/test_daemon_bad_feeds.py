"""Issue 4 at the daemon level: a feed that is down, slow, huge or garbage never stops the daemon
or another feed's collection; its commitments are no_data with a reason, and it is retried.

The real daemon runs as a subprocess against a real HTTP server on 127.0.0.1 with six feeds:
one healthy, one that never answers within its 1 s timeout, one that sends truncated JSON, one
that streams 100 MB against a 1 MB max_bytes, one on a closed port, one that times out until
the test heals it, and one that serves until the test breaks it. Everything is read through /metrics, /status and /healthz.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.collectors.feed_server import FeedServer
from tests.integration.daemon_process import DaemonProcess, free_port

pytestmark = pytest.mark.integration

DOCUMENT = "badfeeds2024"
MAX_BYTES = 1_000_000
# feed id -> the error category its every collection must end in
BAD_FEEDS = {"slow": "timeout", "truncated": "decode", "huge": "too_large", "down": "connect"}
BREAKS_MAX_AGE = "3s"
WAIT = 20.0   # upper bound of every poll; each condition normally holds within a few seconds


def commitment_id(feed: str) -> str:
    return f"{DOCUMENT}.{feed}_online_rate"


def targets_yaml(server_url: str, closed_port: int) -> str:
    feeds = {
        "healthy": (f"{server_url}/good", "interval: 1s", ""),
        "slow": (f"{server_url}/slow", "interval: 1s", "    timeout: 1s\n    retries: 0\n"),
        "heals": (f"{server_url}/heals", "interval: 1s", "    timeout: 1s\n    retries: 0\n"),
        "truncated": (f"{server_url}/truncated", "interval: 2s", ""),
        "huge": (f"{server_url}/huge", "interval: 2s", f"    max_bytes: {MAX_BYTES}\n"),
        "down": (f"http://127.0.0.1:{closed_port}/nothing-listens-here", "interval: 2s", ""),
        "breaks": (f"{server_url}/breaks", "interval: 1s", f"    retries: 0\n    max_age: {BREAKS_MAX_AGE}\n"),
    }
    feed_text = "".join(
        f"  - id: {name}\n    kind: http_json\n    url: {url}\n    schedule: {{{schedule}}}\n{extra}"
        f"    series:\n      - {{name: online_rate, type: share, path: stats.online_rate}}\n"
        for name, (url, schedule, extra) in feeds.items())
    commitment_text = "".join(
        f"  - id: {commitment_id(name)}\n"
        f"    document: {DOCUMENT}\n"
        f"    clause: \"（一）{i}.\"\n"
        f"    quote: \"{name}网上可办率达到90%以上\"\n"
        f"    measured: {{zh: 网上可办率, en: Share of services available online}}\n"
        f"    kind: share\n    op: \">=\"\n    value: 90\n    unit: \"%\"\n"
        f"    agency: {DOCUMENT}.gov_service\n"
        f"    measure: {{feed: {name}, series: online_rate}}\n"
        for i, name in enumerate(feeds, start=1))
    return (
        "version: 1\n"
        "documents:\n"
        f"  - id: {DOCUMENT}\n"
        "    source: seed.txt\n"
        "    title: 某区2024年优化营商环境实施方案\n"
        "    jurisdiction: 某市某区\n"
        "    issuer: 某区人民政府办公室\n"
        "    issued: 2024-03-01\n"
        "    period: {start: 2024-01-01, end: 2030-12-31}\n"
        "agencies:\n"
        f"  - {{id: {DOCUMENT}.gov_service, name: 区政务服务中心, emails: [gov@town.agencies.example]}}\n"
        f"feeds:\n{feed_text}"
        f"commitments:\n{commitment_text}")


class SwitchingServer(FeedServer):
    """FeedServer's routes plus /heals, which hangs until `heal()`, and /breaks, which answers
    well until `break_down()` and then with 503."""

    def __init__(self) -> None:
        super().__init__()
        self.healed = threading.Event()
        self.broken = threading.Event()

    def heal(self) -> None:
        self.healed.set()

    def break_down(self) -> None:
        self.broken.set()

    def route_breaks(self, h, q) -> None:
        if self.broken.is_set():
            return h.answer(503, b"down for maintenance", "text/plain")
        h.answer(200, self.json_body({"stats": {"online_rate": 97.0}}), "application/json")

    def route_heals(self, h, q) -> None:
        if not self.healed.is_set():
            self.release.wait(5)   # far past the feed's 1 s timeout; then hang up without answering
            return
        h.answer(200, self.json_body({"stats": {"online_rate": 95.0}}), "application/json")


# -- reading the daemon ------------------------------------------------------------------------
def samples(metrics_text: str) -> list[tuple[str, dict[str, str], float]]:
    return [(s.name, s.labels, s.value) for family in text_string_to_metric_families(metrics_text)
            for s in family.samples]


def value(metrics_text: str, name: str, **labels: str) -> float:
    """The value of the one sample `name` whose labels include `labels`; 0 when absent."""
    found = [v for n, ls, v in samples(metrics_text) if n == name and labels.items() <= ls.items()]
    assert len(found) <= 1, f"{name}{labels} matches {len(found)} samples"
    return found[0] if found else 0.0


def collections(metrics_text: str, feed: str, result: str) -> float:
    return value(metrics_text, "monitor_collections_total", feed=feed, result=result)


def current_status(metrics_text: str, feed: str) -> str | None:
    on = [ls["status"] for n, ls, v in samples(metrics_text)
          if n == "commitment_status" and ls.get("commitment") == commitment_id(feed) and v == 1.0]
    return on[0] if len(on) == 1 else None


def healthy_answer(daemon: DaemonProcess) -> None:
    """The daemon is alive and /healthz answers 200 promptly; an AssertionError otherwise."""
    assert daemon.process is not None and daemon.process.poll() is None, "the daemon exited"
    try:
        reply = httpx.get(daemon.url + "/healthz", timeout=2)
    except httpx.HTTPError as exc:
        raise AssertionError(f"/healthz did not answer: {exc!r}") from None
    assert reply.status_code == 200 and reply.json()["status"] == "ok", reply.text


def status_board(daemon: DaemonProcess) -> dict[str, dict]:
    return {e["commitment"]: e for e in httpx.get(daemon.url + "/status", timeout=5).json()["commitments"]}


def metrics_while_healthy(daemon: DaemonProcess) -> str:
    healthy_answer(daemon)
    return daemon.metrics()


class MeasuredDaemon(DaemonProcess):
    rss_at_start_mib: float    # its peak resident memory once up, set by the module's fixture


def peak_rss_mib(pid: int) -> float:
    """VmHWM: the most resident memory the process ever had (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc status")


# -- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server():
    with SwitchingServer() as running:
        yield running


@pytest.fixture(scope="module")
def daemon(server, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bad_feeds")
    targets = workdir / "targets.yaml"
    targets.write_text(targets_yaml(server.url, free_port()), encoding="utf-8")
    (workdir / "seeds").mkdir()
    (workdir / "seeds" / "seed.txt").write_text(targets.read_text(encoding="utf-8"), encoding="utf-8")  # holds every quote
    process = MeasuredDaemon(workdir, targets=targets, demo=False)
    process.start()
    assert process.process is not None
    process.rss_at_start_mib = peak_rss_mib(process.process.pid)
    yield process
    assert process.stop() == 0, process.log.read_text()[-3000:]


# -- behaviours --------------------------------------------------------------------------------
def test_healthy_feed_is_met_and_keeps_being_collected_beside_bad_feeds(daemon):
    daemon.wait_until(lambda: current_status(metrics_while_healthy(daemon), "healthy") == "met", WAIT)
    before = collections(daemon.metrics(), "healthy", "ok")
    daemon.wait_until(lambda: collections(metrics_while_healthy(daemon), "healthy", "ok") >= before + 3, WAIT)
    text = daemon.metrics()
    assert value(text, "monitor_feed_up", feed="healthy") == 1.0
    # bad feeds hold their own concurrency slots; the healthy feed never waited past its 1 s interval
    assert value(text, "monitor_scheduler_missed_runs_total", feed="healthy") == 0.0
    assert value(text, "commitment_actual", commitment=commitment_id("healthy")) == 96.5
    assert status_board(daemon)[commitment_id("healthy")]["status"] == "met"


def test_each_bad_feed_fails_with_its_category_and_is_retried(daemon):
    def every_bad_feed_failed(times: int) -> bool:
        text = metrics_while_healthy(daemon)
        return all(collections(text, feed, category) >= times for feed, category in BAD_FEEDS.items())

    daemon.wait_until(lambda: every_bad_feed_failed(1), WAIT)
    text = daemon.metrics()
    first = {feed: collections(text, feed, category) for feed, category in BAD_FEEDS.items()}
    daemon.wait_until(lambda: all(collections(metrics_while_healthy(daemon), feed, category) >= first[feed] + 2
                                  for feed, category in BAD_FEEDS.items()), WAIT)
    text = daemon.metrics()
    for feed, category in BAD_FEEDS.items():
        results = {ls["result"] for n, ls, v in samples(text)
                   if n == "monitor_collections_total" and ls["feed"] == feed and v > 0}
        assert results == {category}, f"feed {feed}: results {results}, expected only {category}"
        assert value(text, "monitor_feed_up", feed=feed) == 0.0


def test_bad_feeds_commitments_are_no_data_with_a_reason(daemon):
    daemon.wait_until(lambda: all(e in status_board(daemon) for e in map(commitment_id, BAD_FEEDS)), WAIT)
    board = status_board(daemon)
    text = metrics_while_healthy(daemon)
    for feed in BAD_FEEDS:
        evaluation = board[commitment_id(feed)]
        assert evaluation["status"] == "no_data", evaluation
        assert evaluation["reason"] and feed in evaluation["reason"], evaluation
        assert f"the last collection failed ({BAD_FEEDS[feed]}:" in evaluation["reason"], evaluation
        assert value(text, "commitment_status", commitment=commitment_id(feed), status="no_data") == 1.0
        assert value(text, "commitment_status", commitment=commitment_id(feed), status="met") == 0.0


def test_daemon_memory_stays_bounded_while_a_feed_sends_100_mb(daemon):
    daemon.wait_until(lambda: collections(metrics_while_healthy(daemon), "huge", "too_large") >= 3, WAIT)
    grown = peak_rss_mib(daemon.process.pid) - daemon.rss_at_start_mib
    assert grown < 50, f"peak resident memory grew by {grown:.0f} MiB while a feed sent 100 MB bodies"


def test_a_timing_out_feed_that_heals_recovers_without_restart(daemon, server):
    pid = daemon.process.pid
    daemon.wait_until(lambda: collections(metrics_while_healthy(daemon), "heals", "timeout") >= 2, WAIT)
    assert status_board(daemon)[commitment_id("heals")]["status"] == "no_data"

    server.heal()
    daemon.wait_until(lambda: current_status(metrics_while_healthy(daemon), "heals") == "met", WAIT)
    text = daemon.metrics()
    assert collections(text, "heals", "ok") >= 1
    assert value(text, "monitor_feed_up", feed="heals") == 1.0
    assert value(text, "commitment_actual", commitment=commitment_id("heals")) == 95.0
    evaluation = status_board(daemon)[commitment_id("heals")]
    assert evaluation["status"] == "met" and evaluation["actual"] == 95.0, json.dumps(evaluation)
    assert daemon.process.pid == pid and daemon.process.poll() is None
    # the feed that stays slow is still failing: healing one feed changed nothing for another
    assert current_status(text, "slow") == "no_data"


def test_a_feed_that_goes_down_after_serving_is_no_data_once_its_data_passes_max_age(daemon, server):
    daemon.wait_until(lambda: current_status(metrics_while_healthy(daemon), "breaks") == "met", WAIT)

    server.break_down()
    daemon.wait_until(lambda: current_status(metrics_while_healthy(daemon), "breaks") == "no_data", WAIT)
    text = daemon.metrics()
    assert collections(text, "breaks", "http_status") >= 1
    assert value(text, "monitor_feed_up", feed="breaks") == 0.0
    evaluation = status_board(daemon)[commitment_id("breaks")]
    assert evaluation["status"] == "no_data" and "max_age" in evaluation["reason"], evaluation
    # still retried on its schedule after its commitment went to no_data
    failed = collections(text, "breaks", "http_status")
    daemon.wait_until(lambda: collections(metrics_while_healthy(daemon), "breaks", "http_status") >= failed + 2, WAIT)
