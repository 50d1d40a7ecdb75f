"""The prometheus feed kind against a real Prometheus (Debian's package), started on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from datetime import datetime

import httpx
import pytest

from tests.collectors.helpers import TZ, collect_once, feed
from tests.needs import missing

pytestmark = pytest.mark.integration
PROMETHEUS = shutil.which("prometheus") or ("/usr/bin/prometheus" if os.path.exists("/usr/bin/prometheus") else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    if PROMETHEUS is None:
        missing("no prometheus binary (Debian package 'prometheus') on this machine")
    folder = tmp_path_factory.mktemp("prometheus")
    (folder / "prometheus.yml").write_text("global: {scrape_interval: 1h}\nscrape_configs: []\n")
    port = free_port()
    log = open(folder / "log", "w")
    process = subprocess.Popen(
        [PROMETHEUS, f"--config.file={folder / 'prometheus.yml'}", f"--storage.tsdb.path={folder / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(url + "/-/ready", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            process.wait(10)
            log.close()
            missing(f"prometheus did not become ready: {(folder / 'log').read_text()[-500:]}")
        time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(10)
    log.close()


def now() -> datetime:
    return datetime.now(TZ)


def test_instant_query_value_becomes_a_point_at_the_sample_time(prometheus):
    spec = feed(kind="prometheus", url=prometheus, query="vector(96.5)", series=[{"name": "rate", "type": "share"}])
    result = collect_once(spec, now=now())
    assert result.ok, result.error
    assert result.values[0].value == 96.5 and result.rows_accepted == 1
    assert abs((result.values[0].data_time - now()).total_seconds()) < 60


def test_series_pick_samples_by_label(prometheus):
    query = ('label_replace(vector(3), "district", "渝中", "", "") or '
             'label_replace(vector(7), "district", "江北", "", "")')
    spec = feed(kind="prometheus", url=prometheus, query=query,
                series=[{"name": "yuzhong", "where": {"district": "渝中"}}, {"name": "jiangbei", "where": {"district": "江北"}}])
    result = collect_once(spec, now=now())
    assert {v.series: v.value for v in result.values} == {"yuzhong": 3, "jiangbei": 7}


def test_ambiguous_samples_are_a_schema_error(prometheus):
    query = 'label_replace(vector(3), "d", "a", "", "") or label_replace(vector(7), "d", "b", "", "")'
    result = collect_once(feed(kind="prometheus", url=prometheus, query=query, series=[{"name": "x"}]), now=now())
    assert result.error is not None
    assert result.error_category == "schema" and "2 samples" in result.error


def test_share_above_100_and_nan_are_rejected_and_counted(prometheus):
    spec = feed(kind="prometheus", url=prometheus, query="vector(130)", series=[{"name": "share", "type": "share"}])
    nan = feed(kind="prometheus", url=prometheus, query="vector(NaN)", series=[{"name": "x"}])
    assert collect_once(spec, now=now()).rows_rejected == {"share_above_100": 1}
    assert collect_once(nan, now=now()).rows_rejected == {"not_a_number": 1}


def test_invalid_promql_is_an_error_with_prometheus_message(prometheus):
    result = collect_once(feed(kind="prometheus", url=prometheus, query="sum(", series=[{"name": "x"}]), now=now())
    assert not result.ok and result.error_category == "http_status"
