"""The `demo` feed kind: the built-in demo server's JSON, read over real HTTP like any feed."""

from __future__ import annotations

import asyncio
import json
import math
from datetime import datetime
from typing import Any, ClassVar

from collectors.base import Collector, FeedError, FetchContext
from collectors.records import build_case_records, count_rejections
from collectors.timebounds import IN_FUTURE, TimeWindow
from monitor.observations import CollectionResult, ValuePoint
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
        series_list = json.loads(content)["series"]
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise FeedError("decode", f"not demo JSON: {exc!r}") from exc
    result = CollectionResult(feed=feed_id, fetched_at=context.now, ok=True, bytes_read=len(content))
    window = TimeWindow.around(context.now)
    try:
        for series in series_list:
            if series["type"] == "cases":
                _cases(series, window, context, result)
            else:
                _points(series, window, result)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FeedError("schema", f"unexpected demo payload: {exc!r}") from exc
    return result


def _aware_time(text: object) -> datetime:
    moment = datetime.fromisoformat(str(text))
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} has no UTC offset")
    return moment


def _reject(result: CollectionResult, reason: str, count: int = 1) -> None:
    count_rejections(result.rows_rejected, {reason: count})


def _cases(series: dict[str, Any], window: TimeWindow, context: FetchContext, result: CollectionResult) -> None:
    rows = series["records"]
    data_time = _aware_time(series["data_time"])
    if window.reason(data_time) == IN_FUTURE:
        data_time = context.now         # cases are dated by their own times: a later stamp leaves none out
    if (outside := window.reason(data_time)) is not None:
        _reject(result, outside, len(rows))
        return
    records, rejected = build_case_records(
        series["name"], data_time, [r.get("submitted") for r in rows], [r.get("completed") for r in rows],
        context.timezone, [r["id"] for r in rows] if all("id" in r for r in rows) else None, window=window)
    result.cases.append(records)
    result.rows_accepted += len(records)
    count_rejections(result.rows_rejected, rejected)


def _points(series: dict[str, Any], window: TimeWindow, result: CollectionResult) -> None:
    for point in series["points"]:
        try:
            when = _aware_time(point["time"])
        except ValueError:
            _reject(result, "unparseable_time")
            continue
        value = float(point["value"])
        reason = "not_a_number" if not math.isfinite(value) else window.reason(when)
        if reason:
            _reject(result, reason)
            continue
        result.values.append(ValuePoint(series["name"], when, value))
        result.rows_accepted += 1
