"""`monitor run --demo` on the shipped catalogue: every feed is simulated — agencies drop case files and send their
reports, some on time, one late, one with a mistake then corrected — so the board lives, with receipts and 催报."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import httpx
import openpyxl
import openpyxl.reader.excel
from sqlmodel import Session, select

from alerts.tables import Notification
from collectors.base import FetchContext
from collectors.runner import collect
from monitor import migrations
from monitor.calendar import WorkCalendar
from monitor.evaluate import Evaluation
from monitor.reporting import agencies_due, last_due_period
from monitor.service import receipts, report_tables
from monitor.service.daemon import evaluate_feed
from monitor.service.demo.agencies import DemoAgencies
from monitor.service.reporting_round import ReportingRound, mark_late
from monitor.service.signed_links import LinkSigner
from monitor.spec.feeds import ReportsFeed
from monitor.store import Store, make_engine
from tests.reports.helpers import catalogue_in

NOW = datetime(2026, 12, 7, 3, tzinfo=UTC)   # the 2026-10 reports were due on 2026-11-10


def test_the_demo_simulates_every_feed_with_receipts_a_late_agency_and_a_corrected_report(
        shipped_catalogue, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)   # the shipped drop folders are under ./var
    catalogue = shipped_catalogue
    calendar = WorkCalendar.from_spec(catalogue.calendar)
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrations.upgrade(engine)
    store = Store(engine)
    round_ = ReportingRound(engine, LinkSigner("a-test-secret-of-enough-length"), "http://monitor.example")
    agencies = DemoAgencies(lambda: catalogue, lambda: calendar, 42, round_.ask)

    async def one(feed):
        async with httpx.AsyncClient() as client:
            return await collect(feed, FetchContext(client=client, now=NOW, timezone=calendar.timezone,
                                                    catalogue=catalogue))

    verdicts: dict[str, Evaluation] = {}
    kinds: Counter[str] = Counter()
    for cycle in range(2):   # the hurried agency's correction comes on the second collection
        for feed_id, feed in catalogue.feeds.items():
            agencies.before_collect(feed, NOW)
            result = asyncio.run(one(feed))
            assert result.ok, (feed_id, result.error)
            store.save_collection(result, feed.accumulates_cases)
            report_tables.record(engine, result.receipts, NOW)
            evaluations = evaluate_feed(catalogue, calendar, store, feed_id, NOW)
            if isinstance(feed, ReportsFeed):
                evaluations = mark_late(engine, catalogue, feed_id, evaluations, NOW.date())
            receipts.queue(engine, catalogue, result.receipts, evaluations, NOW, "http://monitor.example")
            kinds.update("accepted" if r.accepted else "rejected" for r in result.receipts)
            verdicts.update({e.commitment: e for e in evaluations})
            if isinstance(feed, ReportsFeed):   # reports just received count at once: the late agency, and
                late_agencies = {catalogue.commitments[e.commitment].agency.id for e in evaluations   # until its
                                 if e.status == "no_data"}                                            # correction,
                assert len(late_agencies) == (2 if cycle == 0 else 1), late_agencies                  # the hurried one
    assert set(verdicts) == {c.id for c in catalogue.evaluated_commitments()}   # every commitment judged
    statuses = Counter(e.status for e in verdicts.values())
    assert statuses["met"] > 100 and statuses["missed"] > 10 and "error" not in statuses
    late = {e.reason for e in verdicts.values() if e.status == "no_data"}
    assert late == {"未按期填报（应于2026年11月10日前填报）"}
    assert kinds["rejected"] == 1 and kinds["accepted"] > 40
    round_.run(catalogue, calendar, NOW)
    with Session(engine) as session:
        mail = Counter(n.kind for n in session.exec(select(Notification)).all())
    assert mail["receipt"] == kinds["accepted"] + kinds["rejected"]
    due = last_due_period(catalogue.feeds["reports"], NOW.date())
    assert due is not None
    asked = agencies_due(catalogue, "reports", due)
    assert 10 <= len(asked) < len({c.agency.id for c in catalogue.evaluated_commitments("reports")})   # open ones only
    assert mail["report_request"] >= len(asked)
    assert mail["operators"] == 1   # 催报: the late agency


def test_the_demo_agencies_write_each_report_in_one_pass_never_reading_a_workbook_back(tmp_path, monkeypatch):
    """Loading and saving a template of thousands of rows again cost more than writing it: the
    filled report is written as the template is."""
    catalogue = catalogue_in(tmp_path)
    calendar = WorkCalendar.from_spec(catalogue.calendar)

    def no_reading(*args, **kwargs):
        raise AssertionError("a demo agency read a workbook back")
    monkeypatch.setattr(openpyxl, "load_workbook", no_reading)
    monkeypatch.setattr(openpyxl.reader.excel, "load_workbook", no_reading)
    DemoAgencies(lambda: catalogue, lambda: calendar, 42, lambda *args: None).before_collect(
        catalogue.feeds["reports"], NOW)
    assert list((tmp_path / "reports").rglob("*进展填报*.xlsx"))
