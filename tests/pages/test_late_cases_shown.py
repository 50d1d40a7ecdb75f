"""The late cases as an agency reads them: all of them on the commitment page, sortable without script,
the same columns in .xlsx and .csv, the worst ten and the total in the mail, the counts reconciled in
both; and the verdict in the same Chinese sentence on the page and in the mail."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import re
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from alerts.pipeline import AlertPipeline
from alerts.settings import AlertSettings
from monitor import migrations
from monitor.calendar import WorkCalendar
from monitor.evaluate import Evaluation, evaluate
from monitor.loader import load_catalogue
from monitor.model import Catalogue
from monitor.observations import CaseRecords, MeasureData
from monitor.store import Store, make_engine
from monitor.verdict_text import CASE_COLUMNS, case_row, sentence
from tests.pages.conftest import FIXTURES
from tests.pages.test_pages import text_of

NOW = datetime(2021, 6, 1, 2, 0, tzinfo=UTC)
CID = "town2021.property_days"
N_LATE = 12


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(FIXTURES / "targets.yaml", seeds_dirs=[FIXTURES])


@pytest.fixture(scope="module")
def verdict(catalogue) -> Evaluation:
    """12 late cases (accepted on different days, completed later and later), 3 on time, 2 not yet due."""
    ids, submitted, completed = [], [], []
    days = np.busday_offset("2021-03-01", np.arange(60), roll="forward")   # weekdays
    for i in range(N_LATE):
        ids.append(f"L-{i:02d}")
        submitted.append(f"{days[i]}T09:00")
        completed.append(f"{np.busday_offset(days[i], 5 + 1 + i, holidays=['2021-05-03', '2021-05-04', '2021-05-05'])}T16:00")
    for i, day in enumerate(("2021-05-17", "2021-05-18", "2021-05-19")):
        ids.append(f"OK-{i}")
        submitted.append(f"{day}T09:00")
        completed.append(f"{day}T15:00")
    for i in range(2):
        ids.append(f"NEW-{i}")
        submitted.append("2021-05-31T09:00")
        completed.append("NaT")
    cases = CaseRecords(CID, NOW, np.array(submitted, dtype="datetime64[s]"), np.array(completed, dtype="datetime64[s]"),
                        np.array(ids, dtype=str))
    return evaluate(catalogue.commitments[CID], MeasureData(cases=cases), NOW, WorkCalendar())


@pytest.fixture
def board(verdict) -> dict[str, Evaluation]:
    return {CID: verdict}


def listed_ids(html: str) -> list[str]:
    """The case ids of the page's late-case table, in its order."""
    return re.findall(r"<tr><td><code>([^<]+)</code></td>", html)


def test_the_verdict_is_a_per_case_one_with_late_cases_and_counts(verdict):
    assert verdict.offending_total == N_LATE and verdict.case_counts is not None
    assert verdict.case_counts.received == N_LATE + 3 + 2 and verdict.case_counts.open_not_due == 2


def test_the_page_lists_every_late_case_most_overdue_first_and_sorts_by_a_query_parameter(client, verdict):
    html = client.get(f"/commitments/{CID}").text
    assert "<script" not in html
    listed = listed_ids(html)
    assert len(listed) == N_LATE and listed == [k.id for k in verdict.offending_cases]
    by_submission = listed_ids(client.get(f"/commitments/{CID}", params={"sort": "submitted"}).text)
    assert by_submission == sorted(listed)      # ids follow the submission days
    newest_first = listed_ids(client.get(f"/commitments/{CID}", params={"sort": "submitted", "order": "desc"}).text)
    assert newest_first == sorted(listed, reverse=True)
    assert 'href="?sort=submitted&amp;order=' in html
    text = text_of(html)
    for _, title in CASE_COLUMNS:
        assert title in text
    assert "收到17件，统计15件" in text and "未统计2件：2件尚未办结、也未到期" in text


def test_the_downloads_have_the_pages_columns_and_rows(client):
    page = client.get(f"/commitments/{CID}").text
    assert f'href="/commitments/{CID}/cases.xlsx"' in page and f'href="/commitments/{CID}/cases.csv"' in page
    reply = client.get(f"/commitments/{CID}/cases.csv")
    assert reply.headers["content-type"].startswith("text/csv") and "attachment" in reply.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))
    assert table[0] == [title for _, title in CASE_COLUMNS] and len(table) == 1 + N_LATE
    assert [row[0] for row in table[1:]] == listed_ids(page)
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/commitments/{CID}/cases.xlsx").content))
    sheet = workbook.active
    assert sheet is not None
    sheet_rows = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sheet_rows == table
    assert client.get(f"/commitments/{CID}/cases.pdf").status_code == 404
    assert client.get("/commitments/nope/cases.csv").status_code == 404


def test_the_mail_lists_the_worst_ten_and_the_total_with_the_pages_sentence(catalogue, verdict, tmp_path, client):
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    migrations.upgrade(engine)
    settings = AlertSettings(_env_file=None, smtp_host=None, maildir=tmp_path / "mail",
                             public_url="http://monitor.test:9464", grafana_url="http://grafana.test:3000")
    pipeline = AlertPipeline(engine, settings)
    at_once = catalogue.alerting.model_validate({**catalogue.alerting.model_dump(by_alias=True), "group_wait": "0s"})
    Store(engine).save_evaluations([verdict])
    pipeline.process(dataclasses.replace(catalogue, alerting=at_once), [verdict], NOW)
    asyncio.run(pipeline.deliver_due(NOW))
    engine.dispose()
    mails = [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in sorted(Path(settings.maildir).glob("*.eml"))]
    [mail] = [m for m in mails if "property@" in m["To"]]
    body = mail.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    listed = re.findall(r"^\s+\d+\. (L-\d\d)｜", text, flags=re.M)
    assert listed == [k.id for k in verdict.offending_cases[:10]]
    assert f"共 {N_LATE} 件，以下为超时最多的 10 件" in text
    worst = case_row(catalogue.commitments[CID], verdict.offending_cases[0])
    assert (f"{worst['id']}｜{worst['item']}｜受理 {worst['submitted']}｜应办结 {worst['due']}｜办结 {worst['completed']}"
            f"｜超出 {worst['over']}") in text
    assert "案件统计：收到17件，统计15件" in text
    page_sentence = sentence(catalogue.commitments[CID], verdict)
    assert f"评估结论：{page_sentence}" in text
    assert page_sentence in text_of(client.get(f"/commitments/{CID}").text)
    assert "按 不低于100% 评估" not in text and "不超过0" not in text
