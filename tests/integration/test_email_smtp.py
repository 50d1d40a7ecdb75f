"""Alert e-mails through a real SMTP server (aiosmtpd on 127.0.0.1): content, outages, a killed sender."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from alerts.outbox import new_notification
from alerts.pipeline import AlertPipeline
from alerts.settings import AlertSettings
from alerts.tables import FAILED, SENT, DeliveryAttempt, Notification
from monitor import migrations
from monitor.evaluate import Evaluation
from monitor.loader import load_catalogue
from monitor.store import Store, make_engine
from tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "alerts" / "fixtures"
T0 = datetime(2021, 6, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def sink():
    with SmtpSink() as running:
        yield running


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    migrations.upgrade(engine)
    yield engine
    engine.dispose()


def smtp_settings(port: int, tmp_path: Path) -> AlertSettings:
    return AlertSettings(_env_file=None, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="auto",
                         smtp_timeout_seconds=5, maildir=tmp_path / "unused",
                         mail_from="监测 <monitor@monitor.example>")


def evaluations(at: datetime) -> list[Evaluation]:
    return [
        Evaluation(commitment="town2021.setup_days", evaluated_at=at, status="missed", actual=2.5, target=1,
                   op="<=", unit="个工作日", reason="the latest value, 2.5 个工作日, breaks the promise (<= 1 个工作日)"),
        Evaluation(commitment="town2021.new_firms", evaluated_at=at, status="at_risk", actual=512, target=1800,
                   op=">=", unit="家", expected=748.5, reason="behind pace"),
        Evaluation(commitment="town2021.online_share", evaluated_at=at, status="missed", actual=71.5, target=90,
                   op=">=", unit="%", reason="breaks the promise"),
    ]


def run_cycle(engine, settings: AlertSettings, at: datetime = T0) -> AlertPipeline:
    catalogue = load_catalogue(FIXTURES / "targets.yaml", seeds_dirs=[FIXTURES])
    pipeline = AlertPipeline(engine, settings)
    batch = evaluations(at)
    Store(engine).save_evaluations(batch)
    pipeline.process(catalogue, batch, at)
    return pipeline


def deliver(pipeline: AlertPipeline, at: datetime) -> int:
    async def go() -> int:
        try:
            return await pipeline.deliver_due(at)
        finally:
            await pipeline.aclose()
    return asyncio.run(go())


def test_agencies_receive_chinese_alert_mails_with_quote_and_numbers(sink, engine, tmp_path):
    pipeline = run_cycle(engine, smtp_settings(sink.port, tmp_path))
    assert deliver(pipeline, T0) == 2
    by_to = {str(r.message["To"]): r for r in sink.wait_for(2)}
    market = by_to["market@town.agencies.example"]
    assert set(market.rcpt_tos) == {"market@town.agencies.example", "gov@town.agencies.example",
                                    "ops@monitor.example"}
    assert "Bcc" not in market.message and str(market.message["Cc"]) == "gov@town.agencies.example"
    assert market.message["Subject"] == "【营商环境承诺监测】区市场监管局：1项承诺未达标，1项承诺有风险"
    assert market.mail_from == "monitor@monitor.example"
    text = market.text()
    assert "原文：“企业开办时间压缩至1个工作日以内”" in text and "原文：“全年新增市场主体1800家”" in text
    assert "承诺目标：不超过1个工作日" in text and "当前实际：2.5个工作日" in text
    assert "当前实际：512家" in text and "按进度应达：748.5家" in text
    assert "<b>2.5个工作日</b>" in market.html() and "企业开办时间压缩至1个工作日以内" in market.html()
    gov = by_to["gov@town.agencies.example"]
    assert set(gov.rcpt_tos) == {"gov@town.agencies.example", "data@town.agencies.example",
                                 "data2@town.agencies.example", "ops@monitor.example"}
    assert "71.5%" in gov.text() and "不低于90%" in gov.text()


def test_smtp_server_down_then_up_delivers_each_message_exactly_once(engine, tmp_path):
    sink = SmtpSink()                                   # not started: connection refused
    pipeline = run_cycle(engine, smtp_settings(sink.port, tmp_path))
    assert deliver(pipeline, T0) == 0
    with Session(engine) as session:
        assert {n.state for n in session.exec(select(Notification)).all()} == {"pending"}
        assert {a.outcome for a in session.exec(select(DeliveryAttempt)).all()} == {"transient"}
    with sink:
        assert deliver(pipeline, T0 + timedelta(seconds=5)) == 0          # backoff not over yet
        assert deliver(pipeline, T0 + timedelta(minutes=1)) == 2
        assert deliver(pipeline, T0 + timedelta(hours=1)) == 0
        received = sink.wait_for(2)
    assert len(received) == 2 and len({r.message_id for r in received}) == 2


def test_refused_recipient_is_a_permanent_failure_recorded_at_once(sink, engine, tmp_path):
    sink.refuse["market@town.agencies.example"] = "550 5.1.1 <market@town.agencies.example>: no such user"
    sink.refuse["gov@town.agencies.example"] = "550 5.1.1 no such user"
    sink.refuse["data@town.agencies.example"] = "550 5.1.1 no such user"
    sink.refuse["data2@town.agencies.example"] = "550 5.1.1 no such user"
    sink.refuse["ops@monitor.example"] = "550 5.1.1 no such user"
    pipeline = run_cycle(engine, smtp_settings(sink.port, tmp_path))
    deliver(pipeline, T0)
    with Session(engine) as session:
        rows = session.exec(select(Notification)).all()
    assert {r.state for r in rows} == {FAILED}
    assert all(r.last_error is not None and "no such user" in r.last_error for r in rows)
    assert all(r.attempts == 1 for r in rows)


def queue_mails(engine, count: int) -> None:
    with Session(engine) as session:
        now = datetime.now(UTC)
        session.add_all(new_notification(now, group_key=f"agency:a{i}", kind="alert", channel="email",
                                         to_addrs=[f"a{i}@agencies.example"], subject=f"【营商环境承诺监测】测试{i}",
                                         body_text=f"第{i}封") for i in range(count))
        session.commit()


def worker(database: Path, port: int, log, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "MONITOR_SMTP_HOST": "127.0.0.1", "MONITOR_SMTP_PORT": str(port),
           "MONITOR_SMTP_TLS": "none", "MONITOR_OUTBOX_LEASE_SECONDS": "1"}
    return subprocess.Popen([sys.executable, "-m", "alerts.outbox_worker", "--database-url", f"sqlite:///{database}",
                             "--interval", "0.05", *extra], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=log)


def test_sender_killed_while_sending_resumes_and_delivers_each_message_exactly_once(tmp_path, engine):
    database = tmp_path / "monitor.db"
    queue_mails(engine, 6)
    with SmtpSink() as sink:
        sink.hold_after = 2                         # the third conversation stops after MAIL FROM
        log = (tmp_path / "worker.log").open("w")
        first = worker(database, sink.port, log)
        try:
            assert sink.held.wait(20), "the sender never reached the third message"
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            first.kill()
        assert len(sink.messages()) == 2
        sink.hold_after = None
        second = worker(database, sink.port, log, "--until-empty")
        code = second.wait(30)
        log.close()
        assert code == 0, (tmp_path / "worker.log").read_text()
        received = sink.wait_for(6)
    counts = Counter(r.message_id for r in received)
    assert len(counts) == 6 and set(counts.values()) == {1}
    with Session(engine) as session:
        assert {n.state for n in session.exec(select(Notification)).all()} == {SENT}


def test_a_mail_the_server_refuses_as_too_large_still_tells_the_agency(engine, tmp_path):
    """Issue 20, point 1: a 552 (message too large) had marked the alert failed for good, the agency
    untold; the same send now follows with a short text mail that keeps the first items and their links."""
    item = ("■ [新告警·严重] 企业开办时间（town2021.setup_days）\n  超期未办结：50 件（" + "X" * 3000 + "）\n"
            "  详情：http://monitor.test:9464/commitments/town2021.setup_days\n")
    with SmtpSink(data_size_limit=40_000) as sink, Session(engine) as session:
        session.add(new_notification(T0, group_key="agency:town.market", kind="alert", channel="email",
                                     to_addrs=["market@town.agencies.example"], subject="【承诺监测】区市场监管局：1项承诺未达标",
                                     body_text="区市场监管局：\n\n" + item * 40, body_html="<p>" + "Y" * 100_000 + "</p>"))
        session.commit()
        settings = smtp_settings(sink.port, tmp_path).model_copy(update={"public_url": "http://monitor.test:9464"})
        assert deliver(AlertPipeline(engine, settings), T0) == 1
        [received] = sink.wait_for(1)
        rows = session.exec(select(Notification)).all()
    assert [r.state for r in rows] == [SENT]
    text = received.text()
    assert text.startswith("区市场监管局：") and "详情：http://monitor.test:9464/commitments/town2021.setup_days" in text
    assert "超出收件服务器允许的大小" in text and "http://monitor.test:9464/" in text
    assert not received.message.get_body(("html",))   # text only: the short mail must fit
