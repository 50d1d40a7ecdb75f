"""The HTTP listener: admin auth, bounded workers, half-open clients, every request answered."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter

from monitor.web import SharedCall, WebServer, is_loopback


class Backend:
    def __init__(self):
        self.registry = CollectorRegistry()
        Counter("probe", "a counter", registry=self.registry).inc()
        self.reloads = 0
        self.fail_status = False

    def health(self):
        return True, {"status": "ok"}

    def status(self, commitment):
        if self.fail_status:
            raise RuntimeError("database down")
        return {"commitments": []}

    def request_reload(self, timeout):
        self.reloads += 1
        return True, []


@pytest.fixture
def served():
    backend, rejected = Backend(), []
    server = WebServer(backend, "127.0.0.1", 0, admin_token=None, workers=1, queue_limit=2, request_timeout=0.5,
                       on_rejected=rejected.append).start()
    host, port = server.address
    yield backend, f"http://{host}:{port}", server, rejected
    server.stop()


def test_reload_without_a_token_is_for_loopback_callers_only(served):
    backend, url, _, _ = served
    assert httpx.post(url + "/-/reload").status_code == 200 and backend.reloads == 1
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("::ffff:127.0.0.1")
    assert not is_loopback("10.0.0.7") and not is_loopback("0.0.0.0") and not is_loopback("example")


def test_reload_from_another_host_is_forbidden_without_a_token():
    address = _non_loopback_address()
    backend, rejected = Backend(), []
    server = WebServer(backend, "0.0.0.0", 0, on_rejected=rejected.append).start()
    try:
        reply = httpx.post(f"http://{address}:{server.address[1]}/-/reload")
        assert reply.status_code == 403 and "MONITOR_ADMIN_TOKEN" in reply.json()["error"]
        assert backend.reloads == 0 and rejected == ["forbidden"]
        assert httpx.get(f"http://{address}:{server.address[1]}/healthz").status_code == 200   # reads stay open
    finally:
        server.stop()


def test_with_a_token_set_every_caller_needs_it():
    backend, rejected = Backend(), []
    server = WebServer(backend, "127.0.0.1", 0, admin_token="s3cret", on_rejected=rejected.append).start()
    url = f"http://127.0.0.1:{server.address[1]}/-/reload"
    try:
        assert httpx.post(url).status_code == 401
        assert httpx.post(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert backend.reloads == 0 and rejected == ["unauthorized", "unauthorized"]
        assert httpx.post(url, headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert backend.reloads == 1
    finally:
        server.stop()


def test_a_half_open_client_is_dropped_and_frees_its_worker(served):
    _, url, server, _ = served
    silent = socket.create_connection(server.address)   # connects, never sends a request
    try:
        silent.settimeout(10)
        assert silent.recv(1) == b""                      # the server hung up on it
        assert httpx.get(url + "/healthz", timeout=10).status_code == 200
    finally:
        silent.close()


def test_connections_beyond_the_queue_get_503_at_once():
    rejected: list[str] = []
    server = WebServer(Backend(), "127.0.0.1", 0, workers=1, queue_limit=2, request_timeout=30,
                       on_rejected=rejected.append).start()
    holders = [socket.create_connection(server.address) for _ in range(2)]   # one worker, queue of two
    try:
        time.sleep(0.3)   # let the listener accept both
        reply = httpx.get(f"http://127.0.0.1:{server.address[1]}/healthz", timeout=5)
        assert reply.status_code == 503 and rejected == ["busy"]
    finally:
        for holder in holders:
            holder.close()
        server.stop()


def test_a_failing_handler_still_answers(served):
    backend, url, _, _ = served
    backend.fail_status = True
    reply = httpx.get(url + "/status", timeout=5)
    assert reply.status_code == 500 and "internal error" in reply.json()["error"]


def test_concurrent_callers_share_one_run():
    runs, started, release = [], threading.Event(), threading.Event()

    def work():
        runs.append(1)
        started.set()
        release.wait(5)
        return len(runs)

    shared = SharedCall(work)
    results: list[int] = []
    first = threading.Thread(target=lambda: results.append(shared()))
    first.start()
    started.wait(5)
    others = [threading.Thread(target=lambda: results.append(shared())) for _ in range(20)]
    for thread in others:
        thread.start()
    time.sleep(0.3)   # let them all arrive while the first run is still going
    release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert len(runs) == 1 and results == [1] * 21
    assert shared() == 2   # a caller after the run gets a fresh one


def _non_loopback_address() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))   # no packet is sent; this only picks the outgoing interface
            address = probe.getsockname()[0]
        except OSError:
            address = "127.0.0.1"
    if is_loopback(address):
        pytest.skip("this machine has no non-loopback IPv4 address")
    return address
