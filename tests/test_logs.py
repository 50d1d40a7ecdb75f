"""Logs are events with fields: JSON lines whose keys are the fields, or key=value text."""

from __future__ import annotations

import asyncio
import io
import json
import logging

import httpx
import pytest

from collectors.base import FetchContext
from collectors.runner import collect
from monitor.service.logs import JsonFormatter, TextFormatter
from tests.collectors.helpers import NOW, TZ, feed


@pytest.fixture
def logged(request):
    """Lines the root logger writes through the formatter under test (param: "json" or "text")."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if request.param == "json" else TextFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    level, root.level = root.level, logging.INFO
    yield lambda: stream.getvalue().splitlines()
    root.removeHandler(handler)
    root.setLevel(level)


def collect_a_failing_feed() -> None:
    """A real collection whose runner logs `collection` (an HTTP 404, error category http_status)."""
    spec = feed(id="rates", kind="http_json", url="http://feed.example/r.json", series=[{"name": "v", "path": "v"}])

    async def run():
        transport = httpx.MockTransport(lambda request: httpx.Response(404))
        async with httpx.AsyncClient(transport=transport) as client:
            return await collect(spec, FetchContext(client=client, now=NOW, timezone=TZ))
    assert not asyncio.run(run()).ok


@pytest.mark.parametrize("logged", ["json"], indirect=True)
def test_json_lines_carry_the_event_and_its_fields_as_keys(logged):
    collect_a_failing_feed()
    entries = [json.loads(line) for line in logged()]
    collection = next(e for e in entries if e.get("event") == "collection")
    assert collection["logger"] == "monitor.collect" and collection["level"] == "warning"
    assert collection["feed"] == "rates" and collection["kind"] == "http_json"
    assert collection["ok"] is False and collection["category"] == "http_status"
    assert collection["rows_accepted"] == 0 and isinstance(collection["duration_s"], float)
    assert "HTTP 404" in collection["error"] and "event=" not in json.dumps(collection)


@pytest.mark.parametrize("logged", ["json"], indirect=True)
def test_a_library_message_and_a_traceback_are_fields_too(logged):
    logging.getLogger("uvicorn.error").warning("Invalid HTTP request received.")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("monitor.daemon").exception("reload_crashed")
    library, crash = (json.loads(line) for line in logged())
    assert library["message"] == "Invalid HTTP request received." and "event" not in library
    assert crash["event"] == "reload_crashed" and "ValueError: boom" in crash["exception"]


@pytest.mark.parametrize("logged", ["text"], indirect=True)
def test_text_lines_are_key_value_with_the_event_name_kept(logged):
    collect_a_failing_feed()
    line = next(line for line in logged() if " event=collection " in line)
    assert line.startswith("time=") and " level=WARNING logger=monitor.collect event=collection feed=rates " in line
    assert " kind=http_json ok=False category=http_status rows_accepted=0 " in line
    assert ' error="HTTP 404 from http://feed.example/r.json' in line


@pytest.mark.parametrize("logged", ["text"], indirect=True)
def test_a_value_with_a_line_break_cannot_forge_a_text_line(logged):
    logging.getLogger("monitor.collect.file").info(
        "file_accepted", extra={"feed": "drop", "file": "x.csv\ntime=2026 level=INFO event=forged"})
    (line,) = logged()
    assert line.endswith('event=file_accepted feed=drop file="x.csv\\ntime=2026 level=INFO event=forged"')
