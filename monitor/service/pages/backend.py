"""What the listener's routes (web.py, the pages, the API, the editor's and the dispute form) ask of
the daemon. Apart from web.py so that the route modules web.py assembles do not import it back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from prometheus_client import CollectorRegistry

from monitor.service.pages.views import HistoryPoint, Snapshot


class WebBackend(Protocol):
    registry: CollectorRegistry

    def health(self) -> tuple[bool, dict[str, Any]]: ...
    def status(self, commitment: str | None) -> dict[str, Any] | None: ...
    async def reload(self) -> tuple[bool, list[str]]: ...
    def snapshot(self) -> Snapshot: ...
    def history(self, commitment: str, limit: int) -> Sequence[HistoryPoint] | None: ...   # None: store unreadable


class PageDisputes(Protocol):
    """What a commitment's page shows of its disputes (monitor/service/disputes/desk.py's DisputeDesk)."""

    def operators(self) -> list[str]: ...
    def for_page(self, commitment: str) -> list[dict[str, Any]]: ...
