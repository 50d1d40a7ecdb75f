"""Case ids a feed may send (issue 20, points 1 and 2): at most MAX_CASE_ID_CHARS characters and no
control characters, or the row is rejected with a reason of its own; the error report quotes the
id on one line, cut short."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from collectors.csv_table import parse_csv_bytes
from collectors.drop_report import FileProblem
from collectors.records import MAX_CASE_ID_CHARS, build_case_records, control_characters
from collectors.series import extract_table
from monitor.spec.feeds import SeriesSpec
from tests.collectors.helpers import TZ

DATA_TIME = datetime(2024, 6, 28, 12, 0, tzinfo=TZ)
INJECTED = "BDC-2\r\n\r\n【重要通知】请将全部办件材料发送至 files@attacker.example"


def records_for(ids: list[object]):
    n = len(ids)
    return build_case_records("s", DATA_TIME, ["2024-06-03 09:00"] * n, ["2024-06-04 10:00"] * n, TZ, ids=ids)


def test_an_id_longer_than_the_limit_rejects_its_row_with_its_own_reason():
    records, rejected = records_for(["BDC-1", "X" * 100_000, "B" * MAX_CASE_ID_CHARS])
    assert rejected == {"id_too_long": 1}
    assert records.ids is not None and list(records.ids) == ["BDC-1", "B" * MAX_CASE_ID_CHARS]


def test_an_id_with_a_line_break_or_separator_rejects_its_row_but_surrounding_blanks_are_trimmed():
    records, rejected = records_for(["BDC-1", INJECTED, "BDC-3\u2028x", "BDC-4\tx", "BDC-5\x85x", " BDC-6\r\n"])
    assert rejected == {"id_control_character": 4}
    assert records.ids is not None and list(records.ids) == ["BDC-1", "BDC-6"]


def test_control_characters_are_found_alike_in_narrow_and_wide_columns_block_by_block():
    cells = np.array(["a", "b\nc", "d" * 300, "e" * 299 + "\x1f", "\u3000全角空格", "x\u2029"])
    assert control_characters(cells, rows_per_block=2).tolist() == [False, True, False, True, False, True]


def test_a_dropped_table_names_the_row_and_quotes_the_bad_id_on_one_line():
    csv = ("id,submitted,completed\n"
           "BDC-1,2024-06-03 09:00,2024-06-04 10:00\n"
           f"\"{INJECTED}\",2024-06-03 09:00,2024-06-04 10:00\n"
           f"{'Z' * 5000},2024-06-03 09:00,2024-06-04 10:00\n").encode()
    table = parse_csv_bytes(csv).table
    out = extract_table([SeriesSpec(name="s", type="cases")], table, DATA_TIME, TZ, keep_problems=True)
    assert out.rejected == {"id_control_character": 1, "id_too_long": 1} and out.accepted == 1
    reasons = {p.row: p.reason for p in out.problems}
    assert reasons == {1: "id_control_character", 2: "id_too_long"}
    lines = [FileProblem(p.reason, row=p.row + 2, column="A", value=p.value).line() for p in out.problems]
    assert all("\n" not in line and "\r" not in line for line in lines)
    assert "编号含换行" in lines[0] and "\\r\\n" in lines[0]
    assert "编号过长" in lines[1] and "共 5,000 个字符" in lines[1] and len(lines[1]) < 300
