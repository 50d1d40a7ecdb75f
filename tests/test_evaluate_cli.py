"""`monitor evaluate`: one read-only collection from a real loopback feed, verdicts as of any instant."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PAYLOAD = {
    "online": [{"t": "2026-12-20T12:00:00+08:00", "v": 92}, {"t": "2027-02-10T12:00:00+08:00", "v": 85}],
    "cases": [
        {"id": "W-1", "in": "2027-01-04T10:00:00", "out": "2027-01-05T10:00:00"},
        {"id": "W-2", "in": "2027-01-04T10:00:00", "out": None},
        {"id": "W-3", "in": "2026-12-01T10:00:00", "out": "2027-03-01T10:00:00"},   # open until March
    ],
}

CATALOGUE = """\
version: 1
documents:
  - id: plan
    source: seed.txt
    title: 某区2026年优化营商环境实施方案
    jurisdiction: 某市某区
    issuer: 某区人民政府
    period: {{start: 2026-01-01, end: 2026-12-31}}
agencies:
  - {{id: plan.bureau, name: 区行政审批局}}
feeds:
  - id: api
    kind: http_json
    url: {url}/feed.json
    max_age: 400d
    series:
      - {{name: online, type: share, records: online, column: v, time_column: t}}
      - {{name: permits, type: cases, records: cases, id_field: id, submitted: in, completed: out}}
  - id: broken
    kind: http_json
    url: {url}/missing.json
    retries: 0
    series:
      - {{name: gone, type: value, path: v}}
commitments:
  - id: plan.online_share
    document: plan
    clause: 一、1
    quote: 年底前网办率达到90%
    measured: {{zh: 网办率}}
    kind: share
    op: ">="
    value: 90
    unit: "%"
    deadline: 2026-12-31
    agency: plan.bureau
    measure: {{feed: api, series: online}}
  - id: plan.permit_days
    document: plan
    clause: 一、2
    quote: 受理之日起3个工作日内办结
    measured: {{zh: 办理时间}}
    kind: case_duration
    op: "<="
    value: 3
    unit: 个工作日
    agency: plan.bureau
    measure: {{feed: api, series: permits}}
  - id: plan.gone
    document: plan
    clause: 一、3
    quote: 数据源已下线
    measured: {{zh: 无}}
    kind: value
    op: ">="
    value: 1
    unit: 家
    agency: plan.bureau
    measure: {{feed: broken, series: gone}}
"""


def write_seed(config: Path) -> None:
    """seeds/seed.txt beside the catalogue, holding its quotes (the catalogue's own text does)."""
    (config.parent / "seeds").mkdir(exist_ok=True)
    (config.parent / "seeds" / "seed.txt").write_text(config.read_text(encoding="utf-8"), encoding="utf-8")


@pytest.fixture
def feed_url() -> Iterator[str]:
    body = json.dumps(PAYLOAD).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path != "/feed.json":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def run_evaluate(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor", "evaluate", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=120)


def test_verdicts_as_of_an_instant_in_2027_from_a_real_feed(tmp_path: Path, feed_url: str) -> None:
    config = tmp_path / "targets.yaml"
    config.write_text(CATALOGUE.format(url=feed_url), encoding="utf-8")
    write_seed(config)
    done = run_evaluate(config, "--at", "2027-01-12T12:00:00+08:00", "--json")
    assert done.returncode == 1, done.stderr            # the broken feed failed; the command still ran
    assert "feed broken failed: http_status" in done.stderr
    verdicts = {v["commitment"]: v for v in json.loads(done.stdout)}
    assert set(verdicts) == {"plan.online_share", "plan.permit_days", "plan.gone"}
    for verdict in verdicts.values():
        assert {"commitment", "status", "actual", "target", "reason"} <= set(verdict)
    online = verdicts["plan.online_share"]
    assert (online["status"], online["actual"], online["settled_on"]) == ("met", 92, "2026-12-31")
    permits = verdicts["plan.permit_days"]   # W-2 has been open 6 working days on 2027-01-12, W-3 28
    assert (permits["status"], permits["overdue_open"], permits["overdue_case_ids"]) == ("missed", 2, ["W-2", "W-3"])
    assert permits["provisional"] is True
    assert verdicts["plan.gone"]["status"] == "no_data"
    assert "the collection failed (http_status" in verdicts["plan.gone"]["reason"]


def test_an_earlier_instant_sees_only_the_data_dated_by_then(tmp_path: Path, feed_url: str) -> None:
    config = tmp_path / "targets.yaml"
    config.write_text(CATALOGUE.format(url=feed_url), encoding="utf-8")
    write_seed(config)
    done = run_evaluate(config, "--at", "2026-12-21")
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.startswith("plan.")}
    assert lines["plan.online_share"].split()[1] == "met"
    # W-3 (submitted 12-01, completed in March) was open and 13 working days old on 12-21; W-1 and
    # W-2 came later: the case completed after the instant is open then, not left out
    assert lines["plan.permit_days"].split()[1] == "missed", lines["plan.permit_days"]
    assert "1 case(s) still open past the limit (W-3)" in lines["plan.permit_days"]
    assert "3 commitments as of 2026-12-21T00:00:00+08:00" in done.stdout


def test_an_invalid_catalogue_is_reported_and_nothing_is_collected(tmp_path: Path) -> None:
    config = tmp_path / "targets.yaml"
    config.write_text("version: 1\ncommitments: [{id: x}]\n", encoding="utf-8")
    done = run_evaluate(config)
    assert done.returncode == 2
    assert "targets.yaml:2" in done.stderr + done.stdout
