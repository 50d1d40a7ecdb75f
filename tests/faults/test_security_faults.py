"""Point 6 of issue 11 replayed against the real daemon listening on every interface: POST /-/reload
needs MONITOR_ADMIN_TOKEN when it is set, and a loopback caller when it is not."""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.faults.harness import catalogue_yaml, daemon_for, feed_yaml, unavailable
from tests.integration.daemon_process import free_port


def outside_address() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))   # sends nothing; picks the outgoing interface's address
            address = probe.getsockname()[0]
        except OSError:
            address = "127.0.0.1"
    if address.startswith("127."):
        unavailable("no non-loopback IPv4 address to call the daemon from")
    return address


@pytest.mark.parametrize("token", [None, "s3cret-token"])
def test_reload_on_a_public_listener_needs_a_token_or_a_loopback_caller(tmp_path, token):
    address, port = outside_address(), free_port()
    env = {"MONITOR_LISTEN": f"0.0.0.0:{port}"} | ({"MONITOR_ADMIN_TOKEN": token} if token else {})
    daemon = daemon_for(tmp_path, catalogue_yaml([feed_yaml("f", "http://127.0.0.1:9/none", interval="1h")]), env)
    daemon.port, daemon.url = port, f"http://127.0.0.1:{port}"
    daemon.start()
    try:
        outside = f"http://{address}:{port}/-/reload"
        if token is None:
            assert httpx.post(outside, timeout=10).status_code == 403
            assert httpx.post(daemon.url + "/-/reload", timeout=30).status_code == 200   # loopback
        else:
            assert httpx.post(outside, timeout=10).status_code == 401
            assert httpx.post(daemon.url + "/-/reload", timeout=10).status_code == 401  # loopback too
            assert httpx.post(outside, headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code == 200
        assert httpx.get(f"http://{address}:{port}/healthz", timeout=10).status_code == 200
        assert 'monitor_http_requests_rejected_total{reason="' in daemon.metrics()
    finally:
        daemon.stop()
    assert token is None or token not in daemon.log.read_text()
