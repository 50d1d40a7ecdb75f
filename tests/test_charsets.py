"""One decoder for feeds, dropped files and `monitor extract`: each path reads files built here in
UTF-8, UTF-8 with a BOM, GB18030 and Big5, and none comes out garbled."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import httpx
import pytest

from collectors.base import FetchContext
from collectors.runner import collect
from monitor.charsets import UndecodableText, decode, to_utf8
from monitor.extract.readers import read_document
from tests.collectors.agency_files import settle
from tests.collectors.helpers import NOW, TZ, collect_once, feed

ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "big5"]
# Traditional characters throughout, so that the same text exists in Big5 and in the others.
HEADER = {"辦件編號": "id", "受理時間": "submitted", "辦結時間": "completed"}
CSV = "辦件編號,受理時間,辦結時間\n" + "".join(
    f"區{i:03d},2024-06-0{i} 09:30,2024-06-0{i + 1} 10:30\n" for i in range(3, 8))
DOCUMENT = ("臺北市政府關於優化營商環境的實施方案\n"
            "一、企業開辦時間壓縮至1個工作日以內，不動產登記辦理時間壓縮至5個工作日。\n")
SERIES = [{"name": "cases", "type": "cases"}]


def cases_of(result) -> list[str]:
    assert result.ok, result.error
    assert result.rows_rejected == {}, result.rows_rejected
    return sorted(str(i) for i in result.cases[0].ids)


def test_the_decoder_names_each_encoding_and_gets_the_text_back():
    for encoding in ENCODINGS:
        decoded = decode(DOCUMENT.encode(encoding))
        assert decoded.text == DOCUMENT, encoding
    assert decode(DOCUMENT.encode("big5")).encoding == "big5"
    assert decode("办结时限压缩至5个工作日".encode("gbk")).encoding == "gb18030"


def test_a_declared_gb2312_body_with_gbk_characters_is_read_as_gb18030():
    text = "镕基,堃"   # GBK only, not in GB2312
    assert decode(text.encode("gbk"), declared="gb2312").text == text


def test_bytes_in_no_encoding_are_an_error_or_replaced_when_lenient():
    garbage = b"\x81\x20\xff\xfe\x00" * 4 + b"\xa4"
    with pytest.raises(UndecodableText, match="neither UTF-8 nor"):
        decode(garbage[5:])
    assert "\ufffd" in decode(garbage[5:], lenient=True).text
    with pytest.raises(UndecodableText, match="not big5"):
        decode("办结".encode(), configured="big5")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_an_http_csv_feed_in_any_encoding_reads_the_same_cases(encoding):
    body = CSV.encode(encoding)
    spec = feed(kind="http_csv", url="http://feed.example/cases.csv", columns=HEADER, series=SERIES)

    async def run():
        transport = httpx.MockTransport(lambda request: httpx.Response(
            200, content=body, headers={"content-type": "text/csv"}))
        async with httpx.AsyncClient(transport=transport) as client:
            return await collect(spec, FetchContext(client=client, now=NOW, timezone=TZ))
    assert cases_of(asyncio.run(run())) == [f"區{i:03d}" for i in range(3, 8)]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_an_http_json_feed_in_any_encoding_reads_the_same_value(encoding):
    # Garbled, the key is not found. (Three characters alone are ambiguous: 辦結數 in Big5 bytes is
    # 快挡计 in GBK, and a tie goes to GB18030; a body always says more than its key.)
    body = json.dumps({"單位": "臺北市政府資訊處", "辦結數": 5}, ensure_ascii=False).encode(encoding)
    spec = feed(kind="http_json", url="http://feed.example/v.json", series=[{"name": "v", "path": '"辦結數"'}])

    async def run():
        transport = httpx.MockTransport(lambda request: httpx.Response(
            200, content=body, headers={"content-type": "application/json"}))
        async with httpx.AsyncClient(transport=transport) as client:
            return await collect(spec, FetchContext(client=client, now=NOW, timezone=TZ))
    result = asyncio.run(run())
    assert result.ok, result.error
    assert [v.value for v in result.values if v.series == "v"] == [5.0]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_dropped_csv_in_any_encoding_reads_the_same_cases(tmp_path, encoding):
    path = tmp_path / f"cases-{encoding}.csv"
    path.write_bytes(CSV.encode(encoding))
    settle(path)
    result = collect_once(feed(kind="file", path=str(tmp_path), columns=HEADER, series=SERIES), now=datetime.now(TZ))
    assert cases_of(result) == [f"區{i:03d}" for i in range(3, 8)]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("suffix", [".txt", ".html"])
def test_a_document_to_extract_in_any_encoding_reads_the_same_text(tmp_path, encoding, suffix):
    text = DOCUMENT if suffix == ".txt" else f"<html><body><p>{DOCUMENT}</p></body></html>"
    path = tmp_path / f"plan{suffix}"
    path.write_bytes(text.encode(encoding))
    assert "企業開辦時間壓縮至1個工作日以內" in read_document(path)


@pytest.mark.parametrize("encoding", ENCODINGS + ["utf-16"])
def test_to_utf8_gives_the_decoded_text_as_utf8_without_a_bom(encoding):
    assert to_utf8(CSV.encode(encoding)) == CSV.encode("utf-8")


def test_to_utf8_follows_the_rule_for_configured_declared_and_undecodable_bytes():
    utf8 = "镕基".encode()
    assert to_utf8(utf8) is utf8                                   # UTF-8 is not copied
    assert to_utf8("镕基".encode("gbk"), declared="gb2312") == utf8
    assert to_utf8("镕基".encode("gb18030"), configured="gb18030") == utf8
    with pytest.raises(UndecodableText, match="not big5"):
        to_utf8(utf8, configured="big5")
    with pytest.raises(UndecodableText, match="neither UTF-8 nor"):
        to_utf8(b"\x81\x20\xff\xfe\x00" * 4 + b"\xa4")
