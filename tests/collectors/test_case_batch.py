"""Many case series validated together give exactly what each gives validated alone."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.case_batch import CaseRows, build_case_batches
from collectors.records import build_case_records
from collectors.timebounds import TimeWindow
from tests.collectors.helpers import NOW, TZ, feed
from tests.collectors.test_hostile_data import collect_with, json_answer

TIMES = ["2024-06-03T09:30:00", "2024-06-04 10:00", "2024-06-05", " 2024-06-03 08:00:00 ", "2024年6月3日 9:05",
         "2024-06-03T09:30:00+00:00", "1900-01-01", "9999-12-30", "2024-02-30", "garbage", "", "  ", None,
         "—", "未办结", "2024/6/3 9:30", "2024-06-02T23:59:59"]
IDS = ["a", "b", " a", "a ", "x" * 129, "line\nbreak", "tab\tid", "", "b", "长编号-0001"]


def reference(batches: list[CaseRows], window: TimeWindow | None):
    return [build_case_records(b.series, b.data_time, b.submitted, b.completed, TZ, b.ids, window) for b in batches]


def same(got, expected) -> None:
    assert len(got) == len(expected)
    for (records, rejected), (want, want_rejected) in zip(got, expected):
        assert list(rejected.items()) == list(want_rejected.items())   # the checks' order, not just the counts
        assert records.rejected == want.rejected and records.series == want.series
        assert records.data_time == want.data_time
        np.testing.assert_array_equal(records.submitted, want.submitted)
        np.testing.assert_array_equal(records.completed, want.completed)
        assert (records.ids is None) == (want.ids is None)
        if want.ids is not None:
            assert records.ids is not None and records.ids.tolist() == want.ids.tolist()


series_rows = st.integers(0, 12).flatmap(lambda n: st.tuples(
    st.lists(st.sampled_from(TIMES), min_size=n, max_size=n), st.lists(st.sampled_from(TIMES), min_size=n, max_size=n),
    st.one_of(st.none(), st.lists(st.sampled_from(IDS), min_size=n, max_size=n))))


@settings(max_examples=300, deadline=None)
@given(st.lists(series_rows, min_size=1, max_size=6), st.booleans())
def test_series_validated_together_are_validated_as_alone(rows, windowed):
    batches = [CaseRows(f"s{i}", NOW - timedelta(hours=i), sub, done, ids) for i, (sub, done, ids) in enumerate(rows)]
    window = TimeWindow.around(NOW) if windowed else None
    same(build_case_batches(batches, TZ, window), reference(batches, window))


def test_an_id_repeated_in_another_series_is_no_repeat_and_within_one_is():
    batches = [CaseRows("a", NOW, ["2024-06-03"] * 3, [None] * 3, ["1", "2", "1"]),
               CaseRows("b", NOW, ["2024-06-03"] * 2, [None] * 2, ["1", "2"]),
               CaseRows("c", NOW, ["2024-06-03"], ["2024-06-01"], None)]
    got = build_case_batches(batches, TZ, TimeWindow.around(NOW))
    assert [r for _, r in got] == [{"duplicate_id": 1}, {}, {"end_before_start": 1}]
    assert [len(records) for records, _ in got] == [2, 2, 0]
    assert got[1][0].ids is not None and got[1][0].ids.tolist() == ["1", "2"] and got[2][0].ids is None


def test_cells_that_are_not_text_are_read_as_each_series_alone():
    batches = [CaseRows("a", NOW, [datetime(2024, 6, 3, 9), "2024-06-03"], [45000.5, None], [7, "7"]),
               CaseRows("b", NOW, ["2024-06-03"], [None], ["7"])]
    assert not batches[0].plain() and batches[1].plain()
    same(build_case_batches(batches, TZ), reference(batches, None))


def test_the_demo_kind_counts_reasons_in_the_order_of_its_series():
    cases = lambda name, records: {"name": name, "type": "cases", "data_time": NOW.isoformat(), "records": records}  # noqa: E731
    payload = {"series": [
        {"name": "v1", "type": "value", "points": [{"time": "2024-06-27T10:00:00", "value": 1}]},
        cases("c1", [{"id": "1", "submitted": "2024-06-03", "completed": "2024-06-01"},
                     {"id": "1", "submitted": "2024-06-03", "completed": None}]),
        {"name": "v2", "type": "value", "points": [{"time": "2024-06-27T10:00:00+08:00", "value": "NaN"}]},
        cases("c2", [{"id": "9", "submitted": "garbage", "completed": None},
                     {"id": 9, "submitted": "2024-06-03", "completed": None}]),
        cases("c3", [{"submitted": "2024-06-03", "completed": "2024-06-04"}])]}
    result = collect_with(feed(kind="demo"), json_answer(payload))
    assert result.ok and [c.series for c in result.cases] == ["c1", "c2", "c3"]
    # as the series were validated one by one (a repeated id is one even after a rejected first row)
    assert list(result.rows_rejected.items()) == [("unparseable_time", 1), ("end_before_start", 1), ("duplicate_id", 2),
                                                  ("not_a_number", 1), ("unparseable_submitted", 1)]
    assert [c.rejected for c in result.cases] == [(("duplicate_id", 1), ("end_before_start", 1)),
                                                  (("duplicate_id", 1), ("unparseable_submitted", 1)), ()]
    assert [len(c) for c in result.cases] == [0, 0, 1] and result.rows_accepted == 1
    assert result.cases[0].ids is not None and result.cases[2].ids is None


def test_a_demo_case_cell_that_is_a_list_fails_the_payload_as_schema():
    payload = {"series": [{"name": "c", "type": "cases", "data_time": NOW.isoformat(),
                           "records": [{"submitted": [1, 2], "completed": None}, {"submitted": "x", "completed": None}]}]}
    result = collect_with(feed(kind="demo"), json_answer(payload))
    assert not result.ok and result.error_category == "schema"
