"""A daemon started at a past instant (MONITOR_CLOCK_START) reads a case completed after that instant
as open then, like `monitor evaluate --at` (the same collectors, the same evaluator)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.integration.daemon_process import CLOCK_START, DaemonProcess

pytestmark = pytest.mark.integration

QUOTE = "受理之日起3个工作日内办结"
# CLOCK_START is 2026-06-15 10:00: R-1 was submitted six weeks before and completed in September,
# so at the daemon's instant it is open and 30 working days old; R-2 was done in a day.
PAYLOAD = {"as_of": "2026-12-01", "cases": [
    {"id": "R-1", "in": "2026-05-04T10:00:00", "out": "2026-09-01T10:00:00"},
    {"id": "R-2", "in": "2026-06-08T10:00:00", "out": "2026-06-09T10:00:00"}]}

CATALOGUE = """\
version: 1
documents:
  - {{id: town, source: seed.txt, title: 某区方案, jurisdiction: 某区, issuer: 某区政府, issued: 2026-01-01,
     period: {{start: 2026-01-01, end: 2026-12-31}}}}
agencies:
  - {{id: town.gov, name: 区政务服务中心}}
feeds:
  - id: approvals
    kind: http_json
    url: {url}/cases.json
    schedule: {{interval: 1h}}
    max_age: 400d
    series:
      - {{name: permits, type: cases, records: cases, id_field: id, submitted: in, completed: out, time_path: as_of}}
commitments:
  - id: town.permit_days
    document: town
    clause: 一、1
    quote: {quote}
    measured: {{zh: 办理时间}}
    kind: case_duration
    op: "<="
    value: 3
    unit: 个工作日
    agency: town.gov
    measure: {{feed: approvals, series: permits}}
"""


@pytest.fixture
def feed_url() -> Iterator[str]:
    body = json.dumps(PAYLOAD).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
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


def test_a_daemon_at_a_past_instant_keeps_a_case_completed_later_open_and_overdue(tmp_path: Path,
                                                                                 feed_url: str) -> None:
    assert CLOCK_START.startswith("2026-06-15")
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "seed.txt").write_text(QUOTE, encoding="utf-8")
    targets = tmp_path / "targets.yaml"
    targets.write_text(CATALOGUE.format(url=feed_url, quote=QUOTE), encoding="utf-8")
    daemon = DaemonProcess(tmp_path, targets=targets, demo=False).start()
    try:
        def current() -> dict | None:
            found: dict | None = httpx.get(f"{daemon.url}/status/town.permit_days", timeout=5).json().get("current")
            return found
        daemon.wait_until(lambda: current() is not None, timeout=30)
        verdict = current()
        assert verdict is not None
        assert (verdict["status"], verdict["overdue_open"]) == ("missed", 1), verdict
        assert "R-1" in verdict["overdue_case_ids"], verdict
    finally:
        daemon.stop()
