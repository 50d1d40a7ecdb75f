"""While an agency's dispute is open, the repeat mails about that commitment pause; its changes are
still told, and the repeats resume once the dispute is answered."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import Session

from alerts.pipeline import AlertPipeline
from monitor.disputes import Disputes, NewDispute
from tests.disputes.dispute_helpers import FIRMS, SETUP, T0, read_mails, text_of, verdict

MARKET = "market@town.agencies.example"


def cycle(store, pipeline, catalogue, at, *verdicts):
    evaluations = [verdict(c, s, a, at) for c, s, a in verdicts]
    store.save_evaluations(evaluations)
    pipeline.process(catalogue, evaluations, at)
    asyncio.run(pipeline.deliver_due(at))


def agency_mails(settings) -> list:
    return [m for m in read_mails(settings.maildir) if m["To"] == MARKET]


def file_dispute(engine, commitment: str, at) -> int:
    with Session(engine) as session:
        row = Disputes(engine).add(session, NewDispute(commitment, "town.market", "actual", "数字不对"), at)
        session.commit()
        assert row.id is not None
        return row.id


def test_an_open_dispute_pauses_the_repeats_of_its_commitment_until_it_is_answered(engine, store, catalogue,
                                                                                   alert_settings):
    pipeline = AlertPipeline(engine, alert_settings)
    cycle(store, pipeline, catalogue, T0, (SETUP, "missed", 2.5), (FIRMS, "met", 2000))
    assert len(agency_mails(alert_settings)) == 1
    dispute = file_dispute(engine, SETUP, T0 + timedelta(hours=1))

    for day in (1, 2, 3):   # repeat_interval is one day: three repeats would have gone out
        cycle(store, pipeline, catalogue, T0 + timedelta(days=day, minutes=1), (SETUP, "missed", 2.5))
    assert len(agency_mails(alert_settings)) == 1

    with Session(engine) as session:
        Disputes(engine).resolve(session, dispute, "已核实，结论不变", T0 + timedelta(days=3, hours=1))
        session.commit()
    cycle(store, pipeline, catalogue, T0 + timedelta(days=4, minutes=2), (SETUP, "missed", 2.5))
    mails = agency_mails(alert_settings)
    assert len(mails) == 2 and "重复提醒" in mails[-1]["Subject"]


def test_an_open_dispute_holds_back_only_its_own_commitment_and_not_its_changes(engine, store, catalogue,
                                                                               alert_settings):
    pipeline = AlertPipeline(engine, alert_settings)
    cycle(store, pipeline, catalogue, T0, (SETUP, "at_risk", 1.0), (FIRMS, "missed", 500))
    file_dispute(engine, SETUP, T0 + timedelta(hours=1))

    later = T0 + timedelta(days=1, minutes=1)
    cycle(store, pipeline, catalogue, later, (SETUP, "at_risk", 1.0), (FIRMS, "missed", 500))
    repeat = agency_mails(alert_settings)[-1]
    assert len(agency_mails(alert_settings)) == 2 and "重复提醒" in repeat["Subject"]
    assert "新增市场主体数量" in text_of(repeat) and "企业开办时间" not in text_of(repeat)

    cycle(store, pipeline, catalogue, later + timedelta(minutes=5), (SETUP, "missed", 3.0), (FIRMS, "missed", 500))
    escalated = agency_mails(alert_settings)[-1]
    assert len(agency_mails(alert_settings)) == 3 and "企业开办时间" in text_of(escalated)   # a change is still told
