"""Point 6 of issue 11 and point 7 of issue 20 replayed: POST /-/reload needs the admin token from
every caller, loopback and forwarded ones included (generated beside the database when
MONITOR_ADMIN_TOKEN is not set); the SMTP password is never
sent in clear under MONITOR_SMTP_TLS=auto; a sql feed cannot write through dblink_exec."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid

import httpx
import pytest
import sqlalchemy
from aiosmtpd.smtp import AuthResult

from tests.conftest import POSTGRES_HOST, POSTGRES_PORT, postgres_reachable
from tests.faults.harness import catalogue_yaml, daemon_for, feed_yaml, sample, unavailable, write_targets
from tests.faults.tcp_proxy import TcpProxy
from tests.integration.daemon_process import ROOT, free_port
from tests.smtp_sink import SmtpSink


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
def test_reload_needs_the_token_from_every_caller_even_through_a_loopback_forwarder(tmp_path, token):
    """Without MONITOR_ADMIN_TOKEN the daemon generates one beside its database (mode 0600): a caller
    forwarded from elsewhere (ssh -L, socat: here a TCP proxy on loopback) looks local and is refused."""
    address, port = outside_address(), free_port()
    env = {"MONITOR_LISTEN": f"0.0.0.0:{port}"} | ({"MONITOR_ADMIN_TOKEN": token} if token else {})
    daemon = daemon_for(tmp_path, catalogue_yaml([feed_yaml("f", "http://127.0.0.1:9/none", interval="1h")]), env)
    daemon.port, daemon.url = port, f"http://127.0.0.1:{port}"
    daemon.start()
    forwarder = TcpProxy("127.0.0.1", port).start()
    try:
        generated = tmp_path / "admin-token"
        if token is None:
            assert generated.stat().st_mode & 0o777 == 0o600 and len(generated.read_text().strip()) >= 32
        else:
            assert not generated.exists()
        for url in (f"http://{address}:{port}", daemon.url, f"http://127.0.0.1:{forwarder.port}"):
            for headers in ({}, {"X-Forwarded-For": "127.0.0.1"}, {"Authorization": "Bearer wrong"}):
                assert httpx.post(url + "/-/reload", headers=headers, timeout=10).status_code == 401, (url, headers)
        through = httpx.post(f"http://127.0.0.1:{forwarder.port}/-/reload", headers=daemon.admin_headers(), timeout=30)
        assert through.status_code == 200 and through.json()["reloaded"] is True
        public = "".join(httpx.get(f"http://{address}:{port}{path}", timeout=10).text
                         for path in ("/healthz", "/status", "/metrics", "/api/v1/commitments"))
        secret = daemon.admin_headers()["Authorization"].removeprefix("Bearer ")
        assert secret not in public and "admin-token" not in public
        assert 'monitor_http_requests_rejected_total{reason="unauthorized"}' in daemon.metrics()
    finally:
        forwarder.stop()
        daemon.stop()
    log = daemon.log.read_text()
    assert secret not in log


def test_the_smtp_password_is_never_sent_in_clear_when_starttls_is_not_offered(tmp_path):
    """`monitor notify --test` through a real SMTP server that offers AUTH but no STARTTLS."""
    logins: list[str] = []

    def authenticate(server, session, envelope, mechanism, auth_data):  # noqa: ANN001
        logins.append(mechanism)
        return AuthResult(success=True)

    targets = write_targets(tmp_path, catalogue_yaml([feed_yaml("f", "http://127.0.0.1:9/none", interval="1h")]))
    with SmtpSink(auth_require_tls=False, authenticator=authenticate) as sink:
        env = {**os.environ, "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'monitor.db'}",
               "MONITOR_SMTP_HOST": "127.0.0.1", "MONITOR_SMTP_PORT": str(sink.port), "MONITOR_SMTP_USER": "monitor",
               "MONITOR_SMTP_PASSWORD": "s3cret-password", "MONITOR_SMTP_TLS": "auto"}
        run = subprocess.run([sys.executable, "-m", "monitor", "notify", "--test", "town2024.gov", "--config",
                              str(targets)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert run.returncode == 1 and "offers no STARTTLS" in run.stdout, run.stdout + run.stderr
        assert logins == [] and sink.messages() == []
        env["MONITOR_SMTP_TLS"] = "none"   # the operator says plain AUTH is acceptable here
        run = subprocess.run([sys.executable, "-m", "monitor", "notify", "--test", "town2024.gov", "--config",
                              str(targets)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stdout + run.stderr
        assert logins and len(sink.wait_for(1)) == 1
    assert "s3cret-password" not in run.stdout + run.stderr


def test_a_sql_feed_cannot_write_through_dblink_exec(tmp_path):
    """A real daemon with a sql feed whose query calls dblink_exec, connected as the superuser."""
    if not postgres_reachable():
        unavailable(f"no PostgreSQL at {POSTGRES_HOST}:{POSTGRES_PORT}")
    schema = f"faults_{uuid.uuid4().hex[:10]}"
    base = f"postgresql+psycopg2://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/test"
    admin = sqlalchemy.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
        connection.execute(sqlalchemy.text(f'CREATE EXTENSION IF NOT EXISTS dblink SCHEMA "{schema}"'))
    query = (f"SELECT {schema}.dblink_exec('host={POSTGRES_HOST} port={POSTGRES_PORT} dbname=test user=postgres', "
             f"'CREATE TABLE {schema}.pwned (x int)') AS rate")
    feed = (f"  - id: writer\n    kind: sql\n    url_env: FEED_DB\n    query: \"{query}\"\n"
            "    schedule: {interval: 1s}\n    series:\n      - {name: rate, type: share, column: rate}\n")
    daemon = daemon_for(tmp_path, catalogue_yaml([feed]), {"FEED_DB": base})
    try:
        daemon.start()
        daemon.wait_until(lambda: sample(daemon.metrics(), "monitor_collections_total", feed="writer",
                                         result="config"), timeout=30)
        with admin.connect() as connection:
            assert connection.execute(sqlalchemy.text("SELECT to_regclass(:t)"),
                                      {"t": f"{schema}.pwned"}).scalar() is None
        assert "superuser" in daemon.log.read_text()
    finally:
        daemon.stop()
        with admin.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
