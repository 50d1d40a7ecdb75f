"""The reporting round: the template and upload link go out 3 working days ahead, the reminder on the due day to
those who have not reported, the 催报 list to operators after it; a late report is no_data 未按期填报, never missed."""

from __future__ import annotations

import base64
import io
import json
from datetime import datetime, timedelta

import openpyxl
from sqlmodel import Session, select

from alerts.pipeline import AlertPipeline
from alerts.tables import Notification
from monitor.calendar import WorkCalendar
from monitor.evaluate import Evaluation
from monitor.service import report_tables
from monitor.service.daemon import evaluate_feed
from monitor.service.pages import views
from monitor.service.pages.views import Snapshot
from monitor.service.reporting_round import ReportingRound, mark_late
from monitor.service.reports_view import ReportsView
from monitor.service.signed_links import LinkSigner
from monitor.service.uploads import PURPOSE
from tests.reports.helpers import TZ, catalogue_in, drop
from tests.reports.test_intake import collect_reports, good_gov_report
from tests.reports.test_receipts import store_in

SIGNER = LinkSigner("a-test-secret-of-enough-length")


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=TZ)


def mails(store, kind=None) -> list[Notification]:
    with Session(store.engine) as session:
        rows = session.exec(select(Notification).order_by(Notification.id)).all()  # type: ignore[arg-type]
    return [r for r in rows if kind is None or r.kind == kind]


def setup(tmp_path):
    catalogue, store = catalogue_in(tmp_path), store_in(tmp_path)
    return catalogue, store, ReportingRound(store.engine, SIGNER, "http://monitor.example"), \
        WorkCalendar.from_spec(catalogue.calendar)


def test_templates_go_out_three_working_days_before_the_due_day_with_the_file_and_the_link_once(tmp_path):
    catalogue, store, round_, calendar = setup(tmp_path)
    assert round_.run(catalogue, calendar, at(4)) == 0                  # Friday: too early
    assert round_.run(catalogue, calendar, at(7)) == 2                  # Monday: 7, 8, 9 -> due Thursday the 10th
    assert round_.run(catalogue, calendar, at(7, 15)) == 0              # once
    gov = next(m for m in mails(store) if "gov@town" in m.to_addrs)
    assert "请于2026-12-10前报送2026年11月" in gov.subject
    assert gov.attachments is not None
    (attached,) = json.loads(gov.attachments)
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attached["base64"])))["填报表"]
    assert [sheet["A4"].value, sheet["A5"].value] == ["town2026.online_share", "town2026.platform"]
    token = gov.body_text.split("http://monitor.example/upload/")[1].split()[0]
    grant = SIGNER.verify(token, PURPOSE)
    assert (grant.agency, grant.subject) == ("town.gov", "2026-11")


def test_the_template_mail_carries_the_attachment_in_the_email(tmp_path):
    from alerts.notifiers.email import build_email
    catalogue, store, round_, calendar = setup(tmp_path)
    round_.run(catalogue, calendar, at(7))
    message = build_email(mails(store)[0], "monitor@example")
    (part,) = list(message.iter_attachments())
    filename = part.get_filename()
    assert filename is not None and filename.endswith("-2026-11.xlsx") and part.get_content().startswith(b"PK")


def test_on_the_due_day_only_those_who_have_not_reported_are_reminded(tmp_path):
    catalogue, store, round_, calendar = setup(tmp_path)
    drop(tmp_path / "reports" / "town.gov", "gov.xlsx", good_gov_report(catalogue))
    result = collect_reports(catalogue)
    store.save_collection(result)
    report_tables.record(store.engine, result.receipts, at(4))   # as the daemon does with a collection's receipts
    round_.run(catalogue, calendar, at(10))
    reminders = mails(store, "report_reminder")
    assert [json.loads(m.to_addrs) for m in reminders] == [["market@town.agencies.example"]]
    assert "今天截止" in reminders[0].subject


def test_after_the_due_day_operators_get_the_overdue_list_and_the_late_commitment_reads_no_data(tmp_path):
    catalogue, store, round_, calendar = setup(tmp_path)
    round_.run(catalogue, calendar, at(7))
    round_.run(catalogue, calendar, at(11))
    (overdue,) = mails(store, "operators")
    assert "【催报】2个单位逾期未报2026年11月进展" == overdue.subject
    assert "区市场监管局（town.market）" in overdue.body_text and json.loads(overdue.to_addrs) == ["ops@operators.example"]
    assert round_.run(catalogue, calendar, at(12)) == 0
    missed = [Evaluation("town2026.new_firms", at(11), "missed", actual=100, target=1800, reason="short")]
    (late,) = mark_late(store.engine, catalogue, "reports", missed, at(11).date())
    assert late.status == "no_data" and late.reason == "未按期填报（应于2026年12月10日前填报）"
    page = views.agency(Snapshot(catalogue, {late.commitment: late}, at(11), ReportsView(store.engine, catalogue, at(11))),
                        "town.market")
    assert page is not None
    assert page["overdue_reports"] == [{"feed": "reports", "agency": "town.market", "period": "2026-11",
                                        "due": "2026-12-10", "agency_name": "区市场监管局"}]


def test_a_late_report_mails_no_agency_alert(tmp_path):
    catalogue, store, round_, calendar = setup(tmp_path)
    round_.run(catalogue, calendar, at(7))
    pipeline = AlertPipeline(store.engine)
    evaluations = mark_late(store.engine, catalogue, "reports",
                            evaluate_feed(catalogue, calendar, store, "reports", at(11)), at(11).date())
    assert {e.status for e in evaluations} == {"no_data"}
    for step in range(4):
        now = at(11) + timedelta(hours=step)
        store.save_evaluations(evaluations)
        pipeline.process(catalogue, evaluations, now)
        pipeline.flush(now + timedelta(minutes=5))
    agency_mails = [m.kind for m in mails(store) if "town.agencies.example" in m.to_addrs]
    assert agency_mails == ["report_request", "report_request"]   # the templates of the 7th; nothing since
