"""Point 5 of issue 11 replayed: broken targets.yaml edits reach a running daemon by POST /-/reload
(and `monitor validate` / `monitor run`); each is answered, counted, visible in /healthz, and the
running catalogue keeps collecting."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.faults.harness import catalogue_yaml, count, daemon_for, feed_yaml, sample, write_targets
from tests.integration.daemon_process import ROOT

BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))


def good_rate(handler, query) -> None:
    handler.answer(200, b'{"stats": {"online_rate": 95}}', "application/json")


@pytest.fixture
def running(tmp_path, feeds):
    feeds.routes["/good"] = good_rate
    text = catalogue_yaml([feed_yaml("good", feeds.url + "/good")])
    daemon = daemon_for(tmp_path, text).start()
    yield daemon, text
    daemon.stop()
    assert "Traceback" not in daemon.log.read_text()


def vm_peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def broken_edits(text: str) -> dict[str, bytes]:
    return {
        "invalid cron": text.replace("schedule: {interval: 1s}", 'schedule: {cron: "61 * * * *"}').encode(),
        "misspelt source": text.replace("source: seed.txt", "source: sede.txt").encode(),
        "GB18030": text.encode("gb18030"),
        "alias bomb": BOMB.encode(),
        "two recipients in one entry": text.replace("[gov@town.agencies.example]",
                                                    '["a@x.example>, b@y.example"]').encode(),
        "60 MB": text.encode() + b"#" * (60 * 1024 * 1024),
    }


def test_every_broken_edit_is_answered_counted_and_shown_while_collection_goes_on(running):
    daemon, text = running
    targets = Path(daemon.env["MONITOR_TARGETS"])
    for attempt, content in broken_edits(text).items():
        targets.write_bytes(content)
        reply = daemon.reload()
        assert reply.status_code == 400, attempt
        assert reply.json()["reloaded"] is False and reply.json()["problems"], attempt
        health = httpx.get(daemon.url + "/healthz", timeout=10).json()
        assert health["status"] == "degraded" and health["last_reload_problems"], attempt
    metrics = daemon.metrics()
    assert sample(metrics, "monitor_config_reloads_total", result="failure") == 6
    assert sample(metrics, "monitor_config_last_reload_successful") == 0
    assert daemon.process is not None
    assert vm_peak_kib(daemon.process.pid) < 1024 * 1024    # the alias bomb stayed under 1 GB
    collected = sample(metrics, "monitor_collections_total", feed="good", result="ok")
    assert collected is not None
    daemon.wait_until(lambda: count(daemon.metrics(), "monitor_collections_total", feed="good", result="ok")
                      > collected + 1, timeout=20)          # the feed job survived every rejected reload
    targets.write_text(text, encoding="utf-8")
    assert daemon.reload().status_code == 200
    assert httpx.get(daemon.url + "/healthz", timeout=10).json()["status"] == "ok"


def test_a_storm_of_reloads_is_answered_every_time(running):
    daemon, _ = running
    with ThreadPoolExecutor(30) as pool:
        codes = list(pool.map(lambda _: daemon.reload(timeout=60).status_code, range(30)))
    assert codes == [200] * 30


@pytest.mark.parametrize("command", [["validate"], ["run", "--config"]])
def test_an_invalid_cron_is_refused_by_validate_and_run_without_a_traceback(tmp_path, command):
    text = catalogue_yaml([feed_yaml("good", "http://127.0.0.1:9/none")]).replace(
        "schedule: {interval: 1s}", 'schedule: {cron: "*/0 * * * *"}')
    targets = write_targets(tmp_path, text)
    run = subprocess.run([sys.executable, "-m", "monitor", *command, str(targets)], capture_output=True, text=True,
                         cwd=ROOT, timeout=60, env={"MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
                                                    "PATH": "/usr/bin:/bin"})
    assert run.returncode == 1
    assert "feeds[0].schedule" in run.stderr and "step must be at least 1" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_sighup_with_a_gb18030_file_is_a_counted_failure_not_an_unretrieved_task_error(running):
    import signal
    daemon, text = running
    Path(daemon.env["MONITOR_TARGETS"]).write_bytes(text.encode("gb18030"))
    daemon.signal(signal.SIGHUP)
    daemon.wait_until(lambda: sample(daemon.metrics(), "monitor_config_reloads_total", result="failure") == 1,
                      timeout=20)
    assert httpx.get(daemon.url + "/healthz", timeout=10).json()["status"] == "degraded"
    assert "Task exception was never retrieved" not in daemon.log.read_text()
