"""Edges the mutation run found untested (make mutate, docs/mutation.md): each row pins the boundary a
small change of the code (>= for >, a guard dropped, a clamp removed) would move."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta

import numpy as np
import pytest
import yaml

from alerts.grouping import digest_due, may_be_due, recipients, resend_due
from alerts.tables import AlertGroup, AlertState
from collectors.records import (
    _all_distinct,
    _parse_fixed_layout,
    as_text,
    build_case_records,
    completion_text,
    count_rejections,
    parse_local_times,
    paused_times,
    rejection_mask,
)
from collectors.timebounds import IN_FUTURE, TOO_OLD, TimeWindow
from monitor.calendar import NOTICES_LAST, SOURCE_CONFIG, SOURCE_NOTICE, WorkCalendar
from monitor.cases import case_timing
from monitor.evaluate import data_wanted
from monitor.model import build_catalogue
from monitor.spec import CatalogueSpec
from monitor.spec.alerting import AlertingSpec, OperatorsSpec
from monitor.units import parse_unit
from tests.test_evaluate import (
    HEADER,
    NOW,
    SH,
    TEN_FIRMS,
    Case,
    cases,
    commitment_fields,
    latest,
    load_commitment,
    measure,
    run,
)

T = np.datetime64
DAYS = {"kind": "case_duration", "unit": "个工作日"}


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar.from_spec(CatalogueSpec.model_validate(yaml.safe_load(HEADER)).calendar)


def moments(*texts: str) -> np.ndarray:
    return np.array(texts, dtype="datetime64[s]")


# -- monitor/cases.py: suspended time ----------------------------------------------------------

@pytest.mark.parametrize("unit, suspended, counted, duration", [
    ("小时", 5.0, 2.0, 0.0),    # suspended longer than the case: nothing left, never below zero
    ("小时", 2.0, 2.0, 0.0),    # suspended exactly as long as the case
    ("小时", 0.5, 2.0, 1.5),
    ("日", 9.0, 3.0, 0.0),      # by calendar date as well
])
def test_suspended_time_is_left_out_but_never_below_zero(calendar: WorkCalendar, unit, suspended, counted, duration):
    start = T("2024-05-20T09:00")
    factor = 3600 if unit == "小时" else 86400
    end = start + np.timedelta64(int(counted * factor), "s")
    timing = case_timing(parse_unit(unit), "<=", 1.0, None, np.array([start]), np.array([end]), calendar, None,
                         np.array([suspended]))
    assert list(timing.durations) == [duration]
    assert timing.taken_off is not None
    assert list(timing.taken_off) == [counted - duration]     # what was actually left out, not what was claimed
    assert list(timing.on_time) == [duration <= 1.0]


# -- monitor/calendar.py: acceptance at closing time -------------------------------------------
# The test calendar's 重庆市渝中区 office closes at 17:00; 2024-05-20 is a Monday.

@pytest.mark.parametrize("submitted, accepted", [
    ("2024-05-20T16:59:59", "2024-05-20"),   # before closing: accepted that day
    ("2024-05-20T17:00:00", "2024-05-21"),   # exactly at closing: the office is closed, the next working day
    ("2024-05-24T17:00:00", "2024-05-27"),   # Friday at closing: Monday
])
def test_a_submission_at_closing_time_is_accepted_the_next_working_day(calendar: WorkCalendar, submitted, accepted):
    assert calendar.acceptance_dates(moments(submitted), "重庆市渝中区")[0] == T(accepted, "D")


def test_a_submission_at_closing_time_counts_one_working_day_less(calendar: WorkCalendar):
    days = calendar.working_days_from_acceptance(moments("2024-05-20T16:59:59", "2024-05-20T17:00:00"),
                                                 moments("2024-05-22T10:00", "2024-05-22T10:00"), "重庆市渝中区")
    assert list(days) == [2, 1]


# -- monitor/evaluate.py: the window's start, the exact-count guard ------------------------------

WINDOW_START = (NOW - timedelta(days=30)).replace(tzinfo=None).isoformat()   # measure window 30d before NOW
JUST_BEFORE = (NOW - timedelta(days=30, seconds=1)).replace(tzinfo=None).isoformat()


@pytest.mark.parametrize("completed, status, counted", [
    (WINDOW_START, "missed", 2),      # completed exactly at the window's start: inside the window
    (JUST_BEFORE, "met", 1),          # a second earlier: older than the window, not counted
])
def test_a_case_completed_at_the_windows_start_counts(tmp_path, calendar, completed, status, counted):
    slow_case = ("2024-04-01T09:00", completed)                 # weeks of working days: over any limit
    quick_case = ("2024-06-03T09:00", "2024-06-04T10:00")       # one working day
    run(tmp_path, calendar, Case(
        DAYS | {"op": "<=", "value": 3, "measure": measure(aggregate="max", window="30d")},
        cases([slow_case, quick_case]), status, cases=counted))


@pytest.mark.parametrize("fields, actual, status", [
    # a count exactly at its target is kept outright: no "only 0 within the warn margin" at_risk
    ({"kind": "value", "unit": "项", "op": "<=", "value": 5, "deadline": "2024-12-31",
      "measure": measure(warn_margin=1)}, 5.0, "met"),
    # ... which a non-count unit at zero margin is not
    ({"kind": "value", "unit": "%", "op": "<=", "value": 5, "deadline": "2024-12-31",
      "measure": measure(warn_margin=1)}, 5.0, "at_risk"),
    # ... nor a count inside the margin but not exactly at the target
    ({"kind": "value", "unit": "项", "op": "<=", "value": 5, "deadline": "2024-12-31",
      "measure": measure(warn_margin=2)}, 4.0, "at_risk"),
])
def test_the_exact_count_guard_on_at_risk(tmp_path, calendar, fields, actual, status):
    run(tmp_path, calendar, Case(fields, latest(actual), status))


# -- collectors/records.py: a completion older than the window ------------------------------------

def test_a_completion_older_than_the_window_is_rejected_as_too_old():
    low, high = T("2024-05-01T00:00"), T("2024-06-30T00:00")
    submitted = moments("2024-05-10T09:00", "2024-05-10T09:00", "2024-05-10T09:00")
    completed = moments("2024-05-12T09:00", "2024-04-30T23:59:59", "2024-05-01T00:00")
    bad, rejected = rejection_mask(submitted, completed, np.ones(3, dtype=bool), bounds=(low, high))
    # the second row ends before it starts too: too old is the reason given, checked first
    assert list(bad) == [False, True, True] and rejected == {TOO_OLD: 1, "end_before_start": 1}
    completed[2] = T("2024-05-10T09:00")      # the window's first instant is inside it
    bad, rejected = rejection_mask(submitted, completed, np.ones(3, dtype=bool), bounds=(low, high))
    assert list(bad) == [False, True, False] and rejected == {TOO_OLD: 1}


# -- alerts/grouping.py: the operators' Bcc -------------------------------------------------------

def test_operators_already_in_to_or_cc_are_not_copied_again_in_bcc():
    spec = yaml.safe_load(HEADER) | {
        "agencies": [{"id": "market", "name": "区市场监管局", "emails": ["Lead@example.org"]},
                     {"id": "co", "name": "区税务局", "emails": ["co@example.org"]}],
        "commitments": [commitment_fields(**TEN_FIRMS, agency="market", co_agencies=["co"])],
        "alerting": {"operators": {
            "mode": "copy", "emails": ["lead@example.org", "CO@example.org", "ops@example.org", "ops@example.org"]}}}
    catalogue = build_catalogue(CatalogueSpec.model_validate(spec))
    name, to, cc, bcc = recipients(catalogue, "agency:market", [AlertState(commitment="doc2024.promise", alert="target")])
    assert (name, to, cc) == ("区市场监管局", ["Lead@example.org"], ["co@example.org"])
    assert bcc == ["ops@example.org"]      # case-insensitively out of To and Cc, and once
    operators = catalogue.alerting.operators.model_copy(update={"mode": "digest"})
    catalogue = dataclasses.replace(catalogue, alerting=catalogue.alerting.model_copy(update={"operators": operators}))
    assert recipients(catalogue, "agency:market", [])[3] == []


@pytest.mark.parametrize("last_sent, now, due", [
    (None, datetime(2024, 6, 1, 12), True),                       # never sent: due at once
    (datetime(2024, 6, 1, 10), datetime(2024, 6, 1, 12), True),   # exactly one interval later
    (datetime(2024, 6, 1, 10), datetime(2024, 6, 1, 11, 59), False),
])
def test_a_receiver_is_resent_after_exactly_its_interval(last_sent, now, due):
    assert resend_due(last_sent, timedelta(hours=2), now) is due


# -- monitor/calendar.py: a year's listing --------------------------------------------------------

def test_a_years_listing_covers_new_years_day_to_new_years_eve_with_the_catalogues_days():
    spec = CatalogueSpec.model_validate(yaml.safe_load(HEADER)).calendar.model_copy(
        update={"holidays": [date(2025, 1, 2), date(2025, 12, 31)]})
    listing = WorkCalendar.from_spec(spec).year_listing(2025)
    off = dict(listing.holidays)
    assert listing.year == 2025
    assert date(2025, 1, 1) in off and off[date(2025, 12, 31)] == SOURCE_CONFIG and off[date(2025, 1, 2)] == SOURCE_CONFIG
    assert listing.source == f"{SOURCE_NOTICE}; amended by the {SOURCE_CONFIG}"   # only days off added: amended


def test_the_last_year_of_the_notices_is_listed_from_them(calendar: WorkCalendar):
    assert NOTICES_LAST == date(NOTICES_LAST.year, 12, 31)
    assert calendar.year_listing(NOTICES_LAST.year).source == SOURCE_NOTICE


# -- monitor/evaluate.py: what a commitment reads --------------------------------------------------

def test_a_case_duration_reads_its_window_and_every_batch_since(tmp_path, calendar):
    c = load_commitment(tmp_path, **DAYS, op="<=", value=3, measure=measure(aggregate="max", window="30d"))
    wanted = data_wanted(c, NOW, calendar)
    assert wanted.series == "series" and wanted.newest_by is None
    assert wanted.since == NOW - max(timedelta(days=30), c.max_age)


def test_a_latest_value_reads_only_its_newest_value_up_to_now(tmp_path, calendar):
    c = load_commitment(tmp_path, kind="value", unit="项", op="<=", value=5, measure=measure())
    wanted = data_wanted(c, NOW, calendar)
    assert wanted.series == "series" and wanted.newest_by == NOW
    assert wanted.since == NOW - max(c.measure.window, c.max_age)


def test_a_cumulative_commitment_reads_from_its_start(tmp_path, calendar):
    wanted = data_wanted(load_commitment(tmp_path, **TEN_FIRMS), NOW, calendar)
    assert wanted == ("series", datetime.combine(date(2024, 1, 1), time.min, tzinfo=SH), None)


def test_a_reduction_from_the_feeds_own_baseline_reads_everything(tmp_path, calendar):
    c = load_commitment(tmp_path, kind="reduction", op=">=", value=30, unit="%", baseline={"date": "2024-01-01"},
                        measure=measure())
    assert data_wanted(c, NOW, calendar) == ("series", None, None)


# -- collectors/records.py: cells as agencies and drivers give them ---------------------------------

def test_dates_datetimes_seconds_and_offsets_in_object_cells():
    values = [date(2024, 3, 5), datetime(2024, 3, 5, 9, 30, 7), "2024/3/5 9:30:07Z", "2024年3月5日 9时30分+08:00",
              "2024.3.5 1:30-01:00", 45000, "", None]
    parsed = parse_local_times(values, SH)
    assert list(parsed[:5]) == [
        T("2024-03-05T00:00:00"), T("2024-03-05T09:30:07"), T("2024-03-05T17:30:07"), T("2024-03-05T09:30:00"),
        T("2024-03-05T10:30:00")]
    assert np.isnat(parsed[5:]).all()     # a number is no timestamp; blanks are none


def test_which_cells_hold_something():
    text, given = as_text(["a", None, " ", "", "1", 2])
    assert list(given) == [True, False, False, False, True, True] and list(text[[0, 4, 5]]) == ["a", "1", "2"]
    text, given = as_text(np.array(["a", "", "b"]))
    assert list(given) == [True, False, True] and list(text) == ["a", "", "b"]


def test_open_markers_are_no_completion():
    text, given = completion_text(["2024-03-05", "—", " 未办结 ", None, "无", "2024-03-06 未办结说明"])
    assert list(given) == [True, False, False, False, False, True]
    assert text[1] == "" and text[0] == "2024-03-05"


def test_suspended_time_cells():
    out = paused_times(["1.5", "", None, "x", " 2 "])
    assert list(out[[0, 1, 2, 4]]) == [1.5, 0.0, 0.0, 2.0] and np.isnan(out[3])


def test_rejections_add_up_from_a_mapping_or_pairs():
    into = {"too_old": 1}
    count_rejections(into, {"too_old": 2, "in_future": 1})
    count_rejections(into, [("in_future", 3)])
    assert into == {"too_old": 3, "in_future": 4}


LOW, HIGH = "2024-05-01T00:00", "2024-06-30T00:00"


@pytest.mark.parametrize("submitted, completed, paused, reason", [
    ("2024-05-10T09:00", "2024-05-12T09:00", 0.0, None),
    (LOW, LOW, 0.0, None),                                   # both at the earliest bound: inside, and no end before start
    (HIGH, HIGH, 0.0, None),                                 # both at the latest bound: inside
    ("2024-04-30T23:59:59", "2024-05-12T09:00", 0.0, TOO_OLD),
    ("2024-05-10T09:00", "2024-06-30T00:00:01", 0.0, None),   # completed after the bound: open at it, kept (a replay)
    ("2024-06-30T00:00:01", "NaT", 0.0, IN_FUTURE),          # an open case submitted after the latest bound
    ("NaT", "2024-04-30T00:00", 0.0, "unparseable_submitted"),
    ("2024-05-10T09:00", "NaT", 0.0, None),                  # open, inside: nothing to reject
    ("2024-05-10T09:00", "2024-05-10T08:59:59", 0.0, "end_before_start"),
    ("2024-05-10T09:00", "2024-05-12T09:00", -1.0, "bad_paused"),
    ("2024-05-10T09:00", "2024-05-12T09:00", float("nan"), "bad_paused"),
])
def test_each_row_is_rejected_for_its_first_reason(submitted, completed, paused, reason):
    bad, rejected = rejection_mask(moments(submitted), moments(completed), np.array([completed != "NaT"]),
                                   paused=np.array([paused]), bounds=(T(LOW), T(HIGH)))
    assert list(bad) == [reason is not None]
    assert rejected == ({} if reason is None else {reason: 1})


def test_repeated_ids_are_rejected_after_the_first():
    submitted = moments("2024-05-10T09:00", "2024-05-10T09:00", "2024-05-10T09:00")
    bad, rejected = rejection_mask(submitted, submitted, np.ones(3, dtype=bool), ids=["A1", "B2", "A1"])
    assert list(bad) == [False, False, True] and rejected == {"duplicate_id": 1}


# -- alerts/grouping.py: when a group is due --------------------------------------------------------

SPEC = AlertingSpec(group_wait=timedelta(minutes=1), group_interval=timedelta(minutes=10),
                    repeat_interval=timedelta(hours=4))
AT = datetime(2024, 6, 7, 12, 0)
SEC = timedelta(seconds=1)


@pytest.mark.parametrize("first_change_at, last_sent_at, due", [
    (AT - timedelta(minutes=1), None, True),                       # a change waited exactly group_wait
    (AT - timedelta(minutes=1) + SEC, None, False),                # ... a second less
    (AT - timedelta(minutes=5), AT - timedelta(minutes=10), True),         # and group_interval since the last message
    (AT - timedelta(minutes=5), AT - timedelta(minutes=10) + SEC, False),
    (AT - timedelta(minutes=1) + SEC, AT - timedelta(hours=5), False),     # group_wait holds even long after a message
    (None, AT - timedelta(hours=4), True),                         # nothing changed: a repeat after repeat_interval
    (None, AT - timedelta(hours=4) + SEC, False),
    (None, None, False),                                           # nothing changed, nothing sent: nothing to repeat
])
def test_a_group_may_be_due_exactly_at_its_times(first_change_at, last_sent_at, due):
    group = AlertGroup(key="agency:market", first_change_at=first_change_at, last_sent_at=last_sent_at)
    assert may_be_due(group, SPEC, AT) is due


def test_the_digest_is_due_one_interval_after_the_last_one():
    spec = AlertingSpec(operators=OperatorsSpec(mode="digest", emails=["ops@example.org"],
                                                digest_interval=timedelta(days=1)))
    group = AlertGroup(key="digest")
    assert digest_due(spec, group, AT) is False and group.last_sent_at == AT    # the first covers one interval from now
    assert digest_due(spec, group, AT + timedelta(days=1) - SEC) is False
    assert digest_due(spec, group, AT + timedelta(days=1)) is True
    spec = spec.model_copy(update={"operators": spec.operators.model_copy(update={"emails": []})})
    assert digest_due(spec, group, AT + timedelta(days=2)) is False             # nobody to send it to


def test_case_records_in_the_feeds_zone_within_the_window():
    """Offsets convert to the calendar's zone; the window (aware) bounds local times; ids follow their rows."""
    window = TimeWindow(datetime(2024, 5, 1, tzinfo=SH), datetime(2024, 6, 30, tzinfo=SH))
    data_time = datetime(2024, 6, 7, 18, tzinfo=SH)
    records, rejected = build_case_records(
        "办件", data_time, ["2024-05-10T01:00:00Z", "2024-04-30T12:00", "2024-05-11 09:00"],
        ["2024-05-12T02:00:00Z", "2024-05-02T12:00", None], SH, ids=["A1", "B2", "C3"], window=window)
    assert rejected == {TOO_OLD: 1}
    assert (records.series, records.data_time) == ("办件", data_time)
    assert list(records.submitted) == [T("2024-05-10T09:00:00"), T("2024-05-11T09:00:00")]
    assert list(records.completed[:1]) == [T("2024-05-12T10:00:00")] and np.isnat(records.completed[1])
    assert records.ids is not None and list(records.ids) == ["A1", "C3"]


def test_the_fast_path_takes_every_fixed_layout_and_only_valid_ones():
    """A million rows parse in a fraction of a second only if the vectorised path takes them: a layout it
    refuses still parses (per value), so only this test notices it turned slow."""
    taken = ["2024-01-01", "2024-12-31 23:59:59", "2024/01/05T00:00", "2024-02-29 09:30", "2023-01-31T00:00:00",
             "1999-11-30 12:05"]
    refused = ["2024-13-01", "2024-00-10", "2024-03-00", "2024-03-05 24:00", "2024-03-05 09:60", "2024-03-05 09:30:60",
               "2023-02-29", "2024-04-31", "2024-03-05x09:30", "2024-3-5", "2024-03-05 09:30 ", "２０２４-03-05"]
    ok, values = _parse_fixed_layout(np.array(taken + refused))
    assert list(ok) == [True] * len(taken) + [False] * len(refused)
    assert list(values[:len(taken)]) == [T(t.replace("/", "-").replace(" ", "T")) for t in taken]
    assert np.isnat(values[len(taken):]).all()


def test_distinct_keys_are_told_from_repeated_ones():
    assert _all_distinct(np.array([f"YZ{i:06d}" for i in range(5000)]))
    assert not _all_distinct(np.array([f"YZ{i:06d}" for i in range(5000)] + ["YZ001234"]))
