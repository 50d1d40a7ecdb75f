"""Links that work, someone to contact, what to do next, and the year the holiday notice asks for."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import UTC, date, datetime

import pytest

from alerts.calendar_notice import provisional_years
from alerts.pipeline import AlertPipeline
from alerts.settings import AlertSettings, link_base
from alerts.startup import mail_report
from monitor.spec import CalendarSpec
from monitor.spec.catalogue import AgencyContact
from tests.alerts.alert_helpers import SETUP, T0, Cycle, load_fixture_catalogue, read_mails


# -- point 1: links ------------------------------------------------------------------------
def test_links_default_to_the_address_the_daemon_listens_on():
    base = link_base(None, "127.0.0.1:8123")
    assert (base.url, base.derived, base.loopback, base.problem) == ("http://127.0.0.1:8123", True, True, None)
    assert link_base(None, "10.1.2.3:80").url == "http://10.1.2.3:80"
    assert link_base(None, "[::1]:8123").url == "http://[::1]:8123"


@pytest.mark.parametrize("listen", ["0.0.0.0:8123", "[::]:8123", ":8123"])
def test_a_wildcard_listen_address_is_said_to_be_unusable_in_links(listen):
    base = link_base(None, listen)
    assert base.url == "http://127.0.0.1:8123" and base.problem is not None
    assert "MONITOR_PUBLIC_URL" in base.problem and listen in base.problem


def test_public_url_wins_over_the_listen_address():
    base = link_base("https://monitor.gov.example/", "0.0.0.0:8123")
    assert (base.url, base.derived, base.loopback, base.problem) == ("https://monitor.gov.example", False, False, None)


def test_settings_read_the_listen_address_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_LISTEN", "127.0.0.1:9555")
    monkeypatch.delenv("MONITOR_PUBLIC_URL", raising=False)
    assert AlertSettings(_env_file=None).links().url == "http://127.0.0.1:9555"


def test_start_up_says_where_mail_goes_and_warns_of_loopback_links_through_smtp(tmp_path):
    folder = mail_report(AlertSettings(_env_file=None, maildir=tmp_path / "mail", listen="127.0.0.1:9464"))
    assert [line.event for line in folder] == ["mail_destination", "mail_links"]
    assert str(tmp_path / "mail") in folder[0].text and "http://127.0.0.1:9464/" in folder[1].text
    assert "no Grafana links" in folder[1].text
    smtp = mail_report(AlertSettings(_env_file=None, smtp_host="mail.gov.example", listen="127.0.0.1:9464"))
    assert "SMTP server mail.gov.example:25" in smtp[0].text
    [warning] = [line for line in smtp if line.level == logging.WARNING]
    assert warning.event == "mail_links_loopback" and "MONITOR_PUBLIC_URL" in warning.text
    public = mail_report(AlertSettings(_env_file=None, smtp_host="mail.gov.example",
                                       public_url="https://monitor.gov.example"))
    assert [line for line in public if line.level == logging.WARNING] == []
    wildcard = mail_report(AlertSettings(_env_file=None, listen="0.0.0.0:9464", maildir=tmp_path))
    assert [line.event for line in wildcard if line.level == logging.WARNING] == ["mail_links_unusable"]


def _mail_text(store, engine, tmp_path, **settings_fields) -> str:
    settings = AlertSettings(_env_file=None, maildir=tmp_path / "mail", **settings_fields)
    pipeline = AlertPipeline(engine, settings)
    Cycle(store, pipeline, load_fixture_catalogue())(T0, (SETUP, "missed", 2.5))
    asyncio.run(pipeline.deliver_due(T0))
    [mail] = read_mails(settings.maildir)
    return mail.get_body(("plain",)).get_content() + mail.get_body(("html",)).get_content()


def test_no_grafana_link_unless_grafana_url_is_set(store, engine, tmp_path):
    text = _mail_text(store, engine, tmp_path, listen="127.0.0.1:9777")
    assert "图表" not in text and "3000" not in text and "查看图表" not in text
    assert "详情：http://127.0.0.1:9777/commitments/town2021.setup_days" in text


def test_a_grafana_link_when_grafana_url_is_set(store, engine, tmp_path):
    text = _mail_text(store, engine, tmp_path, grafana_url="http://grafana.gov.example")
    assert "图表：http://grafana.gov.example/d/commitment-detail?var-commitment=town2021.setup_days" in text


# -- point 4: someone to contact, what to do next -------------------------------------------
def test_every_agency_mail_names_the_office_and_the_agency_contact_and_the_next_steps(store, engine, settings):
    catalogue = load_fixture_catalogue(contact={"name": "区营商环境监测办公室", "phone": "023-00000000",
                                                "email": "office@monitor.example"})
    assert catalogue.agencies["town.market"].contact is None   # the fixture names no one: the mail says so
    pipeline = AlertPipeline(engine, settings)
    Cycle(store, pipeline, catalogue)(T0, (SETUP, "missed", 2.5))
    asyncio.run(pipeline.deliver_due(T0))
    [mail] = read_mails(settings.maildir)
    text = mail.get_body(("plain",)).get_content()
    assert "监测办公室：区营商环境监测办公室，电话 023-00000000，邮箱 office@monitor.example" in text
    assert "区市场监管局联系人：未登记联系人" in text
    assert "请核实并处理" not in text
    for step in ("核对：打开各项的“详情”链接", "数据有误：请在数据源头", "对结论有疑问：请联系下方的监测办公室"):
        assert step in text
    assert "对结论有异议" not in text     # no dispute link until disputes are on (item.dispute_url)


def test_an_agency_contact_from_targets_yaml_is_shown(store, engine, settings):
    catalogue = load_fixture_catalogue()
    agencies = dict(catalogue.agencies)
    agencies["town.market"] = agencies["town.market"].model_copy(
        update={"contact": AgencyContact(person="李主任", phone="023-11111111")})
    commitments = {cid: dataclasses.replace(c, agency=agencies[c.agency.id]) if c.agency else c
                   for cid, c in catalogue.commitments.items()}
    catalogue = dataclasses.replace(catalogue, agencies=agencies, commitments=commitments)
    pipeline = AlertPipeline(engine, settings)
    Cycle(store, pipeline, catalogue)(T0, (SETUP, "missed", 2.5))
    asyncio.run(pipeline.deliver_due(T0))
    text = read_mails(settings.maildir)[0].get_body(("plain",)).get_content()
    assert "区市场监管局联系人：李主任，电话 023-11111111" in text and "监测办公室：未登记联系人" in text


def test_the_dispute_link_shows_when_an_item_carries_one(catalogue, settings):
    from alerts.render import Renderer
    from alerts.tables import AlertState
    renderer = Renderer(settings, UTC)
    item = renderer.item(catalogue.commitments[SETUP], AlertState(commitment=SETUP, alert="target", status="missed",
                                                                  severity="critical"), "firing", ())
    assert item["dispute_url"] is None
    item["dispute_url"] = "http://monitor.test:9464/disputes/new?t=signed"
    context = {"receiver_name": "区市场监管局", "kind": "alert", "repeat": False, "now": "2021-06-01 10:00",
               "counts": {"critical": 1, "warning": 0, "data": 0, "feed": 0, "resolved": 0},
               "status_url": renderer.page_url(), "has_dispute": True,
               "contact": {"office": None, "agency": None, "agency_name": "区市场监管局"},
               "sections": [{"title": "新告警", "change": "firing", "alerts": [item]}]}
    rendered = renderer.render("alert", context)
    assert "对结论有异议：http://monitor.test:9464/disputes/new?t=signed" in rendered.text
    assert "通过各项的“对结论有异议”链接提出" in rendered.text


# -- point 7: the holiday notice names the provisional year ----------------------------------
@pytest.mark.parametrize("now, covered_until, years", [
    (datetime(2026, 12, 7, tzinfo=UTC), None, [2027]),          # 2026 is covered by its notice
    (datetime(2026, 3, 1, tzinfo=UTC), None, [2027]),           # a verdict reading a 2027 due date
    (datetime(2027, 5, 1, tzinfo=UTC), None, [2027]),
    (datetime(2028, 2, 1, tzinfo=UTC), None, [2027, 2028]),     # two years still missing
    (datetime(2028, 2, 1, tzinfo=UTC), date(2027, 12, 31), [2028]),   # 2027 added to targets.yaml
    (datetime(2027, 11, 30, tzinfo=UTC), date(2027, 12, 31), [2028]),
])
def test_the_holiday_notice_names_the_years_no_notice_covers(now, covered_until, years):
    assert provisional_years(CalendarSpec(covered_until=covered_until), now) == years


# -- point 5: operators' mail in Chinese --------------------------------------------------------
def test_the_operators_are_told_about_missing_data_in_chinese_not_the_evaluators_english(cycle, pipeline, settings):
    cycle(T0, (SETUP, "no_data", None), reason="no data yet from feed 'demo' (series 'setup_days')")
    asyncio.run(pipeline.deliver_due(T0))
    [mail] = read_mails(settings.maildir)
    text = mail.get_body(("plain",)).get_content()
    assert "说明：数据源 demo（序列 town2021.setup_days）尚未提供数据。请确认数据源已接入并包含该序列。" in text
    assert "no data yet" not in text and "feed 'demo'" not in text


def test_a_failed_collection_is_explained_in_chinese_with_the_systems_own_error_kept(cycle, pipeline, store, settings):
    from monitor.observations import CollectionResult
    store.save_collection(CollectionResult.failure("demo", T0, "connect", "cannot connect: refused"))
    cycle(T0, (SETUP, "met", 0.5))
    asyncio.run(pipeline.deliver_due(T0))
    text = read_mails(settings.maildir)[0].get_body(("plain",)).get_content()
    assert "说明：最近一次采集失败：无法连接数据源。请检查数据源地址、网络和凭据。" in text
    assert "错误信息（原文）：cannot connect: refused" in text


def test_contacts_in_targets_yaml_are_checked():
    from pydantic import ValidationError

    from monitor.spec.alerting import OfficeContact
    with pytest.raises(ValidationError, match="a contact needs a person or a phone"):
        AgencyContact()
    with pytest.raises(ValidationError, match="not a valid e-mail address|not exactly one e-mail address"):
        OfficeContact(name="监测办公室", email="office at example")
    assert OfficeContact(name="监测办公室").phone is None
