"""Vectorised timestamp parsing and per-row validation of case records."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from collectors import records
from collectors.records import _repeated, build_case_records, parse_local_times
from collectors.series import check_value
from monitor.spec.feeds import SeriesSpec
from tests.collectors.helpers import TZ

T = np.datetime64


def test_common_layouts_parse_to_local_seconds():
    values = ["2024-03-05", "2024-03-05 09:30", "2024/03/05T09:30:07", " 2024-03-05 09:30:00 ", "2024年3月5日 9:05",
              "2024-3-5", "2024-03-05T01:30:00Z", "2024-03-05T09:30:00.250"]
    assert list(parse_local_times(values, TZ)) == [
        T("2024-03-05T00:00:00"), T("2024-03-05T09:30:00"), T("2024-03-05T09:30:07"), T("2024-03-05T09:30:00"),
        T("2024-03-05T09:05:00"), T("2024-03-05T00:00:00"), T("2024-03-05T09:30:00"), T("2024-03-05T09:30:00")]


def test_impossible_or_garbage_values_become_nat():
    values = ["2024-02-30", "2024-13-01", "2024-03-05 24:00", "garbage", "", None, 45000.5, "2023-02-29"]
    assert np.isnat(parse_local_times(values, TZ)).all()


def test_datetime_objects_from_spreadsheets_and_drivers_are_accepted():
    values = [datetime(2024, 3, 5, 9, 30), date(2024, 3, 5), datetime(2024, 3, 5, 1, 30, tzinfo=UTC)]
    assert list(parse_local_times(values, TZ)) == [T("2024-03-05T09:30"), T("2024-03-05T00:00"), T("2024-03-05T09:30")]


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31)), st.sampled_from([" ", "T"]))
def test_fast_path_agrees_with_the_standard_library(moment, separator):
    moment = moment.replace(microsecond=0)
    text = moment.isoformat(sep=separator)
    assert parse_local_times([text], TZ)[0] == np.datetime64(moment, "s")


def test_bad_rows_are_rejected_and_counted_each_once_by_reason():
    records, rejected = build_case_records(
        "s", datetime(2024, 6, 1, tzinfo=TZ),
        ["2024-06-03", "bad", "2024-06-05", "2024-06-03", "2024-06-03", "2024-06-03"],
        ["2024-06-04", "2024-06-04", "2024-06-04", "nope", "", "2024-06-04"], TZ,
        ids=["a", "b", "c", "d", "e", "a"])
    assert rejected == {"unparseable_submitted": 1, "end_before_start": 1, "unparseable_completed": 1, "duplicate_id": 1}
    assert len(records) == 2 and np.isnat(records.completed[1])   # an open case is kept


def test_shares_above_100_and_negative_values_are_rejected_with_a_reason():
    share = SeriesSpec(name="s", type="share")
    floor = SeriesSpec(name="d", min_value=0)
    assert check_value(share, "96.5%") == (96.5, None)
    assert check_value(share, 100.1)[1] == "share_above_100"
    assert check_value(share, -1)[1] == "negative_share"
    assert check_value(floor, "-3")[1] == "negative_value"
    assert check_value(floor, "１２")[0] == 12
    assert check_value(floor, "n/a")[1] == "unparseable_value"
    assert check_value(floor, "")[1] == "missing_value"


def test_repeated_ids_are_found_alike_in_text_arrays_and_in_lists_of_objects():
    ids = ["A1", " A1", "B", "b", "长号", "长号 ", 7, "7"]
    expected = [False, True, False, False, False, True, False, True]
    assert _repeated(ids).tolist() == expected
    assert _repeated(np.array([str(i) for i in ids])).tolist() == expected
    assert _repeated(np.array(["x", "y", "z"])).tolist() == [False] * 3


def test_characters_beyond_ascii_never_pass_for_digits_or_separators_in_the_fixed_layout():
    values = np.array(["２０２４-03-05", "2024－03－05", "2024-03-05\u3000", "2024-03-0\u0135", "2024\u012d03-05"])
    parsed = [str(moment) for moment in parse_local_times(values, TZ)]
    assert parsed == ["2024-03-05T00:00:00", "NaT", "2024-03-05T00:00:00", "NaT", "NaT"]


def test_ids_whose_hashes_tie_are_compared_exactly(monkeypatch):
    monkeypatch.setattr(records, "_all_distinct", lambda keys: False)
    assert _repeated(np.array(["a", "b", " a"])).tolist() == [False, False, True]
    assert _repeated(np.array(["a", "b"])).tolist() == [False, False]
