"""Point 8 of issue 11 replayed: the store deleted, read-only, on a full disk, and PostgreSQL gone
mid-run. /healthz says so (503), collections count as `store` failures instead of successes, the
daemon refuses to start on a store it cannot write, and /status still answers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid

import httpx
import pytest
import sqlalchemy

from monitor.service.daemon import open_store
from monitor.service.settings import Settings
from tests.conftest import POSTGRES_HOST, POSTGRES_PORT, postgres_reachable
from tests.faults.harness import catalogue_yaml, daemon_for, feed_yaml, sample, unavailable, write_targets
from tests.faults.tcp_proxy import TcpProxy
from tests.integration.daemon_process import ROOT


def good_rate(handler, query) -> None:
    handler.answer(200, b'{"stats": {"online_rate": 95}}', "application/json")


def health(daemon) -> tuple[int, dict]:
    reply = httpx.get(daemon.url + "/healthz", timeout=15)
    return reply.status_code, reply.json()


def store_failures(daemon) -> float:
    return sample(daemon.metrics(), "monitor_collections_total", feed="good", result="store") or 0


@pytest.fixture
def tmpfs(tmp_path):
    """A 4 MB tmpfs (root only): a disk that can be filled and remounted read-only."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        unavailable("mounting a tmpfs needs root")
    folder = tmp_path / "tmpfs"
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)]).returncode != 0:
        unavailable("cannot mount a tmpfs here")
    yield folder
    subprocess.run(["umount", "-l", str(folder)])


def test_a_deleted_database_turns_healthz_red_and_collections_into_store_failures(tmp_path, feeds):
    feeds.routes["/good"] = good_rate
    daemon = daemon_for(tmp_path, catalogue_yaml([feed_yaml("good", feeds.url + "/good")])).start()
    try:
        assert health(daemon)[0] == 200
        (tmp_path / "monitor.db").unlink()
        daemon.wait_until(lambda: health(daemon)[0] == 503, timeout=15)
        assert "deleted" in health(daemon)[1]["store"]["problem"]
        daemon.wait_until(lambda: store_failures(daemon) >= 1, timeout=15)
        assert sample(daemon.metrics(), "monitor_feed_up", feed="good") == 0
        assert sample(daemon.metrics(), "monitor_store_writable") == 0
    finally:
        daemon.stop()


PUBLIC_PATHS = ["/healthz", "/status", "/status/town2024.good", "/", "/commitments/town2024.good",
                "/agencies/town2024.gov", "/documents/town2024", "/api/v1", "/api/v1/commitments",
                "/api/v1/commitments/town2024.good", "/api/v1/agencies", "/api/v1/agencies/town2024.gov",
                "/api/v1/documents", "/api/v1/documents/town2024", "/metrics", "/nope",
                "/commitments/town2024.dropped", "/api/v1/commitments/town2024.dropped", "/status/town2024.dropped"]


def test_no_public_endpoint_shows_a_path_of_the_machine_when_the_store_fails(tmp_path, feeds):
    """Issue 20, point 8: /healthz said where the database file lies; no public answer names a path."""
    feeds.routes["/good"] = good_rate
    dropped = (f"  - id: dropped\n    kind: file\n    path: {tmp_path / 'no_such_folder'}\n"
               "    schedule: {interval: 1s}\n    series:\n      - {name: rate, type: share, column: rate}\n")
    daemon = daemon_for(tmp_path, catalogue_yaml([feed_yaml("good", feeds.url + "/good"), dropped])).start()
    try:   # the drop folder's error, with its path, becomes the reason of town2024.dropped's verdict
        daemon.wait_until(lambda: "collection failed" in (httpx.get(daemon.url + "/status/town2024.dropped", timeout=10)
                                                          .json()["current"] or {}).get("reason", ""), timeout=20)
        (tmp_path / "monitor.db").unlink()
        daemon.wait_until(lambda: health(daemon)[0] == 503, timeout=15)
        (tmp_path / "targets.yaml").write_text("version: 1\nfeeds: [}\n", encoding="utf-8")
        assert httpx.post(daemon.url + "/-/reload", headers=daemon.admin_headers(), timeout=30).status_code == 400
        code, body = health(daemon)
        assert body["store"]["problem"] == "the database file was deleted or replaced while open"
        assert body["last_reload_problems"] and body["last_reload_problems"][0].startswith("targets.yaml:")
        for path in PUBLIC_PATHS:
            reply = httpx.get(daemon.url + path, timeout=15)
            assert reply.status_code < 500 or path == "/healthz", (path, reply.status_code)
            assert str(tmp_path) not in reply.text and "monitor.db" not in reply.text, path
    finally:
        daemon.stop()


def test_the_daemon_refuses_to_start_on_a_read_only_database(tmp_path, tmpfs):
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmpfs / 'monitor.db'}")
    open_store(settings).engine.dispose()
    assert subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)]).returncode == 0
    targets = write_targets(tmp_path, catalogue_yaml([feed_yaml("good", "http://127.0.0.1:9/none")]))
    run = subprocess.run([sys.executable, "-m", "monitor", "run", "--config", str(targets)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, "MONITOR_DATABASE_URL": settings.database_url})
    assert run.returncode == 1
    assert "not starting" in run.stderr and "Traceback" not in run.stderr


def test_a_full_disk_is_reported_and_recovers_once_space_is_freed(tmp_path, tmpfs, feeds):
    feeds.routes["/good"] = good_rate
    daemon = daemon_for(tmp_path, catalogue_yaml([feed_yaml("good", feeds.url + "/good")]),
                        {"MONITOR_DATABASE_URL": f"sqlite:///{tmpfs / 'monitor.db'}"}).start()
    ballast = tmpfs / "ballast"
    try:
        daemon.wait_until(lambda: (sample(daemon.metrics(), "monitor_collections_total", feed="good",
                                          result="ok") or 0) >= 1, timeout=20)
        # fill the disk to the last byte, unbuffered: a buffered file's close would flush what the last
        # partial write left over and raise ENOSPC itself (whether it does depends on the free bytes)
        with ballast.open("wb", buffering=0) as handle:
            try:
                while True:
                    handle.write(b"\0" * 65536)
            except OSError:
                pass
        daemon.wait_until(lambda: store_failures(daemon) >= 1, timeout=30)
        daemon.wait_until(lambda: health(daemon)[0] == 503, timeout=15)
        assert "full" in health(daemon)[1]["store"]["problem"]
        ballast.unlink()
        daemon.wait_until(lambda: health(daemon)[0] == 200, timeout=30)
    finally:
        daemon.stop()


@pytest.fixture
def postgres_schema():
    if not postgres_reachable():
        unavailable(f"no PostgreSQL at {POSTGRES_HOST}:{POSTGRES_PORT}")
    schema = f"faults_{uuid.uuid4().hex[:10]}"
    engine = sqlalchemy.create_engine(f"postgresql+psycopg2://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/test")
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    yield schema
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def test_postgresql_refused_mid_run_is_reported_and_status_still_answers(tmp_path, feeds, postgres_schema):
    feeds.routes["/good"] = good_rate
    proxy = TcpProxy(POSTGRES_HOST, POSTGRES_PORT).start()
    url = f"postgresql+psycopg2://postgres@127.0.0.1:{proxy.port}/test?options=-csearch_path%3D{postgres_schema}"
    daemon = daemon_for(tmp_path, catalogue_yaml([feed_yaml("good", feeds.url + "/good")]),
                        {"MONITOR_DATABASE_URL": url})
    try:
        daemon.start()
        daemon.wait_until(lambda: httpx.get(daemon.url + "/status/town2024.good", timeout=10)
                          .json()["current"] is not None, timeout=20)
        proxy.stop()
        reply = httpx.get(daemon.url + "/status/town2024.good", timeout=20)
        assert reply.status_code == 200
        assert reply.json()["current"]["status"] == "met" and reply.json()["history_error"]
        # issue 20, point 5: the page and the API answer from memory, the outage is logged once
        for _ in range(10):
            page = httpx.get(daemon.url + "/commitments/town2024.good", timeout=20)
            assert page.status_code == 200 and "数据库暂时无法访问" in page.text
            api = httpx.get(daemon.url + "/api/v1/commitments/town2024.good", timeout=20)
            assert api.status_code == 200 and api.json()["verdict"]["status"] == "met"
            assert api.json()["history_unavailable"] is True
        daemon.wait_until(lambda: health(daemon)[0] == 503, timeout=20)
        assert str(proxy.port) not in json.dumps(health(daemon)[1])   # point 8: no address of the machine
        daemon.wait_until(lambda: store_failures(daemon) >= 1, timeout=20)
        proxy.start()   # PostgreSQL is back on the same address
        daemon.wait_until(lambda: health(daemon)[0] == 200, timeout=30)
        daemon.wait_until(lambda: not httpx.get(daemon.url + "/api/v1/commitments/town2024.good",
                                                timeout=20).json()["history_unavailable"], timeout=30)
        log = daemon.log.read_text(encoding="utf-8")
        assert log.count("event=store_unreachable") == 1 and log.count("event=store_reachable_again") == 1
        assert "Exception in ASGI application" not in log   # no traceback per request (the old 500s)
    finally:
        proxy.stop()
        daemon.stop()
