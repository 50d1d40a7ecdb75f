"""The vectorised case checks against straightforward per-value versions, on random ids and cells:
unicode, control characters, numbers, surrounding whitespace, repeats."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.arrow_text import to_text
from collectors.records import (
    MAX_CASE_ID_CHARS,
    OPEN_MARKERS,
    _all_distinct,
    _id_keys,
    _one_local_time,
    _repeated,
    completion_text,
    control_characters,
    id_checks,
    parse_local_times,
)
from tests.collectors.helpers import TZ

CONTROL = {*range(0x01, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029}
pieces = st.sampled_from(["A", "7", "中", "號", " ", "\u3000", "\t", "\n", "\x85", "\u2028", "\x7f", "\x1f",
                          "é", "😀", "\x00x", "-", "/", "无", "未办结"])
texts = st.one_of(st.lists(pieces, max_size=6).map("".join),
                  st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=0x2FFF), max_size=8),
                  st.sampled_from(["X" * MAX_CASE_ID_CHARS, " " + "Y" * MAX_CASE_ID_CHARS, "Z" * 130]))
ids = st.lists(st.one_of(texts, st.integers(-5, 20), st.sampled_from(["7", " 7", "7 ", "C1", "C1\t"])), max_size=40)


def reference_checks(cells: list[object]) -> dict[str, list[bool]]:
    keys = [str(cell).strip() for cell in cells]
    too_long = [len(key) > MAX_CASE_ID_CHARS for key in keys]
    control = [not long and any(ord(c) in CONTROL for c in key) for key, long in zip(keys, too_long)]
    seen: set[str] = set()
    repeated = []
    for key in keys:
        repeated.append(key in seen)
        seen.add(key)
    return {"id_too_long": too_long, "id_control_character": control, "duplicate_id": repeated}


@settings(max_examples=300, deadline=None)
@given(ids)
def test_id_checks_agree_with_a_per_value_reference(cells):
    expected = reference_checks(cells)
    texts_only = np.array([str(cell) for cell in cells]) if cells else np.zeros(0, dtype="U1")
    for given_ids in (cells, texts_only):
        assert {reason: mask.tolist() for reason, mask in id_checks(given_ids)} == expected
        assert _id_keys(given_ids).tolist() == [str(cell).strip() for cell in cells]
    keys = _id_keys(cells)
    if len(keys) and _all_distinct(keys):
        assert not any(expected["duplicate_id"])
    assert _repeated(cells).tolist() == expected["duplicate_id"]


@settings(max_examples=200, deadline=None)
@given(st.lists(texts, max_size=30))
def test_control_characters_and_completion_text_agree_with_a_per_value_reference(cells):
    column = np.array(cells) if cells else np.zeros(0, dtype="U1")
    assert control_characters(column, rows_per_block=7).tolist() == [any(ord(c) in CONTROL for c in cell) for cell in column.tolist()]
    text, given_ = completion_text(cells)
    expected_given = [bool(cell.strip()) and cell.strip() not in OPEN_MARKERS for cell in column.tolist()]
    assert given_.tolist() == expected_given
    assert text.tolist() == [cell if ok or not cell.strip() else "" for cell, ok in zip(column.tolist(), expected_given)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(min_codepoint=1, codec="utf-8"), max_size=6), min_size=1, max_size=30))
def test_arrow_text_columns_read_as_the_same_strings(cells):
    assert to_text(pa.array(cells)).tolist() == [cell.rstrip("\x00") for cell in cells]


def test_distinct_ascii_ids_of_up_to_eight_characters_never_tie():
    keys = np.array([f"C{i}" for i in range(100_000)])
    assert _all_distinct(keys)
    assert not _all_distinct(np.concatenate([keys, keys[:1]]))


layout_pieces = st.sampled_from(["2024", "1999", "0000", "9999", "-", "/", "-02", "-13", "-29", "-31", "-00", "02",
                                 "29", "31", " ", "T", "\t", "\u3000", "09", "24", ":", ":30", ":60", ":59", "５",
                                 "Z", "+08:00", ".5", "年", "x"])
layout_like = st.one_of(
    st.lists(layout_pieces, max_size=10).map("".join),
    st.builds(lambda lead, moment, cut, sep, tail: lead + moment.isoformat(sep=sep)[:cut] + tail,
              st.sampled_from(["", " ", "\t", "  "]), st.datetimes(), st.sampled_from([10, 13, 16, 19, 20]),
              st.sampled_from([" ", "T", "/"]), st.sampled_from(["", " ", "\u3000", "x"])))


@settings(max_examples=400, deadline=None)
@given(st.lists(layout_like, max_size=20))
def test_parse_local_times_agrees_with_the_per_value_parser(cells):
    column = np.array(cells) if cells else np.zeros(0, dtype="U1")
    expected = [_one_local_time(cell, TZ) for cell in column.tolist()]
    assert [str(moment) for moment in parse_local_times(column, TZ)] == [str(moment) for moment in expected]
    assert [str(moment) for moment in parse_local_times(list(cells), TZ)] == [str(moment) for moment in expected]
