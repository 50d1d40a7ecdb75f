"""The alert e-mail read on a phone: its HTML part rendered in headless Chromium 390 px wide has a
viewport, no horizontal scrolling, and label cells (当前状态, 承诺目标, …) wide enough for their
words on one line, not one character per line."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from alerts.pipeline import AlertPipeline
from alerts.settings import AlertSettings
from monitor import migrations
from monitor.evaluate import Evaluation
from monitor.loader import load_catalogue
from monitor.store import Store, make_engine
from tests.integration.browser import ARTEFACTS, Browser
from tests.integration.daemon_process import ROOT

pytestmark = pytest.mark.integration

FIXTURES = ROOT / "tests" / "alerts" / "fixtures"
T0 = datetime(2021, 6, 1, 2, 0, tzinfo=UTC)
PHONE = 390


def alert_mail_html(tmp_path: Path) -> str:
    """A real agency mail (the pipeline's own rendering) with a long quote, overdue cases and a trend."""
    catalogue = load_catalogue(FIXTURES / "targets.yaml", seeds_dirs=[FIXTURES])
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    migrations.upgrade(engine)
    store = Store(engine)
    pipeline = AlertPipeline(engine, AlertSettings(_env_file=None, maildir=tmp_path / "mail",
                                                   public_url="http://monitor.test:9464"))
    for minute, status in enumerate(("met", "met", "missed")):
        at = T0 + timedelta(minutes=minute)
        evaluations = [Evaluation("town2021.setup_days", at, status, actual=0.5 + minute, target=1.0, op="<=",
                                  unit="个工作日", overdue_open=3, overdue_case_ids=("QY-2021-000123", "QY-2021-000456")),
                       Evaluation("town2021.new_firms", at, "at_risk", actual=500, target=1800, op=">=", unit="家",
                                  expected=750.0)]
        store.save_evaluations(evaluations)
        pipeline.process(catalogue, evaluations, at)
    evaluation = Evaluation("town2021.setup_days", T0 + timedelta(minutes=4), "missed", actual=3.5, target=1.0,
                            op="<=", unit="个工作日", settled_on=date(2021, 5, 31))
    store.save_evaluations([evaluation])
    pipeline.process(catalogue, [evaluation], T0 + timedelta(minutes=4))
    asyncio.run(pipeline.deliver_due(T0 + timedelta(minutes=4)))
    engine.dispose()
    paths = sorted((tmp_path / "mail").glob("*.eml"))
    assert paths, "the pipeline wrote no mail"
    mail = BytesParser(policy=policy.default).parsebytes(paths[-1].read_bytes())
    return mail.get_body(("html",)).get_content()  # type: ignore[union-attr]   # None fails the test


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.close()


def test_the_alert_mail_is_readable_390_px_wide(tmp_path, browser):
    with ThreadPoolExecutor(1) as thread:   # off Playwright's event loop: the pipeline runs its own
        html = thread.submit(alert_mail_html, tmp_path).result()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    path = tmp_path / "mail.html"
    path.write_text(html, encoding="utf-8")
    page = browser.phone(PHONE)
    page.goto(path.as_uri())
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "mail-390.png"), full_page=True)

    labels = page.locator("table.facts th")
    assert labels.count() >= 8
    font = 16.0   # the default size: a label of 4 characters needs at least 4 em
    for i in range(labels.count()):
        label = labels.nth(i)
        text = label.inner_text().strip()
        box = label.bounding_box()
        assert box is not None
        assert box["width"] >= 0.8 * font * len(text), (text, box)      # its words on one line, not a character a line
    values = page.locator("table.facts td")
    for i in range(values.count()):
        box = values.nth(i).bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE + 1, box   # nothing runs off the screen
    whole = page.locator("body").bounding_box()
    assert whole is not None and whole["width"] <= PHONE
    page.close()
