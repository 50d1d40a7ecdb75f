"""The real daemon as a subprocess on the demo feeds: /metrics, reload, clean stop."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess

import httpx
import pytest

from tests.integration.daemon_process import ROOT, DaemonProcess

pytestmark = pytest.mark.integration


def statuses(metrics_text: str) -> set[str]:
    return set(re.findall(r'^commitment_status\{[^}]*status="([a-z_]+)"[^}]*\} 1\.0$', metrics_text, flags=re.M))


@pytest.fixture
def daemon(tmp_path):
    process = DaemonProcess(tmp_path).start()
    yield process
    process.stop()


def test_demo_run_serves_kept_and_broken_promises_and_settles_the_dated_ones(daemon):
    reported = 'monitor_collections_total{feed="reports",result="ok"}'   # --demo: the agencies' reports
    daemon.wait_until(lambda: {"met", "missed"} <= statuses(daemon.metrics()) and reported in daemon.metrics(),
                      timeout=180)
    status = httpx.get(daemon.url + "/status", timeout=5).json()
    assert sum(status["counts"].values()) >= 200
    verdicts = status["commitments"]
    # the one no_data the demo makes: the agency that is late with its report (未按期填报), never an error
    assert not [v for v in verdicts if v["status"] == "error"
                or (v["status"] == "no_data" and not v["reason"].startswith("未按期填报"))]
    settled = [v for v in verdicts if v["settled_on"]]
    assert settled and all(v["status"] in ("met", "missed") for v in settled)


def test_promtool_accepts_the_live_metrics_after_the_first_cycle(daemon):
    from tests.test_metrics import promtool
    daemon.wait_until(lambda: "commitment_case_duration{" in daemon.metrics(), timeout=60)
    run = subprocess.run([promtool(), "check", "metrics"], input=daemon.metrics().encode(), capture_output=True)
    assert run.returncode == 0 and not (run.stdout + run.stderr).strip(), run.stdout + run.stderr


def test_sigterm_stops_the_daemon_cleanly(daemon):
    assert daemon.stop() == 0
    assert "event=stopped" in daemon.log.read_text()


def test_the_daemon_logs_json_lines_with_real_fields(tmp_path):
    daemon = DaemonProcess(tmp_path, env={"MONITOR_LOG_FORMAT": "json"}).start()
    try:
        daemon.wait_until(lambda: '"event": "collection"' in daemon.log.read_text(), timeout=60)
    finally:
        assert daemon.stop() == 0
    lines = [line for line in daemon.log.read_text().splitlines() if line.startswith("{")]
    entries = [json.loads(line) for line in lines]
    events = {e.get("event") for e in entries}
    assert {"listening", "collection", "stopped"} <= events
    collection = next(e for e in entries if e.get("event") == "collection")
    assert collection["feed"] in ("reports",) or collection["feed"].startswith("cases.")
    assert collection["ok"] is True and any(e.get("rows_accepted", 0) > 0 for e in entries if e.get("event") == "collection")
    assert not [e for e in entries if "event=" in str(e.get("event", "")) + str(e.get("message", ""))]


def test_a_broken_reload_keeps_the_running_catalogue(tmp_path):
    targets = tmp_path / "targets.yaml"
    good = (ROOT / "targets.yaml").read_text(encoding="utf-8")
    targets.write_text(good, encoding="utf-8")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    process = DaemonProcess(tmp_path, targets=targets).start()
    try:
        process.wait_until(lambda: 'commitment="yuzhong2021.' in process.metrics(), timeout=60)
        targets.write_text(good.replace("    kind: reports\n", "    kind: reports\n    bogus_key: 1\n", 1), encoding="utf-8")
        reply = process.reload()
        assert reply.status_code == 400
        assert any("feeds[0].bogus_key: unknown key" in p for p in reply.json()["problems"])
        text = process.metrics()
        assert "monitor_config_last_reload_successful 0.0" in text
        assert 'commitment="yuzhong2021.' in text

        # a valid edit that removes a document is applied on SIGHUP; its commitments vanish from /metrics
        without_yuzhong = re.sub(r"(?ms)^  - id: yuzhong2021\.[^\n]*\n(?:    [^\n]*\n|\s*\n)*", "", good)
        targets.write_text(without_yuzhong, encoding="utf-8")
        process.signal(signal.SIGHUP)
        process.wait_until(lambda: "monitor_config_last_reload_successful 1.0" in process.metrics(), timeout=30)
        assert 'commitment="yuzhong2021.' not in process.metrics()
    finally:
        process.stop()
