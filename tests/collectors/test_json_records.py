"""JSON records decoded straight into columns (collectors/json_records.py) give what the whole
document decoded and searched with JMESPath gives: the same cases, the same rejections by reason."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.base import FeedError
from collectors.http import Body
from collectors.http_json import decode_json, json_series
from collectors.json_records import as_column, null_fills, read_with_arrow, read_with_msgspec, record_tables
from collectors.series import Extracted, Table, extract_json, extract_table
from monitor.observations import CaseRecords
from monitor.spec.feeds import SeriesSpec
from tests.collectors.helpers import NOW, TZ

CASES = SeriesSpec(name="c", type="cases", records="data", id_field="编号", submitted="受理时间", completed="办结时间")


def cases(**changes: Any) -> SeriesSpec:
    return SeriesSpec.model_validate(CASES.model_dump(exclude_unset=True) | changes)


def body(document: Any, raw: bytes | None = None) -> Body:
    return Body(raw if raw is not None else json.dumps(document, ensure_ascii=False).encode("utf-8"),
                "application/json", None, "http://feed.example/cases.json")


def whole_document(specs: list[SeriesSpec], page: Body) -> Extracted:
    """The way every page was read before: json.loads, then JMESPath, then a dict per record."""
    return extract_json(specs, decode_json(page), NOW, TZ)


def assert_same(fast: Extracted, slow: Extracted) -> None:
    assert (fast.accepted, fast.rejected, fast.skipped, fast.values) == (slow.accepted, slow.rejected, slow.skipped,
                                                                          slow.values)
    assert len(fast.cases) == len(slow.cases)
    for a, b in zip(fast.cases, slow.cases):
        assert_same_cases(a, b)


def assert_same_cases(a: CaseRecords, b: CaseRecords) -> None:
    assert (a.series, a.data_time, a.rejected, a.paused_unit) == (b.series, b.data_time, b.rejected, b.paused_unit)
    for name in ("submitted", "completed", "ids", "paused", "items"):
        left, right = getattr(a, name), getattr(b, name)
        assert (left is None) == (right is None), name
        if left is not None:
            np.testing.assert_array_equal(left, right, err_msg=name)
    assert (a.pauses is None) == (b.pauses is None)
    if a.pauses is not None and b.pauses is not None:
        for name in ("case", "start", "end"):
            np.testing.assert_array_equal(getattr(a.pauses, name), getattr(b.pauses, name), err_msg=name)


def both_ways(specs: list[SeriesSpec], page: Body, fast_expected: bool = True) -> Extracted:
    """json_series, and each reader on its own, give what the whole document gives."""
    assert (record_tables(specs, page.content, page.charset) is not None) == fast_expected
    fast = json_series(specs, page, NOW, TZ)
    slow = whole_document(specs, page)
    assert_same(fast, slow)
    for reader in (read_with_arrow, read_with_msgspec):
        tables = record_tables(specs, page.content, page.charset, readers=[reader])
        if tables is not None:
            assert_same(extract_json(specs, None, NOW, TZ, tables=tables), slow)
    return fast


def read_by(specs: list[SeriesSpec], page: Body) -> list[str]:
    """Which readers read the page."""
    return [reader.__name__ for reader in (read_with_arrow, read_with_msgspec)
            if record_tables(specs, page.content, page.charset, readers=[reader]) is not None]


ROWS: list[dict[str, Any]] = [
    {"编号": "A1", "受理时间": "2024-06-03 09:00:00", "办结时间": "2024-06-05 17:00:00"},
    {"编号": "A2", "受理时间": "2024-06-03T01:00:00Z", "办结时间": "2024-06-04T10:00:00+08:00"},   # zones
    {"编号": "A3", "受理时间": "2024年6月3日 9时30分", "办结时间": "未办结"},                            # loose, open
    {"编号": "A4", "受理时间": "2024/6/3 9:30", "办结时间": None},
    {"编号": "A5", "受理时间": "not a time", "办结时间": ""},                                          # bad timestamp
    {"编号": "A6", "受理时间": "2024-06-03", "办结时间": "2024-06-01"},                                # end before start
    {"编号": "A1", "受理时间": "2024-06-03", "办结时间": "2024-06-04"},                                # repeated id
    {"编号": "B" * 200, "受理时间": "2024-06-03", "办结时间": "2024-06-04"},                           # id too long
    {"编号": "B\n7", "受理时间": "2024-06-03", "办结时间": "2024-06-04"},                              # control character
    {"编号": "A8", "办结时间": "2024-06-04"},                                                          # missing field
    {"编号": "A9", "受理时间": "9999-12-30", "办结时间": None},                                        # in the future
    {"编号": "A10", "受理时间": "1900-01-01", "办结时间": None},                                       # too old
    {"编号": 11, "受理时间": "2024-06-03", "办结时间": "2024-06-04", "extra": {"nested": [1, {"x": None}]}},
    {"受理时间": "2024-06-03", "办结时间": "2024-06-04"},                                             # no id at all
]


def test_the_rows_every_reason_rejects_give_the_same_cases_and_counts_both_ways():
    out = both_ways([CASES], body({"data": ROWS, "total": len(ROWS)}))
    assert out.rejected == {"unparseable_submitted": 2, "end_before_start": 1, "duplicate_id": 1,
                            "id_too_long": 1, "id_control_character": 1, "time_in_future": 1, "time_too_old": 1}
    assert out.accepted == 6


def test_records_at_a_nested_path_escaped_keys_and_pretty_printing_give_the_same():
    text = json.dumps({"meta": {"n": 2}, "result": {"rows": ROWS[:4]}}, ensure_ascii=True, indent=2)
    spec = cases(records="result.rows")
    out = both_ways([spec], body(None, text.encode("utf-8")))
    assert out.accepted == 4


def test_several_series_on_one_list_or_on_two_are_read_in_one_decoding():
    other = cases(name="d", records="more", id_field=None)
    out = both_ways([CASES, other], body({"data": ROWS[:3], "more": ROWS[3:6]}))
    assert [len(c) for c in out.cases] == [3, 1]


def test_an_empty_list_gives_no_cases_both_ways():
    out = both_ways([CASES], body({"data": []}))
    assert out.accepted == 0 and len(out.cases[0]) == 0


@pytest.mark.parametrize("document, records", [
    ({"data": [ROWS[0], "not an object", 7]}, "data"),    # rows that are not objects: counted as not_an_object
    ({"data": ROWS[:2]}, "data[?\"编号\" == 'A1']"),       # a JMESPath filter
    ([ROWS[0]], "@"),                                      # the document itself
    ({"data": ROWS[:2], "data2": {"x": 1}}, "data2.x"),    # a path to no list: the slow path's schema error
])
def test_pages_the_fast_path_does_not_read_are_read_whole_as_before(document, records):
    spec = cases(records=records)
    page = body(document)
    assert record_tables([spec], page.content) is None
    try:
        expected = whole_document([spec], page)
    except Exception as exc:  # noqa: BLE001 - the same error either way
        with pytest.raises(type(exc), match=re.escape(str(exc))):
            json_series([spec], page, NOW, TZ)
        return
    assert_same(json_series([spec], page, NOW, TZ), expected)


def test_json_that_only_python_reads_nan_and_lone_surrogates_falls_back_to_it():
    for raw in (b'{"data": [{"\xe7\xbc\x96\xe5\x8f\xb7": NaN, "\xe5\x8f\x97\xe7\x90\x86\xe6\x97\xb6\xe9\x97\xb4": "2024-06-03"}]}',
                b'{"data": [{"\xe7\xbc\x96\xe5\x8f\xb7": "\\ud800", "\xe5\x8f\x97\xe7\x90\x86\xe6\x97\xb6\xe9\x97\xb4": "2024-06-03"}]}'):
        page = body(None, raw)
        assert record_tables([CASES], page.content) is None
        out = json_series([CASES], page, NOW, TZ)
        assert_same(out, whole_document([CASES], page))
        assert out.accepted == 1


def test_a_series_dated_by_the_document_is_read_whole():
    spec = cases(time_path="as_of")
    page = body({"data": ROWS[:2], "as_of": "2024-06-27"})
    assert record_tables([spec], page.content) is None
    assert json_series([spec], page, NOW, TZ).accepted == 2


def test_a_gbk_page_is_decoded_the_same_way():
    page = Body(json.dumps({"data": ROWS[:3]}, ensure_ascii=False).encode("gbk"), "application/json", "gbk", "http://x/")
    assert both_ways([CASES], page).accepted == 3


def test_suspended_time_in_every_json_form_gives_the_same_both_ways():
    rows = [{"编号": "P1", "受理时间": "2024-06-03", "办结时间": "2024-06-10", "暂停": 2,
             "停": [{"start": "2024-06-04", "end": "2024-06-05"}]},
            {"编号": "P2", "受理时间": "2024-06-03", "办结时间": "2024-06-10", "暂停": "x", "停": "not json"},
            {"编号": "P3", "受理时间": "2024-06-03", "办结时间": "2024-06-10", "暂停": -1, "停": None}]
    total = cases(paused={"field": "暂停", "unit": "工作日"})
    listed = cases(name="d", paused={"intervals": "停"})
    out = both_ways([total, listed], body({"data": rows}))
    assert out.rejected == {"bad_paused": 2, "bad_pause_time": 1}


def test_text_columns_as_arrays_read_as_the_lists_they_were_built_from():
    columns = {"编号": [str(r.get("编号")) for r in ROWS], "受理时间": [str(r.get("受理时间", "")) for r in ROWS],
               "办结时间": [r.get("办结时间") or "" for r in ROWS]}
    as_lists = extract_table([CASES], Table(columns, len(ROWS)), NOW, TZ)
    as_arrays = extract_table([CASES], Table({k: as_column(v) for k, v in columns.items()}, len(ROWS)), NOW, TZ)
    assert all(isinstance(as_column(v), np.ndarray) for v in columns.values())
    assert_same(as_arrays, as_lists)


def test_a_column_with_nulls_or_numbers_stays_a_list():
    assert as_column(["a", None]) == ["a", None]
    assert as_column(["a", 7]) == ["a", 7]
    assert list(as_column(["a", "bc"])) == ["a", "bc"]


TIMES = st.one_of(
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")),
    st.sampled_from(["2024-06-03 09:00", "2024-06-03T09:00:00+02:00", "2024/6/3", "2024-02-30", "昨天", "",
                     " 2024-06-04 ", "—", "未办结", "20240605", "2024-06-03T09:00:00.5Z"]),
    st.none(), st.integers(-5, 20240605), st.booleans())
IDS = st.one_of(st.text(max_size=6), st.sampled_from(["A1", "A1 ", "x" * 130, "a\tb", "a\u2028b"]),
                st.integers(0, 5), st.none())


@st.composite
def records(draw: st.DrawFn) -> list[Any]:
    rows: list[Any] = []
    for _ in range(draw(st.integers(0, 25))):
        row: dict[str, Any] = {}
        for key, values in (("编号", IDS), ("受理时间", TIMES), ("办结时间", TIMES), ("note", st.text(max_size=3))):
            if draw(st.integers(0, 9)):       # a field is sometimes missing
                row[key] = draw(values)
        rows.append(row)
    if draw(st.integers(0, 4)) == 0:
        rows.insert(draw(st.integers(0, len(rows))), draw(st.sampled_from([None, 3, "row", [1]])))
    return rows


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(), st.booleans())
def test_generated_records_with_bad_rows_mixed_in_give_the_same_both_ways(rows, ascii_only):
    page = body(None, json.dumps({"data": rows}, ensure_ascii=ascii_only).encode("utf-8"))
    fast_expected = all(isinstance(r, dict) for r in rows)
    both_ways([CASES], page, fast_expected)


def test_arrow_reads_pages_of_text_and_nulls_and_leaves_other_values_to_msgspec():
    text_only = [r for r in ROWS if not isinstance(r.get("编号", ""), int)]
    assert read_by([CASES], body({"data": text_only})) == ["read_with_arrow", "read_with_msgspec"]
    assert read_by([CASES], body({"data": ROWS})) == ["read_with_msgspec"]                  # an id that is a number
    assert read_by([CASES], body({"data": [{"编号": "A", "受理时间": {"t": 1}}]})) == ["read_with_msgspec"]
    twice = '{"data": [{"编号": "A", "编号": "B", "受理时间": "2024-06-03"}]}'.encode()
    assert read_by([CASES], body(None, twice)) == ["read_with_msgspec"]                     # a key written twice
    ids = both_ways([CASES], body(None, twice)).cases[0].ids
    assert ids is not None and ids.tolist() == ["B"]             # the last one, as json.loads
    assert read_by([CASES], body({"data": [None, ROWS[0]]})) == []                         # not an object
    several = b'{"data": []}\n{"data": []}'
    assert read_by([CASES], body(None, several)) == []


def test_nesting_deeper_than_python_decodes_in_a_value_no_series_reads_is_read_past():
    deep = b'{"data": [{"\xe7\xbc\x96\xe5\x8f\xb7": "A"}], "x": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    with pytest.raises(FeedError, match="nested too deeply"):
        whole_document([CASES], body(None, deep))
    assert read_by([CASES], body(None, deep)) == ["read_with_arrow"]
    assert json_series([CASES], body(None, deep), NOW, TZ).rejected == {"unparseable_submitted": 1}


def test_a_value_series_of_numbers_and_an_events_series_give_the_same_both_ways():
    values = SeriesSpec(name="v", records="data", column="值", time_column="时间")
    rows = [{"值": 95.5, "时间": "2024-06-01"}, {"值": "9,5", "时间": "2024-06-02"}, {"值": None, "时间": "x"},
            {"值": "96%", "时间": "2024-06-03"}]
    assert read_by([values], body({"data": rows})) == ["read_with_msgspec"]
    out = both_ways([values], body({"data": rows}))
    assert [v.value for v in out.values] == [95.5, 96.0]
    events = SeriesSpec.model_validate({"name": "e", "type": "cases", "records": "data", "id_field": "id",
                                        "events": {"kind": "k", "time": "t"}})
    steps = [{"id": "E1", "k": "受理", "t": "2024-06-03 09:00"}, {"id": "E1", "k": "办结", "t": "2024-06-05 09:00"},
             {"id": "E2", "k": "受理", "t": "bad"}, {"id": "E3", "k": "其他", "t": "2024-06-03"}]
    assert read_by([events], body({"data": steps})) == ["read_with_arrow", "read_with_msgspec"]
    out = both_ways([events], body({"data": steps}))
    assert (out.accepted, out.rejected, out.skipped) == (1, {"unparseable_time": 1}, {"other_event": 2})


@pytest.mark.parametrize("raw", [b'{"data": [{"a": "x"},]}', b'{"data": []} // note', b'{"data": [], "n": 01}',
                                 b"{'data': []}", b'{"data": [{"a": "x\ty"}]}', b'{"data": [{"a": "x"}', b"",
                                 b'{"data": []}\n{"data": []}', b'{"data": [{"a": "\\x"}]}'])
def test_malformed_json_is_still_a_decode_error(raw):
    assert read_by([CASES], body(None, raw)) == []
    with pytest.raises(FeedError, match="not valid JSON") as caught:
        json_series([CASES], body(None, raw), NOW, TZ)
    assert caught.value.category == "decode"


def test_nulls_in_text_columns_stay_arrays_read_as_none_reads():
    rows = [{"编号": "N1", "受理时间": "2024-06-03", "办结时间": None}, {"编号": None, "受理时间": None},
            {"编号": None, "受理时间": "2024-06-04", "办结时间": "2024-06-05"}, {"受理时间": "2024-06-04"}]
    page = body({"data": rows})
    tables = record_tables([CASES], page.content)
    assert tables is not None and read_by([CASES], page)[0] == "read_with_arrow"
    columns = tables["c"].columns
    assert all(isinstance(columns[name], np.ndarray) for name in ("编号", "受理时间", "办结时间"))
    assert list(columns["编号"]) == ["N1", "None", "None", "None"]        # as numpy's str() of None
    out = both_ways([CASES], page)
    assert out.rejected == {"unparseable_submitted": 1, "duplicate_id": 2} and out.accepted == 1   # null ids are one id


def test_a_field_read_two_ways_keeps_its_nulls_as_none():
    spec = cases(where={"受理时间": "2024-06-03"})            # a time, and a where field
    assert null_fills(spec) == {"办结时间": "", "编号": "None"}
    rows = [{"编号": "W1", "受理时间": "2024-06-03"}, {"编号": "W2", "受理时间": None}]
    assert both_ways([spec], body({"data": rows})).accepted == 1


WORDS = st.sampled_from([None, "", " ", "None", "2024-06-03", "2024-06-04 10:00", "A1", "—", "3", "-1", "x",
                         "[]", '[{"start": "2024-06-04", "end": "2024-06-05"}]', "2024-06-03T09:00:00+02:00"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(st.sampled_from(["编号", "受理时间", "办结时间", "暂停", "停", "区"]), WORDS), max_size=20),
       st.sampled_from(["total", "intervals", "where"]))
def test_generated_text_and_null_records_read_by_arrow_give_the_same_both_ways(rows, shape):
    spec = {"total": cases(paused={"field": "暂停"}), "intervals": cases(paused={"intervals": "停"}),
            "where": cases(where={"区": "A1"})}[shape]
    page = body({"data": rows})
    assert read_by([spec], page)[:1] == ["read_with_arrow"]
    both_ways([spec], page)


@pytest.mark.parametrize("ascii_only", [False, True])
def test_five_thousand_records_with_bad_rows_mixed_in_give_the_same_both_ways(ascii_only):
    rng = np.random.default_rng(11)
    bad = ["", None, "2024-13-01", "昨天", "2024-06-03 25:00", "9999-01-01", "1900-01-01", "未办结", "—"]
    rows: list[Any] = []
    for i in range(5000):
        day, hour = int(rng.integers(1, 28)), int(rng.integers(0, 24))
        row = {"编号": f"案{i % 4990}" if rng.random() > 0.01 else None,
               "受理时间": f"2024-05-{day:02d} {hour:02d}:30:00", "办结时间": f"2024-06-{day:02d} {hour:02d}:00",
               "事项": "企业开办"}
        if rng.random() < 0.1:
            row[str(rng.choice(["受理时间", "办结时间"]))] = bad[int(rng.integers(len(bad)))]
        if rng.random() < 0.01:
            del row["办结时间"]
        rows.append(row)
    page = body(None, json.dumps({"total": 5000, "data": rows}, ensure_ascii=ascii_only).encode("utf-8"))
    assert read_by([CASES], page)[0] == "read_with_arrow"
    out = both_ways([CASES], page)
    assert out.accepted > 4000 and {"duplicate_id", "unparseable_submitted", "unparseable_completed", "time_too_old",
                                    "time_in_future"} <= set(out.rejected)
