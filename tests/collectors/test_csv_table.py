"""A feed's CSV read by pyarrow into numpy text columns: header mapping, quoting, encodings, ragged
rows and the hostile files an agency's server may send."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from collectors import arrow_text
from collectors.arrow_text import to_text
from collectors.base import FeedError
from collectors.csv_reader import BLOCK_BYTES, FIRST_BLOCK_BYTES
from collectors.csv_table import parse_csv_bytes

PLAIN = "编号,值,值,备注\nA1,1,2,x\nA2,3,4,y\n"          # a header written twice
QUOTED = '编号,值,值,备注\nA1,1,2,"x, quoted"\nA2,3,4,y\n'


def values(table, name):
    return [str(v) for v in table.columns[name]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "big5", "utf-16"])
@pytest.mark.parametrize("text", [PLAIN, QUOTED], ids=["plain", "quoted"])
def test_a_header_written_twice_reads_its_leftmost_column_in_every_encoding(text, encoding):
    table = parse_csv_bytes(text.replace("编号", "編號").replace("备注", "備註").encode(encoding)).table
    assert values(table, "值") == ["1", "3"]
    assert list(table.columns) == ["編號", "值", "備註"] and len(table.columns) == 3


def test_two_headers_renamed_alike_read_the_leftmost():
    table = parse_csv_bytes("编号,受理时间,受理日期\nA1,2024-06-03,2024-06-04\n".encode(),
                            rename={"受理时间": "submitted", "受理日期": "submitted"}).table
    assert values(table, "submitted") == ["2024-06-03"]


def test_columns_are_numpy_text_arrays():
    table = parse_csv_bytes(PLAIN.encode()).table
    assert table.n_rows == 2
    assert all(isinstance(column, np.ndarray) and column.dtype.kind == "U" for column in table.columns.values())


def test_quoted_cells_keep_their_commas_line_breaks_and_doubled_quotes():
    content = '编号,备注,受理时间\r\nA1,"一行,\n两行 ""引号""",2024-06-03\r\n"A2","",2024-06-04\r\n'.encode()
    parsed = parse_csv_bytes(content)
    assert values(parsed.table, "备注") == ['一行,\n两行 "引号"', ""]
    assert values(parsed.table, "编号") == ["A1", "A2"] and parsed.rejected == {}


def test_rows_with_another_field_count_are_rejected_and_blank_rows_skipped():
    content = "编号,值,备注\n\nA1,1,x\nA2,2\nA3,3,z,extra\n , \n\"\",\"\"\n,,\nA4,4,w".encode()
    parsed = parse_csv_bytes(content)
    # a blank row of the header's width is a row (as with the csv module); the last line needs no line break
    assert values(parsed.table, "编号") == ["A1", "", "A4"]
    assert parsed.rejected == {"wrong_field_count": 2}


def test_header_cells_are_trimmed_and_renamed():
    table = parse_csv_bytes(" 编号 ,\t受理时间\nA1,2024-06-03\n".encode(), rename={"受理时间": "submitted"}).table
    assert list(table.columns) == ["编号", "submitted"]


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\r\n"], ids=["empty", "blank-lines", "crlf"])
def test_a_file_without_a_header_is_a_schema_error(content):
    with pytest.raises(FeedError, match="the CSV has no header row") as caught:
        parse_csv_bytes(content)
    assert caught.value.category == "schema"


@pytest.mark.parametrize("content", ["编号,值\n", "编号,值"], ids=["with-newline", "without"])
def test_a_header_alone_is_a_table_without_rows(content):
    table = parse_csv_bytes(content.encode()).table
    assert table.n_rows == 0 and list(table.columns) == ["编号", "值"] and len(table.columns["值"]) == 0


def test_a_later_header_row_skips_the_title_above_it():
    table = parse_csv_bytes("某区政务服务统计表\n编号,值\nA1,1\n".encode(), header_row=2).table
    assert values(table, "值") == ["1"]


def test_an_unclosed_quote_reads_to_the_end_of_the_file_like_the_csv_module():
    table = parse_csv_bytes('编号,值\nA1,"x\nA2,3\n'.encode()).table
    assert values(table, "值") == ["x\nA2,3\n"]


def test_a_row_longer_than_two_blocks_of_the_reader_is_a_decode_error_naming_the_limit():
    content = b"id,note\n1," + b"x" * (2 * BLOCK_BYTES + 10) + b"\n2,y\n"
    with pytest.raises(FeedError, match="more than one 16 MiB block") as caught:
        parse_csv_bytes(content)
    assert caught.value.category == "decode"


def test_a_row_longer_than_the_first_block_is_read_in_larger_blocks():
    note = "x" * (FIRST_BLOCK_BYTES * 3)
    table = parse_csv_bytes(f"id,note\n1,{note}\n2,y\n".encode()).table
    assert table.columns["note"][0] == note and values(table, "id") == ["1", "2"]


def test_a_column_too_large_to_hold_as_text_is_an_error_naming_it_and_other_columns_still_read(monkeypatch):
    monkeypatch.setattr(arrow_text, "MAX_TEXT_CELLS", 1000)       # 2 rows × 5,000 characters
    table = parse_csv_bytes(f"id,note\n1,{'长' * 5000}\n2,y\n".encode()).table
    assert values(table, "id") == ["1", "2"]
    with pytest.raises(FeedError, match="column 'note': 2 rows with cells up to 5,000 characters") as caught:
        table.column("note", "s")
    assert caught.value.category == "too_large"


def test_bytes_in_no_encoding_or_not_in_the_configured_one_are_decode_errors():
    with pytest.raises(FeedError, match="neither UTF-8 nor") as caught:
        parse_csv_bytes(b"\x81\x20\xff\xfe\x00" * 4 + b"\xa4")
    assert caught.value.category == "decode"
    with pytest.raises(FeedError, match="not big5"):
        parse_csv_bytes("编号,值\n".encode(), configured="big5")


def test_a_declared_gb2312_body_with_gbk_characters_is_read():
    assert values(parse_csv_bytes("编号,名\n1,镕基\n".encode("gbk"), declared="gb2312").table, "名") == ["镕基"]


def test_another_delimiter_and_a_multibyte_one():
    assert values(parse_csv_bytes("编号;值\nA1;1,5\n".encode(), delimiter=";").table, "值") == ["1,5"]
    assert values(parse_csv_bytes("编号\t值\nA1\t1\n".encode(), delimiter="\t").table, "值") == ["1"]
    with pytest.raises(FeedError, match="one ASCII character") as caught:
        parse_csv_bytes("编号；值\nA1；1\n".encode(), delimiter="；")
    assert caught.value.category == "config"


def test_a_wide_file_whose_header_has_more_fields_than_the_first_block_shows_is_all_text():
    header = ",".join(f"c{i}" for i in range(5000))
    table = parse_csv_bytes(f"{header}\n{','.join('1' * 5000)}\n".encode()).table
    assert values(table, "c4999") == ["1"]


cells = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=12)


@given(st.lists(cells, max_size=20), st.integers(0, 3))
def test_arrow_strings_become_the_same_numpy_text(strings, split):
    column = pa.chunked_array([pa.array(strings[:split], pa.string()), pa.array(strings[split:], pa.string())])
    assert to_text(column).tolist() == strings
    assert to_text(column.combine_chunks().slice(min(split, len(strings)))).tolist() == strings[split:]
