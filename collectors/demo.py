"""The `demo` feed kind: the built-in demo server's JSON, read over real HTTP like any feed."""

from __future__ import annotations

import asyncio
import json
import math
from datetime import datetime
from typing import Any, ClassVar

import msgspec

from collectors.base import Collector, FeedError, FetchContext
from collectors.case_batch import CaseRows, build_case_batches
from collectors.records import build_case_records, count_rejections
from collectors.timebounds import IN_FUTURE, TimeWindow
from monitor.observations import CaseRecords, CollectionResult, ValuePoint
from monitor.spec.feeds import FeedBase


class DemoCollector(Collector[FeedBase]):
    kind: ClassVar[str] = "demo"

    async def fetch(self, feed: FeedBase, context: FetchContext) -> CollectionResult:
        url = getattr(feed, "url", None) or context.demo_url
        if not url:
            raise FeedError("config", "the demo feed has no url; start the daemon with --demo")
        if "?" not in url:   # the demo server serves each demo feed its own commitments' series
            url = f"{url}?feed={feed.id}"
        response = await context.client.get(url, timeout=feed.timeout.total_seconds())
        if response.status_code != 200:
            raise FeedError("http_status", f"HTTP {response.status_code} from {url}")
        if len(response.content) > feed.max_bytes:
            raise FeedError("too_large", f"{len(response.content)} bytes, more than max_bytes {feed.max_bytes}")
        # off the event loop, as the other kinds parse: the loop also answers /metrics and the pages
        return await asyncio.to_thread(_read, feed.id, response.content, context)


def _read(feed_id: str, content: bytes, context: FetchContext) -> CollectionResult:
    try:
        series_list = _decode(content)["series"]
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise FeedError("decode", f"not demo JSON: {exc!r}") from exc
    result = CollectionResult(feed=feed_id, fetched_at=context.now, ok=True, bytes_read=len(content))
    window = TimeWindow.around(context.now)
    # rejections counted and case series kept in the order of the series (the reasons' order in the
    # run's record); an int stands for the case series validated together once all are read
    tally: list[dict[str, int] | int] = []
    cases: list[CaseRecords | int] = []
    case_rows: list[CaseRows] = []
    times: dict[str, tuple[datetime | None, str | None]] = {}
    try:
        for series in series_list:
            if series["type"] == "cases":
                _cases(series, window, context, case_rows, cases, tally)
            else:
                _points(series, window, result, tally, times)
        validated = build_case_batches(case_rows, context.timezone, window)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FeedError("schema", f"unexpected demo payload: {exc!r}") from exc
    for records in cases:
        result.cases.append(validated[records][0] if isinstance(records, int) else records)
        result.rows_accepted += len(result.cases[-1])
    for counts in tally:
        count_rejections(result.rows_rejected, validated[counts][1] if isinstance(counts, int) else counts)
    return result


def _decode(content: bytes) -> Any:
    """The payload as `json.loads` reads it. msgspec reads plain UTF-8 JSON faster; what it
    refuses (NaN and Infinity, a byte-order mark, UTF-16, lone surrogates, numbers beyond a float, deep
    nesting, bad JSON) is read again by `json.loads`, which takes what it takes and raises its own error otherwise."""
    try:
        return msgspec.json.decode(content)
    except (msgspec.MsgspecError, RecursionError):   # too deep for msgspec: json.loads says so in its words
        return json.loads(content)


def _aware_time(text: object) -> datetime:
    moment = datetime.fromisoformat(str(text))
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} has no UTC offset")
    return moment


def _cases(series: dict[str, Any], window: TimeWindow, context: FetchContext, case_rows: list[CaseRows],
           cases: list[CaseRecords | int], tally: list[dict[str, int] | int]) -> None:
    rows = series["records"]
    data_time = _aware_time(series["data_time"])
    if window.reason(data_time) == IN_FUTURE:
        data_time = context.now         # cases are dated by their own times: a later stamp leaves none out
    if (outside := window.reason(data_time)) is not None:
        tally.append({outside: len(rows)})
        return
    raw = CaseRows(series["name"], data_time, [r.get("submitted") for r in rows], [r.get("completed") for r in rows],
                   [r["id"] for r in rows] if all("id" in r for r in rows) else None)
    if raw.plain():
        cases.append(len(case_rows))
        tally.append(len(case_rows))
        case_rows.append(raw)
        return
    # cells that are not text: validated alone, where the series stands (an error is this series')
    records, rejected = build_case_records(raw.series, data_time, raw.submitted, raw.completed, context.timezone,
                                           raw.ids, window=window)
    cases.append(records)
    tally.append(rejected)


_UNREADABLE = "unparseable_time"


def _points(series: dict[str, Any], window: TimeWindow, result: CollectionResult,
            tally: list[dict[str, int] | int], times: dict[str, tuple[datetime | None, str | None]]) -> None:
    """The series' points; `times` holds each time text read so far in this payload (its series share
    their days: a time is parsed and checked against the window once, not once per point)."""
    rejected: dict[str, int] = {}
    name = series["name"]
    accepted: list[ValuePoint] = []   # added at the end: a payload that fails (schema) is dropped whole anyway
    append, isfinite = accepted.append, math.isfinite
    for point in series["points"]:
        text = point["time"]
        known = times.get(text) if type(text) is str else None
        if known is None:
            known = _time_and_reason(text, window)
            if type(text) is str:
                times[text] = known
        when, reason = known
        if when is not None:   # the value of a point whose time cannot be read is not looked at
            value = float(point["value"])
            if not isfinite(value):
                reason = "not_a_number"
        if reason is not None:
            rejected[reason] = rejected.get(reason, 0) + 1
            continue
        assert when is not None   # a time that could not be read has its reason
        append(ValuePoint(name, when, value))
    result.values += accepted
    result.rows_accepted += len(accepted)
    if rejected:
        tally.append(rejected)


def _time_and_reason(text: object, window: TimeWindow) -> tuple[datetime | None, str | None]:
    """A point's time, and why it cannot be used (or None)."""
    try:
        when = _aware_time(text)
    except ValueError:
        return None, _UNREADABLE
    return when, window.reason(when)
