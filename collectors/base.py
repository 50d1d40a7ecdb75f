"""The one interface every feed kind implements, and the context a fetch runs in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol, TypeVar
from zoneinfo import ZoneInfo

import httpx

from monitor.charsets import Decoded, UndecodableText, decode, to_utf8
from monitor.model import Catalogue
from monitor.observations import CollectionResult
from monitor.spec.feeds import FeedBase

ERROR_CATEGORIES = ("timeout", "connect", "http_status", "decode", "schema", "too_large", "config", "internal")


class FeedError(Exception):
    """A collection failed for a reason the feed's owner can act on; `category` names which."""

    def __init__(self, category: str, message: str):
        assert category in ERROR_CATEGORIES, category
        self.category = category
        super().__init__(message)


def decode_body(content: bytes, declared: str | None = None, configured: str | None = None) -> Decoded:
    """A feed body or dropped file as text (the rule is `monitor.charsets.decode`); FeedError("decode") if it is none."""
    try:
        return decode(content, declared=declared, configured=configured)
    except UndecodableText as exc:
        raise FeedError("decode", str(exc)) from None


def utf8_body(content: bytes, declared: str | None = None, configured: str | None = None) -> bytes:
    """A feed body as UTF-8 bytes (the rule is `monitor.charsets.decode`); FeedError("decode") if it is no text."""
    try:
        return to_utf8(content, declared=declared, configured=configured)
    except UndecodableText as exc:
        raise FeedError("decode", str(exc)) from None


@dataclass
class FetchContext:
    """Everything a fetch may use, given by the caller: nothing is read from module-level state.

    `timezone` is the calendar's (naive times in feeds are local to it); `dry_run` fetches and
    parses but changes nothing at the source (a drop folder moves no file).
    """

    client: httpx.AsyncClient
    now: datetime
    timezone: ZoneInfo
    env: Mapping[str, str] = field(default_factory=dict)
    demo_url: str | None = None
    dry_run: bool = False
    catalogue: Catalogue | None = None   # for feeds that check what they read against it (progress reports)


FeedKind = TypeVar("FeedKind", bound=FeedBase, contravariant=True)


class Collector(Protocol[FeedKind]):
    """One feed kind, generic in its spec (`class HttpJsonCollector(Collector[HttpJsonFeed])`).
    Collectors subclass this explicitly, so `close` has a default."""

    kind: ClassVar[str]

    async def fetch(self, feed: FeedKind, context: FetchContext) -> CollectionResult:
        """Fetch the feed once. May raise FeedError; `collect` turns anything raised into a result."""
        ...

    def close(self) -> None:
        """Release what the collector holds between fetches (pooled connections); it stays usable."""
        return None
