"""Point 1 and 9 of issue 11 replayed against the real daemon: absurd dates, "9,5", look-alike ids,
redirect loops and deep JSON from a real HTTP server."""

from __future__ import annotations

import json
from datetime import timedelta, timezone

from tests.faults.harness import catalogue_yaml, count, daemon_for, feed_yaml, samples
from tests.integration.daemon_process import daemon_now

CASES_SERIES = "      - {name: rate, type: cases, records: cases}\n"


def redirect_to_itself(handler, query) -> None:
    handler.send_response(302)
    handler.send_header("Location", handler.path)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def json_route(payload):
    body = json.dumps(payload).encode()
    return lambda handler, query: handler.answer(200, body, "application/json")


def test_hostile_feed_data_is_rejected_and_counted_and_no_collection_is_a_bug(tmp_path, feeds):
    today = daemon_now().astimezone(timezone(timedelta(hours=8))).date()
    feeds.routes.update({
        "/future": json_route({"stats": {"online_rate": 99, "as_of": "9999-12-31"}}),
        "/comma": json_route({"stats": {"online_rate": "9,5"}}),
        "/cases": json_route({"cases": [
            {"id": 7, "submitted": "1900-01-01", "completed": "1900-01-02"},
            {"id": 8, "submitted": "9999-12-30", "completed": ""},
            {"id": 9, "submitted": str(today), "completed": str(today)},
            {"id": "9", "submitted": str(today), "completed": str(today)}]}),
        "/loop": redirect_to_itself,
        "/deep": lambda handler, query: handler.answer(200, b"[" * 200_000 + b"]" * 200_000, "application/json"),
    })
    future_series = "      - {name: rate, type: share, path: stats.online_rate, time_path: stats.as_of}\n"
    catalogue = catalogue_yaml([
        feed_yaml("future", feeds.url + "/future", series=future_series),
        feed_yaml("comma", feeds.url + "/comma"),
        feed_yaml("cases", feeds.url + "/cases", series=CASES_SERIES),
        feed_yaml("loop", feeds.url + "/loop", extra="    retries: 0\n"),
        feed_yaml("deep", feeds.url + "/deep", extra="    retries: 0\n"),
    ])
    daemon = daemon_for(tmp_path, catalogue).start()
    try:
        def all_collected() -> bool:
            text = daemon.metrics()
            return all(any(dict(k)["feed"] == f for k in samples(text, "monitor_collections_total"))
                       for f in ("future", "comma", "cases", "loop", "deep"))
        daemon.wait_until(all_collected, timeout=30)
        text = daemon.metrics()
        assert count(text, "monitor_feed_rows_rejected_total", feed="future", reason="time_in_future") >= 1
        assert count(text, "monitor_feed_rows_rejected_total", feed="comma", reason="unparseable_value") >= 1
        assert count(text, "monitor_feed_rows_rejected_total", feed="cases", reason="time_too_old") >= 1
        assert count(text, "monitor_feed_rows_rejected_total", feed="cases", reason="time_in_future") >= 1
        assert count(text, "monitor_feed_rows_rejected_total", feed="cases", reason="duplicate_id") >= 1
        assert count(text, "monitor_collections_total", feed="loop", result="http_status") >= 1
        assert count(text, "monitor_collections_total", feed="deep", result="decode") >= 1
        assert not [k for k in samples(text, "monitor_collections_total") if dict(k)["result"] == "internal"]
        status = daemon_status(daemon, "town2024.future")
        assert status["current"] is None or status["current"]["status"] == "no_data"   # 9999 never became the verdict
    finally:
        daemon.stop()
    log = daemon.log.read_text()
    assert "Traceback" not in log and "collector_bug" not in log


def daemon_status(daemon, commitment: str) -> dict:
    import httpx
    return httpx.get(f"{daemon.url}/status/{commitment}", timeout=10).json()
