"""Which collector serves which feed kind: the one list of collectors.

A new feed kind is a collector module here, listed in COLLECTORS, and its spec class in
monitor/spec/feeds.py, listed in FEED_SPECS; tests/collectors/test_registry.py fails when the two
lists name different kinds. An unknown kind is an error listing the known ones.
"""

from __future__ import annotations

from typing import Any

from collectors.base import Collector
from collectors.demo import DemoCollector
from collectors.file_drop import FileCollector
from collectors.http_csv import HttpCsvCollector
from collectors.http_json import HttpJsonCollector
from collectors.prometheus import PrometheusCollector
from collectors.reports import ReportsCollector
from collectors.sql import SqlCollector

COLLECTORS: tuple[Collector[Any], ...] = (
    DemoCollector(), HttpJsonCollector(), HttpCsvCollector(), FileCollector(), SqlCollector(), PrometheusCollector(),
    ReportsCollector(),
)
_COLLECTORS: dict[str, Collector[Any]] = {c.kind: c for c in COLLECTORS}


class UnknownFeedKind(KeyError):
    """A feed kind no collector serves."""

    def __str__(self) -> str:
        return str(self.args[0])


def collector_for(kind: str) -> Collector[Any]:
    try:
        return _COLLECTORS[kind]
    except KeyError:
        raise UnknownFeedKind(f"unknown feed kind {kind!r}; known kinds: {', '.join(sorted(_COLLECTORS))}") from None


def close_all() -> None:
    """Every collector releases what it holds between fetches (see Collector.close)."""
    for collector in COLLECTORS:
        collector.close()
