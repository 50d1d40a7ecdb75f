"""Alerts on what changes, not on history: a verdict already settled when the monitor first judges
a commitment is no alert (one onboarding summary per agency says what was found settled); a verdict
that settles while monitored gets one final notice, never repeated."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from alerts.pipeline import AlertPipeline
from tests.alerts.alert_helpers import FIRMS, ONLINE, SETUP, T0, Cycle, load_fixture_catalogue, minutes, read_mails

SETTLED = date(2021, 5, 2)


def deliver(pipeline: AlertPipeline, at) -> int:
    return asyncio.run(pipeline.deliver_due(at))


def text_of(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def test_verdicts_settled_before_the_first_evaluation_raise_no_alert_and_one_summary_per_agency(
        cycle, pipeline, settings):
    cycle(T0, (SETUP, "missed", 2.5), (FIRMS, "met", 1900), settled_on=SETTLED)
    cycle(T0, (ONLINE, "met", 95))                          # another feed, not settled: nothing to say
    deliver(pipeline, T0)
    [summary] = read_mails(settings.maildir)
    assert summary["To"] == "market@town.agencies.example"
    assert summary["Subject"] == "【营商环境承诺监测】区市场监管局：1项承诺在开始监测时已定论为未达标（不作告警）"
    text = text_of(summary)
    assert "以下承诺在开始监测时已有定论，不作告警：" in text
    assert "企业开办时间：未达标，已于2021年5月2日定论" in text
    assert "新增市场主体数量" not in text and "另有 1 项承诺在开始监测时已定论为达标。" in text
    assert pipeline.stats()["firing"] == {}

    for day in (1, 2, 3):                                  # the same settled verdicts, day after day
        cycle(T0 + timedelta(days=day), (SETUP, "missed", 2.5), (FIRMS, "met", 1900), settled_on=SETTLED)
        deliver(pipeline, T0 + timedelta(days=day))
    assert len(read_mails(settings.maildir)) == 1
    assert pipeline.stats()["firing"] == {}


def test_a_restarted_daemon_neither_alerts_nor_summarises_again(store, engine, settings, catalogue):
    first = AlertPipeline(engine, settings)
    Cycle(store, first, catalogue)(T0, (SETUP, "missed", 2.5), settled_on=SETTLED)
    deliver(first, T0)
    second = AlertPipeline(engine, settings)               # a new process on the same database
    Cycle(store, second, catalogue)(T0 + minutes(5), (SETUP, "missed", 2.5), settled_on=SETTLED)
    deliver(second, T0 + timedelta(days=2))
    assert [m["Subject"] for m in read_mails(settings.maildir)] == [
        "【营商环境承诺监测】区市场监管局：1项承诺在开始监测时已定论为未达标（不作告警）"]


def test_a_commitment_first_judged_after_no_data_or_added_later_is_summarised_not_alerted(cycle, pipeline, settings):
    cycle(T0, (ONLINE, "met", 95))
    cycle(T0, (SETUP, "no_data", None))                    # evaluated, but never judged on data yet
    deliver(pipeline, T0)
    cycle(T0 + minutes(10), (SETUP, "missed", 2.5), settled_on=SETTLED)   # its first judgement: settled
    deliver(pipeline, T0 + minutes(10))
    subjects = [m["Subject"] for m in read_mails(settings.maildir)]
    assert not any("项承诺未达标" in s for s in subjects), subjects
    assert any("在开始监测时已定论为未达标" in s and "区市场监管局" in s for s in subjects)


def test_a_verdict_that_settles_while_monitored_gets_one_final_notice_never_repeated(cycle, pipeline, settings):
    cycle(T0, (SETUP, "missed", 2.5))                      # monitored, not yet settled: an alert
    deliver(pipeline, T0)
    cycle(T0 + minutes(1), (SETUP, "missed", 2.6), settled_on=SETTLED)
    deliver(pipeline, T0 + minutes(1))
    mails = read_mails(settings.maildir)
    assert len(mails) == 2
    final = text_of(mails[1])
    assert "== 已定论（最终通知，不再重复）（1项） ==" in final
    assert "定论：已于2021年5月2日定论" in final and "本通知不再重复" in final
    for day in (1, 2, 5):                                  # repeat_interval is 1d: a live alert would repeat
        cycle(T0 + timedelta(days=day), (SETUP, "missed", 2.6), settled_on=SETTLED)
        deliver(pipeline, T0 + timedelta(days=day))
    assert len(read_mails(settings.maildir)) == 2
    assert pipeline.stats()["firing"] == {"critical": 1}    # still firing (it is broken), only not told again


def test_a_live_alert_still_repeats_after_repeat_interval(cycle, pipeline, settings):
    """The control for the test above: without a settled verdict the same alert is repeated."""
    cycle(T0, (SETUP, "missed", 2.5))
    deliver(pipeline, T0)
    cycle(T0 + timedelta(days=1, minutes=1), (SETUP, "missed", 2.6))
    deliver(pipeline, T0 + timedelta(days=1, minutes=1))
    assert len(read_mails(settings.maildir)) == 2


def test_an_agency_whose_settled_promises_were_all_kept_gets_no_summary(cycle, pipeline, settings):
    cycle(T0, (FIRMS, "met", 1900), settled_on=SETTLED)
    deliver(pipeline, T0 + timedelta(days=1))
    assert read_mails(settings.maildir) == []


def test_onboarding_summaries_are_not_sent_when_alertmanager_tells_the_agencies(store, engine, settings):
    catalogue = load_fixture_catalogue(route="alertmanager", alertmanager=[{"url": "http://127.0.0.1:9"}])
    pipeline = AlertPipeline(engine, settings)
    Cycle(store, pipeline, catalogue)(T0, (SETUP, "missed", 2.5), settled_on=SETTLED)
    deliver(pipeline, T0)
    assert read_mails(settings.maildir) == []
