"""SMTP with STARTTLS, implicit TLS and AUTH against a real aiosmtpd with a throw-away certificate."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session

from alerts.outbox import new_notification
from alerts.pipeline import AlertPipeline
from alerts.settings import AlertSettings
from alerts.tables import PENDING, SENT, Notification
from monitor import migrations
from monitor.store import make_engine
from tests.needs import tool
from tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.integration
NOW = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    openssl = tool("openssl", "openssl")   # it makes the test certificate
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, certificate))
    return context


def accept_monitor(sink: SmtpSink):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticate(server, session, envelope, mechanism, auth_data):  # noqa: ANN001
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"monitor", b"s3cret")
        if ok:
            sink.logins.append((auth_data.login.decode(), mechanism))
        return AuthResult(success=ok)
    return authenticate


def send_one(tmp_path: Path, settings: AlertSettings) -> Notification:
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    migrations.upgrade(engine)
    with Session(engine) as session:
        row = new_notification(NOW, group_key="agency:x", kind="alert", channel="email",
                               to_addrs=["market@town.agencies.example"], subject="【营商环境承诺监测】TLS", body_text="正文")
        session.add(row)
        session.commit()
        session.refresh(row)
    pipeline = AlertPipeline(engine, settings)

    async def go():
        try:
            await pipeline.deliver_due(NOW)
        finally:
            await pipeline.aclose()
    asyncio.run(go())
    with Session(engine) as session:
        row = session.get(Notification, row.id)  # type: ignore[assignment]   # None fails below
    engine.dispose()
    return row


def settings_for(sink: SmtpSink, tmp_path: Path, **changes) -> AlertSettings:
    password_file = tmp_path / "smtp-password"
    password_file.write_text("s3cret\n")
    return AlertSettings(_env_file=None, smtp_host="127.0.0.1", smtp_port=sink.port, smtp_user="monitor",
                         smtp_password_file=password_file, smtp_timeout_seconds=5, maildir=tmp_path / "unused",
                         **changes)


def test_starttls_with_login_from_a_password_file(certificate, tmp_path):
    sink = SmtpSink(tls_context=server_context(certificate), require_starttls=True)
    sink.server_options["authenticator"] = accept_monitor(sink)
    with sink:
        row = send_one(tmp_path, settings_for(sink, tmp_path, smtp_tls="starttls", smtp_ca_file=certificate[0]))
        assert row.state == SENT, row.last_error
        assert len(sink.wait_for(1)) == 1 and sink.logins and sink.logins[0][0] == "monitor"


def test_auto_uses_starttls_when_the_server_offers_it(certificate, tmp_path):
    sink = SmtpSink(tls_context=server_context(certificate), require_starttls=True)
    sink.server_options["authenticator"] = accept_monitor(sink)
    with sink:
        row = send_one(tmp_path, settings_for(sink, tmp_path, smtp_tls="auto", smtp_ca_file=certificate[0]))
        assert row.state == SENT, row.last_error


def test_implicit_tls(certificate, tmp_path):
    sink = SmtpSink(ssl_context=server_context(certificate), auth_require_tls=False)   # TLS is the transport here
    sink.server_options["authenticator"] = accept_monitor(sink)
    with sink:
        row = send_one(tmp_path, settings_for(sink, tmp_path, smtp_tls="ssl", smtp_ca_file=certificate[0]))
        assert row.state == SENT, row.last_error
        assert len(sink.wait_for(1)) == 1


def test_required_starttls_not_offered_is_retried_never_sent_in_clear(tmp_path):
    with SmtpSink() as sink:
        row = send_one(tmp_path, settings_for(sink, tmp_path, smtp_tls="starttls"))
        assert row.last_error is not None
        assert row.state == PENDING and "STARTTLS" in row.last_error
        assert sink.messages() == []


def test_untrusted_certificate_is_a_transient_tls_failure(certificate, tmp_path):
    with SmtpSink(tls_context=server_context(certificate), require_starttls=True) as sink:
        row = send_one(tmp_path, settings_for(sink, tmp_path, smtp_tls="starttls"))
        assert row.last_error is not None
        assert row.state == PENDING and "SSLCertVerificationError" in row.last_error


def test_wrong_password_is_retried_not_dropped(certificate, tmp_path):
    sink = SmtpSink(tls_context=server_context(certificate), require_starttls=True)
    sink.server_options["authenticator"] = accept_monitor(sink)
    with sink:
        settings = settings_for(sink, tmp_path, smtp_tls="starttls", smtp_ca_file=certificate[0])
        (tmp_path / "smtp-password").write_text("wrong")
        row = send_one(tmp_path, settings.model_copy(update={"smtp_password_file": tmp_path / "smtp-password"}))
        assert row.state == PENDING and row.last_error     # fixing the password resumes delivery
        assert sink.messages() == []


def test_auto_never_sends_the_password_in_clear_when_starttls_is_not_offered(tmp_path):
    sink = SmtpSink(auth_require_tls=False)   # a server that would take AUTH in clear
    sink.server_options["authenticator"] = accept_monitor(sink)
    with sink:
        row = send_one(tmp_path, settings_for(sink, tmp_path, smtp_tls="auto"))
        assert row.last_error is not None
        assert row.state == PENDING and "offers no STARTTLS" in row.last_error and "MONITOR_SMTP_TLS" in row.last_error
        assert sink.logins == [] and sink.messages() == []


def test_tls_none_allows_auth_in_clear_when_asked_for(tmp_path):
    sink = SmtpSink(auth_require_tls=False)
    sink.server_options["authenticator"] = accept_monitor(sink)
    with sink:
        row = send_one(tmp_path, settings_for(sink, tmp_path, smtp_tls="none"))
        assert row.state == SENT, row.last_error
        assert sink.logins and len(sink.wait_for(1)) == 1
