"""The `demo` feed kind: the built-in demo server's JSON, read over real HTTP like any feed."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from collectors.base import FeedError, FetchContext
from collectors.records import build_case_records, count_rejections
from monitor.observations import CollectionResult, ValuePoint
from monitor.spec.feeds import FeedBase


class DemoCollector:
    kind: ClassVar[str] = "demo"

    async def fetch(self, feed: FeedBase, context: FetchContext) -> CollectionResult:
        url = getattr(feed, "url", None) or context.demo_url
        if not url:
            raise FeedError("config", "the demo feed has no url; start the daemon with --demo")
        response = await context.client.get(url, timeout=feed.timeout.total_seconds())
        if response.status_code != 200:
            raise FeedError("http_status", f"HTTP {response.status_code} from {url}")
        if len(response.content) > feed.max_bytes:
            raise FeedError("too_large", f"{len(response.content)} bytes, more than max_bytes {feed.max_bytes}")
        try:
            payload = response.json()
            series_list = payload["series"]
        except (ValueError, KeyError, TypeError) as exc:
            raise FeedError("decode", f"not demo JSON: {exc}") from exc
        result = CollectionResult(feed=feed.id, fetched_at=context.now, ok=True, bytes_read=len(response.content))
        try:
            for series in series_list:
                if series["type"] == "cases":
                    rows = series["records"]
                    records, rejected = build_case_records(
                        series["name"], datetime.fromisoformat(series["data_time"]),
                        [r.get("submitted") for r in rows], [r.get("completed") for r in rows], context.timezone,
                        [r["id"] for r in rows] if all("id" in r for r in rows) else None)
                    result.cases.append(records)
                    result.rows_accepted += len(records)
                    count_rejections(result.rows_rejected, rejected)
                else:
                    for point in series["points"]:
                        result.values.append(ValuePoint(series["name"], datetime.fromisoformat(point["time"]),
                                                        float(point["value"])))
                        result.rows_accepted += 1
        except (KeyError, TypeError, ValueError) as exc:
            raise FeedError("schema", f"unexpected demo payload: {exc!r}") from exc
        return result
