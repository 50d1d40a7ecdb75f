"""The cases behind a per-case verdict: every case that breaks the limit (completed late and still open
past it), when it fell due by the working calendar (suspended time included), how far over; the
counts that reconcile what was received with what was counted; bounded storage."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from collectors.series import Table, extract_table
from monitor import migrations
from monitor.calendar import WorkCalendar
from monitor.cases import OFFENDING_KEPT, CaseCounts
from monitor.evaluate import evaluate
from monitor.loader import load_catalogue
from monitor.model import Commitment
from monitor.observations import CaseRecords, CollectionResult, MeasureData
from monitor.rejections import REASONS_ZH
from monitor.spec.feeds import SeriesSpec
from monitor.store import Store, make_engine
from monitor.verdict_text import case_row, counts_zh

FIXTURES = Path(__file__).parent / "pages" / "fixtures"
NOW = datetime(2021, 6, 1, 2, 0, tzinfo=UTC)      # 10:00 in Asia/Shanghai, a Tuesday
CALENDAR = WorkCalendar()
NAT = "NaT"


@pytest.fixture(scope="module")
def property_days() -> Commitment:
    """不动产登记办理时间不超过5个工作日 (every case)."""
    return load_catalogue(FIXTURES / "targets.yaml", seeds_dirs=[FIXTURES]).commitments["town2021.property_days"]


def records(rows: list[tuple[str, str, str]], paused: list[float] | None = None,
            items: list[str] | None = None) -> CaseRecords:
    ids, submitted, completed = zip(*rows)
    return CaseRecords("s", NOW, np.array(submitted, dtype="datetime64[s]"), np.array(completed, dtype="datetime64[s]"),
                       np.array(ids, dtype=str), None if paused is None else np.array(paused, dtype=float),
                       items=None if items is None else np.array(items, dtype=str))


def late_by_id(c: Commitment, cases: CaseRecords):
    ev = evaluate(c, MeasureData(cases=cases), NOW, CALENDAR)
    return ev, {k.id: k for k in ev.offending_cases}


def test_cases_completed_late_and_open_past_the_limit_are_both_listed_with_due_day_and_working_days_over(property_days):
    ev, late = late_by_id(property_days, records([
        # accepted Thu 04-29; 5 working days over the May Day holiday and the Saturday 05-08 made a working day
        ("LATE", "2021-04-29T10:00", "2021-05-12T16:00"),
        ("OPEN", "2021-05-17T09:00", NAT),                 # due 05-24, 11 working days by 06-01
        ("EVENING", "2021-05-14T18:00", "2021-05-25T09:00"),   # after closing: accepted Mon 05-17, due 05-24
        ("ONTIME", "2021-05-17T09:00", "2021-05-21T09:00"),
    ]))
    assert set(late) == {"LATE", "OPEN", "EVENING"}
    assert (late["LATE"].due.date().isoformat(), late["LATE"].over) == ("2021-05-10", 2.0)
    assert late["LATE"].completed == datetime(2021, 5, 12, 16, 0)
    assert (late["OPEN"].due.date().isoformat(), late["OPEN"].completed, late["OPEN"].over) == ("2021-05-24", None, 6.0)
    assert (late["EVENING"].due.date().isoformat(), late["EVENING"].over) == ("2021-05-24", 1.0)
    assert [k.id for k in ev.offending_cases] == ["OPEN", "LATE", "EVENING"]    # worst first
    assert ev.offending_total == 3 and ev.overdue_open == 1


def test_suspended_time_moves_the_due_day(property_days):
    _, late = late_by_id(property_days, records([("P", "2021-04-29T10:00", "2021-05-13T16:00")], paused=[2.0]))
    assert (late["P"].due.date().isoformat(), late["P"].over) == ("2021-05-12", 1.0)   # 7 working days, then 1 over


def test_the_counts_reconcile_received_with_counted_and_say_why_the_rest_are_not(property_days):
    ev, _ = late_by_id(property_days, records([
        ("A", "2021-05-17T09:00", "2021-05-21T09:00"),     # on time
        ("B", "2021-04-29T10:00", "2021-05-12T16:00"),     # late
        ("C", "2021-05-17T09:00", NAT),                    # open past the limit
        ("D", "2021-05-31T09:00", NAT),                    # open, not yet due
        ("E", "2021-01-04T09:00", "2021-01-05T09:00"),     # completed before the 90-day window
    ]))
    counts = ev.case_counts
    assert counts == CaseCounts(received=5, completed_in_window=2, on_time=1, completed_late=1, open_overdue=1,
                                open_not_due=1, completed_before_window=1, submitted_after=0, window_days=90)
    assert counts.counted == ev.cases == 3
    assert counts.received == counts.counted + counts.open_not_due + counts.completed_before_window + counts.submitted_after


def test_calendar_day_limits_end_on_the_next_working_day_and_count_days_over(property_days):
    three_days = dataclasses.replace(property_days, value=3, unit="天")
    # day 0 is Wed 04-28, day 3 falls in the May Day holiday: the period ends Thu 05-06
    _, late = late_by_id(three_days, records([("D", "2021-04-28T10:00", "2021-05-08T10:00")]))
    assert (late["D"].due.date().isoformat(), late["D"].over) == ("2021-05-06", 2.0)
    assert case_row(three_days, late["D"])["over"] == "2天"


def test_working_hour_limits_fall_due_inside_office_hours(property_days):
    eight_hours = dataclasses.replace(property_days, value=8, unit="个工作小时")
    # 7 office hours on Mon 05-17, the 8th from 09:00 on Tue: due 10:00; done at 15:00 is 3.5 hours over
    _, late = late_by_id(eight_hours, records([("H", "2021-05-17T09:00", "2021-05-18T15:00")]))
    assert (late["H"].due, late["H"].over) == (datetime(2021, 5, 18, 10, 0), 3.5)
    row = case_row(eight_hours, late["H"])
    assert (row["due"], row["over"]) == ("2021-05-18 10:00", "3.5个工作小时")


def test_elapsed_hour_limits_fall_due_by_the_clock(property_days):
    a_day = dataclasses.replace(property_days, value=24, unit="小时")
    _, late = late_by_id(a_day, records([("E", "2021-05-17T09:00", "2021-05-18T12:00")]))
    assert (late["E"].due, late["E"].over) == (datetime(2021, 5, 18, 9, 0), 3.0)


def test_a_case_row_shows_the_feeds_item_or_else_the_measured_name(property_days):
    _, late = late_by_id(property_days, records([("A", "2021-04-29T10:00", "2021-05-12T16:00"),
                                                 ("B", "2021-04-29T10:00", NAT)], items=["抵押登记", ""]))
    assert case_row(property_days, late["A"]) == {
        "id": "A", "item": "抵押登记", "submitted": "2021-04-29 10:00", "due": "2021-05-10",
        "completed": "2021-05-12 16:00", "over": "2个工作日"}
    assert case_row(property_days, late["B"])["item"] == "不动产登记办理时间"
    assert case_row(property_days, late["B"])["completed"] == "未办结"


def test_the_late_cases_kept_are_bounded_but_the_total_is_complete(property_days):
    n = OFFENDING_KEPT + 100
    rows = [(f"L{i}", "2021-04-29T10:00", f"2021-05-{12 + i % 10:02d}T16:00") for i in range(n)]
    ev, _ = late_by_id(property_days, records(rows))
    assert len(ev.offending_cases) == OFFENDING_KEPT and ev.offending_total == n
    overs = [k.over for k in ev.offending_cases]
    assert overs == sorted(overs, reverse=True) and overs[0] == max(overs)


def test_the_duration_chart_is_of_completed_cases_not_an_open_cases_elapsed_time(property_days):
    ev, _ = late_by_id(property_days, records([("A", "2021-05-17T09:00", "2021-05-21T09:00"),
                                               ("OPEN", "2021-03-10T09:00", NAT)]))   # open for ~55 working days
    assert dict(ev.duration_quantiles)[1.0] == 4.0      # 最长: the longest completed case


def test_the_store_keeps_the_late_cases_on_the_current_verdict_and_only_their_count_in_the_history(
        property_days, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    migrations.upgrade(engine)
    store = Store(engine)
    ev, _ = late_by_id(property_days, records([("B", "2021-04-29T10:00", "2021-05-12T16:00"),
                                               ("C", "2021-05-17T09:00", NAT)], items=["抵押登记", "转移登记"]))
    store.save_evaluations([ev])
    current = store.current_evaluations()[property_days.id]
    assert current.offending_cases == ev.offending_cases and current.case_counts == ev.case_counts
    [row] = store.history(property_days.id)
    assert row.offending_cases is None and row.offending_total == 2
    engine.dispose()


def test_rows_the_collector_rejected_are_counted_by_reason_through_the_store(property_days, tmp_path):
    table = Table({"id": ["A", "A", "B", "C"], "submitted": ["2021-04-29 10:00", "2021-04-29 10:00", "昨天", "2021-05-17 09:00"],
                   "completed": ["2021-05-12 16:00", "", "", ""], "service": ["抵押登记", "抵押登记", "", "转移登记"]}, 4)
    spec = SeriesSpec(name="s", type="cases", item="service")
    extracted = extract_table([spec], table, NOW, CALENDAR.timezone)
    [batch] = extracted.cases
    assert batch.items is not None
    assert batch.rejected == (("duplicate_id", 1), ("unparseable_submitted", 1)) and list(batch.items) == ["抵押登记", "转移登记"]
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    migrations.upgrade(engine)
    store = Store(engine)
    store.save_collection(CollectionResult("feed", NOW, True, cases=[batch]))
    stored = store.measure_data("feed", "s").cases
    assert stored is not None and stored.items is not None
    assert stored.rejected == batch.rejected and list(stored.items) == ["抵押登记", "转移登记"]
    ev = evaluate(property_days, MeasureData(cases=stored), NOW, CALENDAR)
    assert ev.case_counts is not None and ev.case_counts.received == 2
    text = counts_zh(ev.case_counts, REASONS_ZH)
    assert text.startswith("收到2件，统计2件")
    assert "另有2行数据被拒收、未计入（编号重复1行、受理时间无法识别1行）" in text
    assert [k.item for k in ev.offending_cases] == ["转移登记", "抵押登记"]
    engine.dispose()
