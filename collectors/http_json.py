"""The `http_json` feed kind: JSON over HTTP, series selected with JMESPath, optionally paginated.

Pagination follows either a next-page link found in each page (`next_link`, a JMESPath; relative
links are resolved against the page's URL) or a page-number query parameter (`page_param`,
counting from `page_start` until a page has no records). More pages than `max_pages` is an error
rather than a silently partial collection; so is a next link that loops back.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import httpx

from collectors.base import Collector, FeedError, FetchContext, decode_body
from collectors.http import Body, auth_headers, fetch_body, require_content_type
from collectors.json_records import record_tables
from collectors.series import Extracted, extract_json, search
from monitor.observations import CollectionResult
from monitor.spec.feeds import HttpJsonFeed, SeriesSpec


def decode_json(body: Body) -> Any:
    text = decode_body(body.content, body.charset).text
    try:
        return json.loads(text)
    except RecursionError:
        raise FeedError("decode", f"JSON nested too deeply ({len(body.content)} bytes)") from None
    except ValueError as exc:
        raise FeedError("decode", f"not valid JSON ({body.content_type or 'no content type'}, "
                                  f"{len(body.content)} bytes): {exc}") from None


def json_series(specs: Sequence[SeriesSpec], body: Body, fetched_at: datetime, tz: ZoneInfo) -> Extracted:
    """The series of one JSON page: records at plain paths decoded straight into columns
    (`collectors.json_records`), any other page decoded whole and searched with JMESPath."""
    tables = record_tables(specs, body.content, body.charset)
    if tables is not None:
        return extract_json(specs, None, fetched_at, tz, tables=tables)
    return extract_json(specs, decode_json(body), fetched_at, tz)


class HttpJsonCollector(Collector[HttpJsonFeed]):
    kind: ClassVar[str] = "http_json"

    async def fetch(self, feed: HttpJsonFeed, context: FetchContext) -> CollectionResult:
        if not feed.series:
            raise FeedError("config", f"feed {feed.id!r} has no series: nothing to collect")
        if feed.next_link is None and feed.page_param is None:
            body = await self._page(feed, context, feed.url, 0, feed.max_bytes)
            extracted = await asyncio.to_thread(json_series, feed.series, body, context.now, context.timezone)
            size = len(body.content)
        else:
            pages, size = await self._pages(feed, context)
            records = {s.name: self._all_records(s.name, s.records, pages)
                       for s in feed.series if s.records is not None and len(pages) > 1}
            extracted = await asyncio.to_thread(extract_json, feed.series, pages[0], context.now, context.timezone,
                                                records)
        result = CollectionResult(feed=feed.id, fetched_at=context.now, ok=True, bytes_read=size)
        extracted.into(result)
        return result

    @staticmethod
    def _all_records(series: str, path: str, pages: list[Any]) -> list[Any]:
        rows: list[Any] = []
        for page in pages:
            part = search(path, page, series)
            if part is None:
                continue
            if not isinstance(part, list):
                raise FeedError("schema", f"series {series!r}: {path!r} is not a list on every page")
            rows.extend(part)
        return rows

    @staticmethod
    async def _page(feed: HttpJsonFeed, context: FetchContext, url: str, number: int, max_bytes: int,
                    headers: dict[str, str] | None = None) -> Body:
        """Page `number` (from 0) of the feed, at most `max_bytes`: the first page with the feed's
        query parameters, later ones with the page number or as the next link gives them."""
        params = dict(feed.params)
        if feed.page_param:
            params[feed.page_param] = str(feed.page_start + number)
        body = await fetch_body(context, url, feed_id=feed.id, timeout=feed.timeout.total_seconds(),
                                retries=feed.retries, max_bytes=max_bytes,
                                headers=auth_headers(feed.auth, context.env) if headers is None else headers,
                                params=params if number == 0 or feed.page_param else None,
                                verify_tls=feed.verify_tls)
        require_content_type(body, ("json",), "JSON")
        return body

    async def _pages(self, feed: HttpJsonFeed, context: FetchContext) -> tuple[list[Any], int]:
        headers = auth_headers(feed.auth, context.env)
        pages: list[Any] = []
        size, url, seen = 0, feed.url, set()
        for number in range(feed.max_pages + 1):
            if number == feed.max_pages:
                raise FeedError("schema", f"more than max_pages ({feed.max_pages}) pages; raise max_pages "
                                          "or narrow the query")
            body = await self._page(feed, context, url, number, feed.max_bytes - size, headers)
            size += len(body.content)
            page = await asyncio.to_thread(decode_json, body)
            if feed.page_param and pages and self._empty(feed, page):
                break
            pages.append(page)
            if feed.next_link:
                link = search(feed.next_link, page, feed.id)
                if not link:
                    break
                seen.add(url)
                url = str(httpx.URL(body.url).join(str(link)))
                if url in seen:
                    raise FeedError("schema", f"the next link of page {number + 1} points back to a page "
                                              "already read")
            elif not feed.page_param:
                break
        return pages, size

    @staticmethod
    def _empty(feed: HttpJsonFeed, page: Any) -> bool:
        lists = [search(s.records, page, s.name) for s in feed.series if s.records is not None]
        return not any(isinstance(rows, list) and rows for rows in lists)
