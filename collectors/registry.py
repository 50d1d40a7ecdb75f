"""Which collector serves which feed kind. An unknown kind is an error listing the known ones."""

from __future__ import annotations

from typing import Any

from collectors.base import Collector
from collectors.demo import DemoCollector
from collectors.file_drop import FileCollector
from collectors.http_csv import HttpCsvCollector
from collectors.http_json import HttpJsonCollector
from collectors.prometheus import PrometheusCollector
from collectors.sql import SqlCollector


class UnknownFeedKind(KeyError):
    """A feed kind no collector serves."""

    def __str__(self) -> str:
        return str(self.args[0])


_COLLECTORS: dict[str, Collector[Any]] = {c.kind: c for c in (
    DemoCollector(), HttpJsonCollector(), HttpCsvCollector(), FileCollector(), SqlCollector(), PrometheusCollector(),
)}


def register(collector: Collector[Any]) -> None:
    _COLLECTORS[collector.kind] = collector


def collector_for(kind: str) -> Collector[Any]:
    try:
        return _COLLECTORS[kind]
    except KeyError:
        raise UnknownFeedKind(f"unknown feed kind {kind!r}; known kinds: {', '.join(sorted(_COLLECTORS))}") from None


def known_kinds() -> list[str]:
    return sorted(_COLLECTORS)
