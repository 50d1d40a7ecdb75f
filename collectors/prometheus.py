"""The `prometheus` feed kind: one instant query through the Prometheus HTTP API (/api/v1/query).

Each series picks samples by label (`where`); with no `where` the query must return exactly
one sample. A sample's own timestamp is its data time. Several samples for one series is an
error (say which with `where`); NaN and infinite values are rejected like any unusable row.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar

import httpx

from collectors.base import Collector, FeedError, FetchContext
from collectors.http import auth_headers, fetch_body
from collectors.series import check_value
from monitor.observations import CollectionResult, ValuePoint
from monitor.spec.feeds import PrometheusFeed


def query_url(base: str) -> str:
    return str(httpx.URL(base.rstrip("/") + "/api/v1/query"))


def samples(payload: Any) -> list[tuple[dict[str, str], float, str]]:
    """(labels, timestamp, value text) of an instant query's answer."""
    if not isinstance(payload, dict):
        raise FeedError("decode", "the answer is not a JSON object")
    if payload.get("status") != "success":
        raise FeedError("schema", f"Prometheus answered {payload.get('errorType', 'error')}: "
                                  f"{payload.get('error', 'no message')}")
    try:
        data = payload["data"]
        kind, result = data["resultType"], data["result"]
        if kind == "vector":
            return [(dict(s.get("metric", {})), float(s["value"][0]), str(s["value"][1])) for s in result]
        if kind == "scalar":
            return [({}, float(result[0]), str(result[1]))]
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        raise FeedError("schema", f"unexpected Prometheus answer: {exc!r}") from None
    raise FeedError("schema", f"an instant query must return a vector or scalar, got {kind!r}")


class PrometheusCollector(Collector[PrometheusFeed]):
    kind: ClassVar[str] = "prometheus"

    async def fetch(self, feed: PrometheusFeed, context: FetchContext) -> CollectionResult:
        body = await fetch_body(context, query_url(feed.url), feed_id=feed.id, timeout=feed.timeout.total_seconds(),
                                retries=feed.retries, max_bytes=feed.max_bytes,
                                headers=auth_headers(feed.auth, context.env),
                                params={"query": feed.query, "time": f"{context.now.timestamp():.3f}"},
                                verify_tls=feed.verify_tls)
        try:
            payload = json.loads(body.content)
        except ValueError as exc:
            raise FeedError("decode", f"not JSON ({body.content_type or 'no content type'}): {exc}") from None
        found = samples(payload)
        result = CollectionResult(feed=feed.id, fetched_at=context.now, ok=True, bytes_read=len(body.content))
        specs = feed.series or []
        if not specs:
            raise FeedError("config", f"feed {feed.id!r} has no series: nothing to collect")
        for spec in specs:
            if spec.type == "cases":
                raise FeedError("config", f"series {spec.name!r}: a Prometheus feed gives values, not cases")
            matching = [s for s in found if all(s[0].get(k) == v for k, v in spec.where.items())]
            if len(matching) > 1:
                labels = ", ".join(json.dumps(m[0], ensure_ascii=False) for m in matching[:3])
                raise FeedError("schema", f"series {spec.name!r}: {len(matching)} samples match ({labels}, ...); "
                                          "narrow it with 'where' labels")
            if not matching:
                result.rows_rejected["no_sample"] = result.rows_rejected.get("no_sample", 0) + 1
                continue
            _, timestamp, text = matching[0]
            value, reason = check_value(spec, _number(text))
            if reason:
                result.rows_rejected[reason] = result.rows_rejected.get(reason, 0) + 1
                continue
            when = datetime.fromtimestamp(timestamp, context.timezone)
            result.values.append(ValuePoint(spec.name, when, value))
            result.rows_accepted += 1
        return result


def _number(text: str) -> float | str:
    try:
        return float(text)   # "NaN", "+Inf" parse and are then rejected as not_a_number
    except ValueError:
        return text
