"""Two daemons on one PostgreSQL database never send the same message twice."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from alerts.outbox import new_notification
from alerts.pipeline import AlertPipeline
from alerts.settings import AlertSettings
from alerts.tables import SENT, DeliveryAttempt, Notification
from monitor import migrations
from monitor.evaluate import Evaluation
from monitor.loader import load_catalogue
from monitor.store import make_engine
from tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "alerts" / "fixtures"
T0 = datetime(2021, 6, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def engine(postgres_url):
    engine = make_engine(postgres_url)
    migrations.upgrade(engine)
    yield engine
    engine.dispose()


def test_two_senders_on_postgresql_never_send_the_same_message_twice(postgres_url, engine, tmp_path):
    count = 40
    with Session(engine) as session:
        now = datetime.now(UTC)
        session.add_all(new_notification(now, group_key=f"agency:a{i}", kind="alert", channel="email",
                                         to_addrs=[f"a{i}@agencies.example"], subject=f"测试{i}", body_text="正文")
                        for i in range(count))
        session.commit()
    with SmtpSink() as sink:
        env = {**os.environ, "MONITOR_SMTP_HOST": "127.0.0.1", "MONITOR_SMTP_PORT": str(sink.port),
               "MONITOR_SMTP_TLS": "none", "MONITOR_OUTBOX_BATCH": "1"}
        logs = [(tmp_path / f"worker{i}.log").open("w") for i in range(2)]
        workers = [subprocess.Popen([sys.executable, "-m", "alerts.outbox_worker", "--database-url", postgres_url,
                                     "--interval", "0.01", "--until-empty"], cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL, stderr=log) for log in logs]
        codes = [w.wait(60) for w in workers]
        for log in logs:
            log.close()
        assert codes == [0, 0], [(tmp_path / f"worker{i}.log").read_text() for i in range(2)]
        received = sink.wait_for(count)
    counts = Counter(r.message_id for r in received)
    assert len(counts) == count and set(counts.values()) == {1}
    with Session(engine) as session:
        assert {n.state for n in session.exec(select(Notification)).all()} == {SENT}
        attempts = session.exec(select(DeliveryAttempt)).all()
    assert len(attempts) == count
    workers_used = {a.worker for a in attempts}
    assert len(workers_used) == 2, "both senders should have taken part"


def test_two_daemons_processing_the_same_cycle_queue_each_message_once(postgres_url, engine, tmp_path):
    catalogue = load_catalogue(FIXTURES / "targets.yaml", seeds_dirs=[FIXTURES])
    evaluations = [Evaluation(commitment="town2021.setup_days", evaluated_at=T0, status="missed", actual=2.5,
                              target=1, op="<=", unit="个工作日"),
                   Evaluation(commitment="town2021.online_share", evaluated_at=T0, status="missed", actual=70,
                              target=90, op=">=", unit="%")]
    engines = [make_engine(postgres_url) for _ in range(2)]
    pipelines = [AlertPipeline(e, AlertSettings(_env_file=None, maildir=tmp_path / "mail")) for e in engines]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(pipeline: AlertPipeline) -> None:
        try:
            barrier.wait()
            pipeline.process(catalogue, evaluations, T0)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=run, args=(p,)) for p in pipelines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for e in engines:
        e.dispose()
    assert errors == []
    with Session(engine) as session:
        rows = session.exec(select(Notification)).all()
    assert sorted(r.group_key for r in rows) == ["agency:town.gov_service", "agency:town.market"]
