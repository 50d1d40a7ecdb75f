"""Shared HTTP fetching for the feed kinds: one injected client, bounded retries, a size cap.

Every request has explicit timeouts and a hard deadline per attempt (a server that drips one
byte a second never holds a collection for longer than the feed's timeout). Only transient
failures are retried (timeouts, refused or reset connections, 429 and 5xx), with exponential
backoff. Bodies are streamed and abandoned as soon as they pass `max_bytes`. The auth token is
read from the environment variable the feed names; its value never appears in logs or errors.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from collectors.base import FeedError, FetchContext
from monitor.spec.feeds import Auth

log = logging.getLogger("monitor.collect.http")

TRANSIENT_STATUS = frozenset({429, 500, 502, 503, 504})
_backoff: dict[str, float] = {"base": 0.5, "cap": 8.0}


def backoff_delay(attempt: int) -> float:
    """Delay before retry number `attempt` (1-based): exponential with jitter, capped."""
    delay = min(_backoff["cap"], _backoff["base"] * 2.0 ** (attempt - 1))
    return delay * random.uniform(0.5, 1.0)


@dataclass(frozen=True)
class Body:
    content: bytes
    content_type: str       # media type only, lower case ("" when absent)
    charset: str | None
    url: str                # the final URL, for resolving relative next-links


def environment_value(env: Mapping[str, str], name: str) -> str | None:
    """A variable from the injected environment, else the process environment."""
    return env.get(name) or os.environ.get(name)


def auth_headers(auth: Auth | None, env: Mapping[str, str]) -> dict[str, str]:
    if auth is None:
        return {}
    token = environment_value(env, auth.env)
    if not token:
        raise FeedError("config", f"environment variable {auth.env} (the feed's auth token) is not set")
    return {auth.header: f"{auth.scheme} {token}" if auth.scheme else token}


def _timeout(seconds: float) -> httpx.Timeout:
    return httpx.Timeout(seconds, connect=min(seconds, 5.0))


async def fetch_body(context: FetchContext, url: str, *, feed_id: str, timeout: float, retries: int,
                     max_bytes: int, headers: Mapping[str, str] | None = None,
                     params: Mapping[str, str] | None = None, verify_tls: bool = True) -> Body:
    """GET `url` with retries on transient failures; raises FeedError with a named category."""
    attempt = 0
    while True:
        try:
            if verify_tls:
                return await _attempt(context.client, url, timeout, max_bytes, headers, params)
            log.warning("tls_verify_disabled", extra={"feed": feed_id})
            async with httpx.AsyncClient(verify=False) as insecure:
                return await _attempt(insecure, url, timeout, max_bytes, headers, params)
        except _Transient as exc:
            attempt += 1
            if attempt > retries:
                raise FeedError(exc.category, f"{exc} (after {attempt} attempts)") from None
            delay = backoff_delay(attempt)
            log.info("fetch_retry", extra={"feed": feed_id, "attempt": attempt, "category": exc.category,
                                           "delay_s": round(delay, 2)})
            await asyncio.sleep(delay)


class _Transient(Exception):
    def __init__(self, category: str, message: str):
        self.category = category
        super().__init__(message)


async def _attempt(client: httpx.AsyncClient, url: str, timeout: float, max_bytes: int,
                   headers: Mapping[str, str] | None, params: Mapping[str, str] | None) -> Body:
    try:
        async with asyncio.timeout(timeout):
            return await _stream(client, url, timeout, max_bytes, headers, params)
    except (TimeoutError, httpx.TimeoutException):
        raise _Transient("timeout", f"no complete answer within {timeout:g}s from {_safe(url)}") from None
    except httpx.ConnectError as exc:
        raise _Transient("connect", f"cannot connect to {_safe(url)}: {exc}") from None
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        raise _Transient("connect", f"connection to {_safe(url)} broke: {exc}") from None
    except httpx.TooManyRedirects:
        raise FeedError("http_status", f"too many redirects from {_safe(url)} (a redirect loop?)") from None
    except httpx.InvalidURL as exc:
        raise FeedError("config", f"invalid URL {_safe(url)}: {exc}") from None
    except httpx.UnsupportedProtocol as exc:
        raise FeedError("config", f"unsupported URL {_safe(url)}: {exc}") from None
    except httpx.TransportError as exc:
        raise FeedError("connect", f"transport error for {_safe(url)}: {type(exc).__name__}: {exc}") from None
    except httpx.DecodingError as exc:
        raise FeedError("decode", f"cannot decode the response of {_safe(url)}: {exc}") from None


async def _stream(client: httpx.AsyncClient, url: str, timeout: float, max_bytes: int,
                  headers: Mapping[str, str] | None, params: Mapping[str, str] | None) -> Body:
    async with client.stream("GET", url, headers=headers, params=params, timeout=_timeout(timeout)) as response:
        if response.status_code in TRANSIENT_STATUS:
            raise _Transient("http_status", f"HTTP {response.status_code} from {_safe(url)}")
        if response.status_code != 200:
            raise FeedError("http_status", f"HTTP {response.status_code} from {_safe(url)}")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise FeedError("too_large", f"{_safe(url)} announces {declared} bytes, more than max_bytes {max_bytes}")
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise FeedError("too_large", f"{_safe(url)} sent more than max_bytes {max_bytes}; stopped reading")
            chunks.append(chunk)
        media_type, _, rest = response.headers.get("content-type", "").partition(";")
        return Body(b"".join(chunks), media_type.strip().lower(), _charset(rest), str(response.url))


def _charset(parameters: str) -> str | None:
    for part in parameters.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"').lower()
    return None


def _safe(url: str) -> str:
    """The URL without query string or user info, for messages (tokens sometimes ride in either)."""
    try:
        parsed = httpx.URL(url)
        return str(parsed.copy_with(query=None, fragment=None, username=None, password=None))
    except Exception:  # noqa: BLE001 - a message must never fail
        return "(unparseable url)"


def require_content_type(body: Body, accepted: tuple[str, ...], what: str) -> None:
    """Reject a body whose declared type is clearly something else (an HTML error page, say).

    Government servers often send JSON as text/plain or octet-stream, so only a declared type
    outside `accepted` that is not generic fails.
    """
    generic = ("", "text/plain", "application/octet-stream", "binary/octet-stream")
    if body.content_type in generic or any(a in body.content_type for a in accepted):
        return
    raise FeedError("decode", f"expected {what}, got content type {body.content_type!r} from {_safe(body.url)}")
