"""The pipeline end to end on a file SQLite store, with messages written as .eml files (the default)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlmodel import Session, col, select

from alerts.pipeline import AlertPipeline
from alerts.tables import AlertTransition, DeliveryAttempt, Notification
from tests.alerts.alert_helpers import FIRMS, ONLINE, SETUP, T0, Cycle, load_fixture_catalogue, minutes, read_mails


def deliver(pipeline: AlertPipeline, at) -> int:
    return asyncio.run(pipeline.deliver_due(at))


def mails(settings) -> list:
    return read_mails(settings.maildir)


def test_changes_for_one_agency_in_one_cycle_go_out_as_one_email(cycle, pipeline, settings):
    cycle(T0, (SETUP, "missed", 2.5), (FIRMS, "at_risk", 500), (ONLINE, "met", 95))
    assert deliver(pipeline, T0) == 1
    [mail] = mails(settings)
    assert mail["To"] == "market@town.agencies.example"
    assert mail["Cc"] == "gov@town.agencies.example"              # co-responsible agency of SETUP
    assert "ops@monitor.example" in mail["X-Envelope-To"]        # operators copied (Bcc)
    assert "ops@monitor.example" not in str(mail["To"]) + str(mail["Cc"])
    assert mail["Subject"] == "【营商环境承诺监测】区市场监管局：1项承诺未达标，1项承诺有风险"
    text = mail.get_body(("plain",)).get_content()
    assert "“企业开办时间压缩至1个工作日以内”" in text and "“全年新增市场主体1800家”" in text
    assert "不超过1个工作日" in text and "当前实际：2.5个工作日" in text and "当前实际：500家" in text
    assert "http://grafana.test:3000/d/commitment-detail?var-commitment=town2021.setup_days" in text
    assert "详情：http://monitor.test:9464/commitments/town2021.setup_days" in text   # the page behind the link
    assert "本单位全部承诺：http://monitor.test:9464/agencies/town.market" in text
    assert "/status" not in text


def test_a_firing_alert_is_told_once_and_repeated_after_repeat_interval(cycle, pipeline, settings):
    cycle(T0, (SETUP, "missed", 2.5))
    for minute in range(1, 6):
        cycle(T0 + minutes(minute), (SETUP, "missed", 2.5 + minute / 10))
        deliver(pipeline, T0 + minutes(minute))
    assert len(mails(settings)) == 1
    later = T0 + timedelta(days=1, minutes=1)
    cycle(later, (SETUP, "missed", 3.5))
    deliver(pipeline, later)
    repeated = mails(settings)[-1]
    assert len(mails(settings)) == 2 and "重复提醒" in repeated["Subject"]
    assert "当前实际：3.5个工作日" in repeated.get_body(("plain",)).get_content()


def test_a_repeat_names_alerts_of_every_feed_of_the_agency_though_each_cycle_reads_only_its_own(
        cycle, pipeline, settings):
    cycle(T0, (SETUP, "missed", 2.5))          # one feed's cycle
    cycle(T0 + minutes(1), (FIRMS, "at_risk", 500))   # another's, same agency
    deliver(pipeline, T0 + minutes(10))
    later = T0 + timedelta(days=1, minutes=11)
    cycle(later, (FIRMS, "at_risk", 510))      # only the second feed reports again
    deliver(pipeline, later)
    repeated = mails(settings)[-1]
    assert "重复提醒" in repeated["Subject"]
    text = repeated.get_body(("plain",)).get_content()
    assert "当前实际：2.5个工作日" in text and "当前实际：510家" in text


def test_resolved_message_carries_the_current_value_not_the_last_bad_one(cycle, pipeline, settings):
    cycle(T0, (SETUP, "missed", 2.5))
    cycle(T0 + minutes(1), (SETUP, "met", 0.8))
    deliver(pipeline, T0 + minutes(1))
    first, resolved = mails(settings)
    assert "已恢复" in resolved["Subject"]
    text = resolved.get_body(("plain",)).get_content()
    assert "当前实际：0.8个工作日" in text and "当前状态：达标" in text


def test_resolution_of_an_alert_nobody_was_told_about_sends_nothing(store, engine, settings):
    catalogue = load_fixture_catalogue(group_wait="5m")
    pipeline = AlertPipeline(engine, settings)
    cycle = Cycle(store, pipeline, catalogue)
    cycle(T0, (SETUP, "missed", 2.5))
    cycle(T0 + minutes(1), (SETUP, "met", 0.8))
    deliver(pipeline, T0 + minutes(10))
    assert mails(settings) == []


def test_group_wait_merges_changes_of_two_cycles_into_one_email(store, engine, settings):
    catalogue = load_fixture_catalogue(group_wait="30s")
    pipeline = AlertPipeline(engine, settings)
    cycle = Cycle(store, pipeline, catalogue)
    cycle(T0, (SETUP, "missed", 2.5))
    assert deliver(pipeline, T0 + timedelta(seconds=10)) == 0
    cycle(T0 + timedelta(seconds=20), (FIRMS, "at_risk", 500))
    assert deliver(pipeline, T0 + timedelta(seconds=31)) == 1
    [mail] = mails(settings)
    assert "1项承诺未达标，1项承诺有风险" in mail["Subject"]


def test_group_interval_spaces_messages_to_one_agency(store, engine, settings):
    catalogue = load_fixture_catalogue(group_interval="5m")
    pipeline = AlertPipeline(engine, settings)
    cycle = Cycle(store, pipeline, catalogue)
    cycle(T0, (SETUP, "missed", 2.5))
    cycle(T0 + minutes(1), (FIRMS, "at_risk", 500))
    deliver(pipeline, T0 + minutes(1))
    assert len(mails(settings)) == 1
    deliver(pipeline, T0 + minutes(5))
    assert len(mails(settings)) == 2
    assert "1项承诺有风险" in mails(settings)[1]["Subject"]


def test_no_data_goes_to_the_operators_not_to_the_agencies(cycle, pipeline, settings):
    cycle(T0, (ONLINE, "no_data", None))
    deliver(pipeline, T0)
    [mail] = mails(settings)
    assert mail["To"] == "ops@monitor.example" and mail["Cc"] is None
    assert "gov@town" not in mail["X-Envelope-To"]
    assert "无数据" in mail["Subject"]


def test_digest_mode_sends_operators_a_digest_instead_of_copies(store, engine, settings):
    catalogue = load_fixture_catalogue(operators={"emails": ["ops@monitor.example"], "mode": "digest",
                                                  "digest_interval": "1h"})
    pipeline = AlertPipeline(engine, settings)
    cycle = Cycle(store, pipeline, catalogue)
    cycle(T0, (SETUP, "met", 0.5))                       # starts the digest clock
    cycle(T0 + minutes(1), (SETUP, "missed", 2.5), (FIRMS, "at_risk", 500))
    deliver(pipeline, T0 + minutes(1))
    [agency_mail] = mails(settings)
    assert "ops@monitor.example" not in agency_mail["X-Envelope-To"]
    cycle(T0 + minutes(61), (SETUP, "missed", 2.6))
    deliver(pipeline, T0 + minutes(61))
    digest = mails(settings)[-1]
    assert digest["To"] == "ops@monitor.example" and "运维摘要" in digest["Subject"]
    assert "2次状态变化" in digest["Subject"] and "town2021.setup_days" in digest.get_body(("plain",)).get_content()


def test_every_transition_notification_and_attempt_is_kept(cycle, pipeline, engine):
    cycle(T0, (SETUP, "missed", 2.5))
    deliver(pipeline, T0)
    cycle(T0 + minutes(1), (SETUP, "met", 0.5))
    deliver(pipeline, T0 + minutes(1))
    with Session(engine) as session:
        transitions = session.exec(select(AlertTransition).order_by(col(AlertTransition.id))).all()
        notifications = session.exec(select(Notification)).all()
        attempts = session.exec(select(DeliveryAttempt)).all()
    assert [(t.from_state, t.to_state) for t in transitions] == [("inactive", "firing"), ("firing", "resolved")]
    assert [n.state for n in notifications] == ["sent", "sent"]
    assert [a.outcome for a in attempts] == ["sent", "sent"]
    assert pipeline.stats()["sent"] == {"email": 2}


def test_commitments_left_out_of_a_cycle_keep_their_state(cycle, pipeline, engine, settings):
    cycle(T0, (SETUP, "missed", 2.5))
    cycle(T0 + minutes(1), (ONLINE, "met", 95))        # another feed's cycle
    deliver(pipeline, T0 + minutes(1))
    assert len(mails(settings)) == 1
    assert pipeline.stats()["firing"] == {"critical": 1}


def test_webhook_receiver_gets_the_same_group_as_json(store, engine, settings):
    catalogue = load_fixture_catalogue(webhooks=[{"id": "hook", "url": "http://127.0.0.1:9/hook"}])
    pipeline = AlertPipeline(engine, settings)
    Cycle(store, pipeline, catalogue)(T0, (SETUP, "missed", 2.5))
    with Session(engine) as session:
        hook = session.exec(select(Notification).where(Notification.channel == "webhook")).one()
    import json
    payload = json.loads(hook.payload)
    assert payload["receiver"] == "区市场监管局"
    assert payload["alerts"][0]["id"] == SETUP and payload["alerts"][0]["quote"] == "企业开办时间压缩至1个工作日以内"


def test_failed_collection_goes_to_the_operators_and_its_recovery_too(cycle, pipeline, store, settings):
    from monitor.observations import CollectionResult
    store.save_collection(CollectionResult.failure("demo", T0, "connect", "cannot connect: refused"))
    cycle(T0, (SETUP, "met", 0.5))                       # stored data still say met
    deliver(pipeline, T0)
    [mail] = mails(settings)
    assert mail["To"] == "ops@monitor.example" and mail["Subject"] == "【营商环境承诺监测】运维人员：1个数据源采集失败"
    assert "cannot connect: refused" in mail.get_body(("plain",)).get_content()
    store.save_collection(CollectionResult(feed="demo", fetched_at=T0 + minutes(1), ok=True))
    cycle(T0 + minutes(1), (SETUP, "met", 0.5))
    deliver(pipeline, T0 + minutes(1))
    assert mails(settings)[-1]["Subject"] == "【营商环境承诺监测】运维人员：1项已恢复"
    assert len(mails(settings)) == 2


def test_mail_names_open_overdue_cases_and_a_settled_verdict(cycle, pipeline, settings):
    cycle(T0, (SETUP, "missed", 12), overdue_open=3, overdue_case_ids=("A-1", "A-2"))
    cycle(T0 + minutes(1), (SETUP, "missed", 12), overdue_open=3, overdue_case_ids=("A-1", "A-2"),
          settled_on=date(2021, 5, 2))              # settles while monitored: its final notice
    deliver(pipeline, T0 + minutes(1))
    text = mails(settings)[-1].get_body(("plain",)).get_content()
    assert "超期未办结：3 件（A-1、A-2 等）" in text
    assert "定论：已于2021年5月2日定论（按期限当日及之前的数据评定" in text
    assert "临时结论" not in text


def test_provisional_verdicts_are_marked_and_operators_are_asked_once_a_year_for_the_notice(cycle, pipeline, settings):
    cycle(T0, (SETUP, "missed", 12), provisional=True)
    deliver(pipeline, T0)
    cycle(T0 + minutes(5), (SETUP, "missed", 13), provisional=True)
    deliver(pipeline, T0 + minutes(5))
    sent = mails(settings)
    notices = [m for m in sent if "节假日安排" in m["Subject"]]
    assert len(notices) == 1
    assert "ops@monitor.example" in notices[0]["To"]
    # the year the packaged notices do not cover (they reach 2026-12-31), not the year of the verdicts
    assert "2027年" in notices[0]["Subject"] and "monitor calendar 2027" in notices[0].get_body(("plain",)).get_content()
    alert = next(m for m in sent if m not in notices)
    assert "临时结论" in alert.get_body(("plain",)).get_content()


def test_a_commitment_without_a_measure_is_never_mailed_about(store, pipeline, settings, catalogue):
    """未接入数据: even a verdict handed to the pipeline for it (none is made) mails no one."""
    import dataclasses
    from types import MappingProxyType
    unwired = dataclasses.replace(catalogue.commitments[SETUP], wired=False)
    catalogue = dataclasses.replace(catalogue, commitments=MappingProxyType({**catalogue.commitments, SETUP: unwired}))
    Cycle(store, pipeline, catalogue)(T0, (SETUP, "missed", 2.5))
    assert deliver(pipeline, T0 + minutes(5)) == 0 and mails(settings) == []
