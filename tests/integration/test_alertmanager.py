"""A real Alertmanager (Debian prometheus-alertmanager) receives, lists and resolves our alerts."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from alerts.pipeline import AlertPipeline
from alerts.settings import AlertSettings
from alerts.tables import Notification
from monitor import migrations
from monitor.evaluate import Evaluation
from monitor.loader import load_catalogue
from monitor.store import Store, make_engine
from tests.needs import missing
from tests.smtp_sink import free_port

pytestmark = pytest.mark.integration
FIXTURES = Path(__file__).resolve().parents[1] / "alerts" / "fixtures"
BINARY = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"
CONFIG = """
route:
  receiver: "null"
  group_wait: 1s
receivers:
  - name: "null"
"""


def poll(check, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


@pytest.fixture
def alertmanager(tmp_path):
    if not Path(BINARY).exists():
        missing("prometheus-alertmanager is not installed (Debian package prometheus-alertmanager)")
    port = free_port()
    (tmp_path / "alertmanager.yml").write_text(CONFIG)
    log = (tmp_path / "alertmanager.log").open("w")
    process = subprocess.Popen([BINARY, f"--config.file={tmp_path / 'alertmanager.yml'}",
                                f"--storage.path={tmp_path / 'am-data'}", f"--web.listen-address=127.0.0.1:{port}",
                                "--cluster.listen-address="], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            return httpx.get(f"{url}/-/ready", timeout=1).status_code == 200
        except httpx.TransportError:
            return False
    try:
        if not poll(ready, 20):
            pytest.fail(f"Alertmanager did not become ready: {(tmp_path / 'alertmanager.log').read_text()[-2000:]}")
        yield url
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def active_alerts(url: str) -> list[dict]:
    return httpx.get(f"{url}/api/v2/alerts", params={"active": "true"}, timeout=5).json()


def test_alertmanager_receives_lists_and_resolves_commitment_alerts(alertmanager, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    migrations.upgrade(engine)
    catalogue = load_catalogue(FIXTURES / "targets.yaml", seeds_dirs=[FIXTURES])
    import dataclasses
    spec = catalogue.alerting.model_validate({**catalogue.alerting.model_dump(by_alias=True),
                                              "route": "alertmanager", "alertmanager": [{"url": alertmanager}]})
    catalogue = dataclasses.replace(catalogue, alerting=spec)
    pipeline = AlertPipeline(engine, AlertSettings(_env_file=None, maildir=tmp_path / "mail"))
    store = Store(engine)
    now = datetime.now(UTC) - timedelta(seconds=2)   # resolved times must not lie in the future

    def cycle(at: datetime, status: str, actual: float) -> None:
        evaluations = [Evaluation(commitment="town2021.setup_days", evaluated_at=at, status=status, actual=actual,
                                  target=1, op="<=", unit="个工作日", reason=status)]
        store.save_evaluations(evaluations)
        pipeline.process(catalogue, evaluations, at)

    async def deliver(at: datetime) -> int:
        try:
            return await pipeline.deliver_due(at)
        finally:
            await pipeline.aclose()

    cycle(now, "missed", 2.5)
    asyncio.run(deliver(now))
    listed = poll(lambda: active_alerts(alertmanager))
    assert len(listed) == 1
    labels = listed[0]["labels"]
    assert labels["alertname"] == "CommitmentMissed" and labels["commitment"] == "town2021.setup_days"
    assert labels["agency"] == "town.market" and labels["severity"] == "critical"
    assert listed[0]["annotations"]["quote"] == "企业开办时间压缩至1个工作日以内"

    later = now + timedelta(seconds=1)
    cycle(later, "met", 0.8)
    asyncio.run(deliver(later))
    assert poll(lambda: active_alerts(alertmanager) == [])
    with Session(engine) as session:
        rows = session.exec(select(Notification).where(Notification.channel == "alertmanager")).all()
    assert [r.state for r in rows] == ["sent", "sent"]
    engine.dispose()
