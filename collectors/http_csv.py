"""The `http_csv` feed kind: CSV over HTTP, encoding detected, headers renamed by `columns`."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from collectors.base import Collector, FeedError, FetchContext
from collectors.csv_table import parse_csv_bytes
from collectors.http import auth_headers, fetch_body, require_content_type
from collectors.records import count_rejections
from collectors.series import Extracted, extract_table
from monitor.observations import CollectionResult
from monitor.spec.feeds import HttpCsvFeed

CSV_TYPES = ("csv", "text/comma-separated-values", "application/vnd.ms-excel", "text/tab-separated-values")


def csv_series(feed: HttpCsvFeed, content: bytes, charset: str | None, context: FetchContext) -> Extracted:
    parsed = parse_csv_bytes(content, charset, feed.encoding, feed.delimiter, feed.columns)
    extracted = extract_table(feed.series, parsed.table, context.now, context.timezone)
    count_rejections(extracted.rejected, parsed.rejected)
    return extracted


class HttpCsvCollector(Collector[HttpCsvFeed]):
    kind: ClassVar[str] = "http_csv"

    async def fetch(self, feed: HttpCsvFeed, context: FetchContext) -> CollectionResult:
        if not feed.series:
            raise FeedError("config", f"feed {feed.id!r} has no series: nothing to collect")
        body = await fetch_body(context, feed.url, feed_id=feed.id, timeout=feed.timeout.total_seconds(),
                                retries=feed.retries, max_bytes=feed.max_bytes,
                                headers=auth_headers(feed.auth, context.env), params=feed.params or None,
                                verify_tls=feed.verify_tls)
        require_content_type(body, CSV_TYPES, "CSV")
        extracted = await asyncio.to_thread(csv_series, feed, body.content, body.charset, context)
        result = CollectionResult(feed=feed.id, fetched_at=context.now, ok=True, bytes_read=len(body.content))
        extracted.into(result)
        return result
