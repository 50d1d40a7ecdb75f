"""The pages and the API on a small catalogue, served by the real application through TestClient."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry

from monitor.evaluate import Evaluation
from monitor.loader import load_catalogue
from monitor.model import Catalogue
from monitor.service.pages.views import HistoryPoint, Snapshot
from monitor.service.web import build_app

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2021, 6, 1, 2, 0, tzinfo=UTC)


@dataclass
class FakeBackend:
    catalogue: Catalogue
    board: Mapping[str, Evaluation]
    histories: dict[str, list[HistoryPoint]] = field(default_factory=dict)
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    reloads: int = 0

    def health(self) -> tuple[bool, dict]:
        return True, {"status": "ok"}

    def status(self, commitment: str | None) -> dict | None:
        if commitment is None:
            return {"commitments": list(self.board)}
        return {"commitment": commitment} if commitment in self.catalogue.commitments else None

    async def reload(self) -> tuple[bool, list[str]]:
        self.reloads += 1
        return True, []

    def snapshot(self) -> Snapshot:
        return Snapshot(self.catalogue, self.board, NOW)

    def history(self, commitment: str, limit: int) -> Sequence[HistoryPoint]:
        return self.histories.get(commitment, [])[-limit:]


def verdict(commitment: str, status: str, actual: float | None, **extra) -> Evaluation:
    return Evaluation(commitment=commitment, evaluated_at=NOW, status=status, actual=actual,
               reason=extra.pop("reason", f"{status} in test"), data_time=NOW - timedelta(minutes=5), **extra)


@pytest.fixture
def catalogue() -> Catalogue:
    return load_catalogue(FIXTURES / "targets.yaml", seeds_dirs=[FIXTURES])


@pytest.fixture
def board() -> dict[str, Evaluation]:
    return {
        "town2021.setup_days": verdict("town2021.setup_days", "met", 0.5, target=1, op="<=", unit="个工作日", margin=0.5),
        "town2021.online_share": verdict("town2021.online_share", "at_risk", 91, target=90, op=">=", unit="%",
                                         margin=1),
        "town2021.new_firms": verdict("town2021.new_firms", "missed", 1500, target=1800, op=">=", unit="家",
                                      margin=-300, expected=1800, settled_on=date(2021, 12, 31)),
        "town2021.property_days": verdict("town2021.property_days", "missed", 80, target=95, op=">=", unit="%",
                                          margin=-15, cases=40, provisional=True, overdue_open=3,
                                          overdue_case_ids=("BDC-0001", "BDC-0017", "BDC-0203"),
                                          duration_quantiles=((0.5, 3.0), (0.9, 6.5), (0.95, 7.0), (1.0, 9.0))),
    }


@pytest.fixture
def backend(catalogue, board) -> FakeBackend:
    history = [HistoryPoint(NOW - timedelta(hours=h), "met" if h > 2 else "at_risk", 95 - h, 90) for h in range(6, -1, -1)]
    return FakeBackend(catalogue, board, {"town2021.online_share": history})


class Client:
    """Requests to the ASGI application in process (httpx.ASGITransport), one event loop per request."""

    def __init__(self, app) -> None:
        self.app = app

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        async def send() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://pages.test") as c:
                return await c.request(method, path, **kwargs)
        return asyncio.run(send())

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.request("POST", path, **kwargs)


@pytest.fixture
def client(backend) -> Client:
    return Client(build_app(backend))
