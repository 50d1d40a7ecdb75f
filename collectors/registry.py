"""Which collector serves which feed kind. An unknown kind is an error listing the known ones."""

from __future__ import annotations

from collectors.base import Collector
from collectors.demo import DemoCollector

_COLLECTORS: dict[str, Collector] = {c.kind: c for c in (DemoCollector(),)}


def register(collector: Collector) -> None:
    _COLLECTORS[collector.kind] = collector


def collector_for(kind: str) -> Collector:
    try:
        return _COLLECTORS[kind]
    except KeyError:
        raise KeyError(f"unknown feed kind {kind!r}; known kinds: {', '.join(sorted(_COLLECTORS))}") from None


def known_kinds() -> list[str]:
    return sorted(_COLLECTORS)
