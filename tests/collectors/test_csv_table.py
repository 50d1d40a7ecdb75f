"""The CSV fast path (numpy, quote-free files) and the csv-module path read the same columns."""

from __future__ import annotations

import pytest

from collectors.csv_table import _Columns, parse_csv, parse_csv_bytes

PLAIN = "编号,值,值,备注\nA1,1,2,x\nA2,3,4,y\n"          # a header written twice
QUOTED = '编号,值,值,备注\nA1,1,2,"x, quoted"\nA2,3,4,y\n'   # quotes: the csv module's path


def values(table, name):
    return [str(v) for v in table.columns[name]]


def test_plain_csv_takes_the_fast_path_and_quoted_csv_the_csv_module():
    assert isinstance(parse_csv_bytes(PLAIN.encode()).table.columns, _Columns)
    assert not isinstance(parse_csv_bytes(QUOTED.encode()).table.columns, _Columns)


@pytest.mark.parametrize("read", [
    lambda text, rename=None: parse_csv_bytes(text.encode("utf-8"), rename=rename),        # fast path for PLAIN
    lambda text, rename=None: parse_csv_bytes(text.encode("gb18030"), rename=rename),      # re-encoded, fast path
    lambda text, rename=None: parse_csv(text, rename=rename),                              # csv module
], ids=["fast", "fast-gb18030", "csv-module"])
@pytest.mark.parametrize("text", [PLAIN, QUOTED], ids=["plain", "quoted"])
def test_a_header_written_twice_reads_its_leftmost_column_on_every_path(read, text):
    table = read(text).table
    assert values(table, "值") == ["1", "3"]
    assert list(table.columns) == ["编号", "值", "备注"] and len(table.columns) == 3


@pytest.mark.parametrize("read", [parse_csv_bytes, lambda content, rename: parse_csv(content.decode(), rename=rename)],
                         ids=["fast", "csv-module"])
def test_two_headers_renamed_alike_read_the_leftmost_on_every_path(read):
    table = read("编号,受理时间,受理日期\nA1,2024-06-03,2024-06-04\n".encode(),
                 rename={"受理时间": "submitted", "受理日期": "submitted"}).table
    assert values(table, "submitted") == ["2024-06-03"]
