"""http_json and http_csv against a real HTTP server on 127.0.0.1 that misbehaves in every usual way."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from collectors.base import FetchContext
from collectors.runner import collect
from tests.collectors.feed_server import FeedServer
from tests.collectors.helpers import NOW, TZ, collect_once, fast_backoff, feed

pytestmark = pytest.mark.integration

RATE = [{"name": "online_rate", "type": "share", "path": "stats.online_rate"}]
CASES = [{"name": "setup", "type": "cases", "records": "cases"}]


@pytest.fixture(scope="module")
def server():
    with fast_backoff(), FeedServer() as running:
        yield running


def json_feed(server, path, series=RATE, **more):
    return feed(kind="http_json", url=server.url + path, series=series, **more)


def test_good_json_gives_values_and_cases_and_rejects_bad_rows(server):
    result = collect_once(json_feed(server, "/good", RATE + CASES + [
        {"name": "dated", "path": "stats.online_rate", "time_path": "updated"}]))
    assert result.ok, result.error
    assert [(v.series, v.value) for v in result.values] == [("online_rate", 96.5), ("dated", 96.5)]
    assert result.values[1].data_time.date().isoformat() == "2024-06-27"
    assert len(result.cases[0]) == 1
    assert result.rows_accepted == 3
    assert result.rows_rejected == {"end_before_start": 1, "unparseable_submitted": 1}
    assert result.bytes_read > 100


def test_slow_server_times_out_with_category_timeout(server):
    result = collect_once(json_feed(server, "/slow", timeout="0.3s", retries=0))
    assert not result.ok and result.error_category == "timeout"


def test_server_dripping_bytes_hits_the_overall_deadline(server):
    result = collect_once(json_feed(server, "/drip", timeout="0.5s", retries=0))
    assert result.error_category == "timeout"
    assert result.duration_seconds < 5


def test_persistent_500_is_retried_a_bounded_number_of_times(server):
    before = server.hits.get("/error500", 0)
    result = collect_once(json_feed(server, "/error500", retries=2))
    assert result.error is not None
    assert result.error_category == "http_status" and "500" in result.error
    assert server.hits["/error500"] - before == 3


def test_transient_503_then_success_is_ok(server):
    result = collect_once(json_feed(server, "/flaky", retries=1))
    assert result.ok and result.values[0].value == 91


def test_404_is_not_retried(server):
    before = server.hits.get("/notfound", 0)
    result = collect_once(json_feed(server, "/notfound", retries=3))
    assert result.error_category == "http_status"
    assert server.hits["/notfound"] - before == 1


def test_truncated_json_is_a_decode_error(server):
    result = collect_once(json_feed(server, "/truncated"))
    assert result.error_category == "decode"


def test_html_instead_of_json_is_a_decode_error_naming_the_type(server):
    result = collect_once(json_feed(server, "/html"))
    assert result.error is not None
    assert result.error_category == "decode" and "text/html" in result.error


def test_json_served_as_text_plain_is_accepted(server):
    assert collect_once(json_feed(server, "/json-as-text")).values[0].value == 88


def test_100_megabyte_body_stops_at_the_size_cap(server):
    result = collect_once(json_feed(server, "/huge", max_bytes=1_000_000))
    assert result.error_category == "too_large"
    assert result.duration_seconds < 5


def test_declared_100_megabytes_is_refused_before_reading(server):
    result = collect_once(json_feed(server, "/huge-declared", max_bytes=1_000_000))
    assert result.error is not None
    assert result.error_category == "too_large" and "announces" in result.error


def test_connection_refused_is_a_connect_error(server):
    result = collect_once(feed(kind="http_json", url="http://127.0.0.1:9/x", series=RATE, retries=1))
    assert result.error_category == "connect"


def test_page_parameter_pagination_reads_until_an_empty_page(server):
    spec = json_feed(server, "/pages", [{"name": "c", "type": "cases", "records": "data"}], page_param="page")
    result = collect_once(spec)
    assert result.ok and len(result.cases[0]) == 9


def test_next_link_pagination_follows_relative_links(server):
    spec = json_feed(server, "/linked", [{"name": "c", "type": "cases", "records": "data"}], next_link="links.next")
    result = collect_once(spec)
    assert result.ok and len(result.cases[0]) == 3


def test_more_pages_than_max_pages_is_an_error_not_a_partial_result(server):
    spec = json_feed(server, "/pages", [{"name": "c", "type": "cases", "records": "data"}], page_param="page",
                     max_pages=2)
    assert collect_once(spec).error_category == "schema"


def test_next_link_loop_is_detected(server):
    spec = json_feed(server, "/loop", [{"name": "c", "type": "cases", "records": "data"}], next_link="links.next")
    error = collect_once(spec).error
    assert error is not None and "points back" in error


def test_auth_token_comes_from_the_environment_and_is_never_logged(server, caplog):
    caplog.set_level(logging.DEBUG)
    spec = json_feed(server, "/secret", auth={"env": "FEED_TOKEN"})
    result = collect_once(spec, env={"FEED_TOKEN": "s3cr3t-token"})
    assert result.ok and result.values[0].value == 99
    assert "s3cr3t-token" not in caplog.text


def test_missing_auth_variable_is_a_config_error_naming_the_variable(server):
    result = collect_once(json_feed(server, "/secret", auth={"env": "FEED_TOKEN"}), env={})
    assert result.error is not None
    assert result.error_category == "config" and "FEED_TOKEN" in result.error


@pytest.mark.parametrize("path", ["/cases-csv", "/cases-csv-bom", "/cases-csv-gb18030"])
def test_csv_in_utf8_bom_or_gb18030_with_chinese_headers_is_read(server, path):
    spec = feed(kind="http_csv", url=server.url + path, columns={"编号": "id", "受理时间": "submitted", "办结时间": "completed"},
                series=[{"name": "setup", "type": "cases", "where": {"事项": "企业开办"}}])
    result = collect_once(spec)
    assert result.ok, result.error
    assert len(result.cases[0]) == 2 and result.rows_rejected == {}


def test_csv_with_a_missing_column_is_a_schema_error_listing_the_columns(server):
    spec = feed(kind="http_csv", url=server.url + "/cases-csv", series=[{"name": "x", "column": "rate"}])
    result = collect_once(spec)
    assert result.error is not None
    assert result.error_category == "schema" and "受理时间" in result.error


def test_a_hanging_feed_does_not_hold_up_another_feeds_collection(server):
    async def both():
        async with httpx.AsyncClient() as client:
            context = FetchContext(client=client, now=NOW, timezone=TZ)
            slow = asyncio.create_task(collect(json_feed(server, "/slow", timeout="3s", retries=0), context))
            fast = await collect(json_feed(server, "/good"), context)
            finished_first = not slow.done()
            return fast, finished_first, await slow
    fast, finished_first, slow = asyncio.run(both())
    assert fast.ok and finished_first
    assert slow.error_category == "timeout"
