"""`monitor health`: where it asks, and what it calls healthy."""

from __future__ import annotations

import pytest

from monitor.service.health import health_url, verdict


@pytest.mark.parametrize("listen, url", [
    ("0.0.0.0:9464", "http://127.0.0.1:9464/healthz"),
    ("127.0.0.1:8080", "http://127.0.0.1:8080/healthz"),
    ("[::]:9000", "http://[::1]:9000/healthz"),
    ("[::1]:9000", "http://[::1]:9000/healthz"),
    ("10.1.2.3:81", "http://10.1.2.3:81/healthz"),
])
def test_the_probe_asks_the_listen_address_with_wildcards_on_loopback(listen, url):
    assert health_url(listen) == url


@pytest.mark.parametrize("code, body, healthy, says", [
    (200, {"status": "ok", "feeds_collected": 2, "feeds_failing": 1}, True, "ok"),
    (200, {"status": "degraded", "feeds_collected": 2, "feeds_failing": 2}, False, "every feed failing (2 of 2)"),
    (200, {"status": "degraded", "feeds_collected": 2, "feeds_failing": 0, "last_reload_ok": False}, True,
     "the last reload was rejected"),
    (200, {"status": "ok", "feeds_collected": 0, "feeds_failing": 0}, True, "ok"),   # a replica holding no feed
    (503, {"status": "failing"}, False, "HTTP 503"),
])
def test_the_probe_is_unhealthy_when_the_store_fails_or_every_feed_fails(code, body, healthy, says):
    assert verdict(code, body)[0] is healthy and says in verdict(code, body)[1]
