"""A receipt for every file: a Chinese mail to the submitting agency, cc the operators, accepted with each
commitment's new value and verdict, or rejected with every problem; the rejection shows on the board."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, select

from alerts.tables import Notification
from monitor import migrations
from monitor.calendar import WorkCalendar
from monitor.reporting import FileReceipt
from monitor.service import receipts, report_tables
from monitor.service.daemon import evaluate_feed
from monitor.service.pages import views
from monitor.service.pages.views import Snapshot
from monitor.service.reports_view import ReportsView
from monitor.store import Store, make_engine
from tests.collectors.helpers import collect_once
from tests.collectors.test_file_drop import drop_feed, write_xlsx
from tests.reports.helpers import NOW, catalogue_in, drop, fill, template
from tests.reports.test_intake import collect_reports, good_gov_report


def store_in(tmp_path) -> Store:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrations.upgrade(engine)
    return Store(engine)


def stored_and_receipted(store, catalogue, result):
    """What the daemon does with a collection: store, evaluate, queue the receipts."""
    store.save_collection(result)
    report_tables.record(store.engine, result.receipts, NOW)
    evaluations = evaluate_feed(catalogue, WorkCalendar.from_spec(catalogue.calendar), store, result.feed, NOW)
    receipts.queue(store.engine, catalogue, result.receipts, evaluations, NOW, "http://monitor.example")
    with Session(store.engine) as session:
        return list(session.exec(select(Notification).where(Notification.kind == "receipt")).all())


def test_an_accepted_report_is_receipted_to_the_agency_and_operators_with_each_value_and_verdict(tmp_path):
    catalogue, store = catalogue_in(tmp_path), store_in(tmp_path)
    drop(tmp_path / "reports" / "town.gov", "十一月.xlsx", good_gov_report(catalogue))
    (mail,) = stored_and_receipted(store, catalogue, collect_reports(catalogue))
    assert json.loads(mail.to_addrs) == ["gov@town.agencies.example"]
    assert json.loads(mail.cc_addrs) == ["ops@operators.example"]
    assert "已采用" in mail.subject and "十一月.xlsx" in mail.subject
    text = mail.body_text
    assert "本期数值：92.5%（数据截至2026-11-30）" in text
    assert "结论：达标 — 最新数值为92.5%" in text and "承诺为不低于90%，已达到" in text   # the verdict's one sentence
    assert "完成情况说明：已接入市平台" in text and "http://monitor.example/commitments/town2026.online_share" in text


def test_a_rejected_report_is_receipted_with_every_problem_and_shows_on_the_board(tmp_path):
    catalogue, store = catalogue_in(tmp_path), store_in(tmp_path)
    content = fill(template(catalogue, "town.gov"), {4: ("约30", "下周一"), 5: (1, datetime(2026, 11, 30))})
    drop(tmp_path / "reports" / "town.gov", "gov.xlsx", content)
    (mail,) = stored_and_receipted(store, catalogue, collect_reports(catalogue))
    assert "未被采用" in mail.subject and "2个问题" in mail.subject
    assert "1. 第4行「本期数值」：'约30' 不是数字" in mail.body_text
    assert "2. 第4行「数据截至日期」：'下周一' 不是日期" in mail.body_text
    board = views.board(Snapshot(catalogue, {}, NOW, ReportsView(store.engine, catalogue, NOW)))
    (shown,) = board["rejected_files"]
    assert shown["agency_name"] == "区政务服务中心" and shown["file"] == "gov.xlsx" and len(shown["problems"]) == 2


def test_a_case_spreadsheet_with_a_misnamed_header_and_a_bad_cell_names_both_in_the_agencys_words(tmp_path):
    catalogue, store = catalogue_in(tmp_path), store_in(tmp_path)
    write_xlsx(tmp_path / "cases" / "june.xlsx", [["A1", "2024-06-03 09:00", "2024-06-04 10:00", 95],
                                                  ["A2", "2024-06-05 09:00", "下周一", 96]],
               headers=["编号", "受理时间", "办结日期", "网办率"])
    result = collect_once(catalogue.feeds["cases_market"])
    (mail,) = stored_and_receipted(store, catalogue, result)
    assert json.loads(mail.to_addrs) == ["market@town.agencies.example"]   # the lead agency of the feed's commitments
    assert "第3行，C列（办结日期）：办结时间无法识别，值为“下周一”" in mail.body_text
    (receipt,) = result.receipts
    assert not receipt.accepted
    assert any("缺少：「办结时间」" in p and "表头中有「办结日期」，是否应为「办结时间」" in p for p in receipt.problems)
    assert "completed" not in " ".join(receipt.problems)
    assert any("第3行" in p and "办结日期" in p and "下周一" in p for p in receipt.problems), receipt.problems


def test_an_accepted_case_spreadsheet_gets_a_receipt_too(tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    write_xlsx(cases / "june.xlsx", [["A1", "2024-06-03 09:00", "2024-06-04 10:00", 95]])
    (receipt,) = collect_once(drop_feed(cases)).receipts
    assert receipt.accepted and receipt.series == ["rate", "setup"]


def test_an_accepted_case_spreadsheets_receipt_links_each_commitment_it_lists(tmp_path):
    catalogue = catalogue_in(tmp_path)
    receipt = FileReceipt(feed="cases_market", file="十一月办件.xlsx", agency=None, accepted=True, series=["setup"])
    _, text = receipts.render(catalogue, receipt, NOW, {}, "http://monitor.example/")
    listed = catalogue.evaluated_commitments("cases_market")
    assert listed
    for c in listed:   # the line naming it, then the page where the agency sees why
        line = text.index(f"（{c.id}）：")
        assert text[line:].split("\n")[1].strip() == f"详情：http://monitor.example/commitments/{c.id}"
