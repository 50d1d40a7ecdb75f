"""Fixtures for the dispute tests: the alert tests' catalogue (agencies with addresses, operators),
a migrated file SQLite store, a dispute desk on a fixed clock, the real application in TestClient."""

from __future__ import annotations

import asyncio

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Mapping, Sequence

import httpx
import pytest
from prometheus_client import CollectorRegistry

from alerts.settings import AlertSettings
from monitor import migrations
from monitor.evaluate import Evaluation
from monitor.loader import load_catalogue
from monitor.model import Catalogue
from monitor.service.disputes.desk import DisputeDesk
from monitor.service.pages.views import HistoryPoint, Snapshot
from monitor.service.signed_links import LinkSigner
from monitor.service.web import build_app
from monitor.store import Store, make_engine

ALERT_FIXTURES = Path(__file__).parents[1] / "alerts" / "fixtures"
T0 = datetime(2021, 6, 1, 2, 0, tzinfo=timezone.utc)
SECRET = "dispute-test-secret-0123456789"
SITE = "http://testserver"          # TestClient's host: the public URL of the links
SETUP, FIRMS, ONLINE = "town2021.setup_days", "town2021.new_firms", "town2021.online_share"
OPS = "ops@monitor.example"


def verdict(commitment: str, status: str, actual: float | None, at: datetime = T0, **extra) -> Evaluation:
    targets = {SETUP: (1.0, "<=", "个工作日"), FIRMS: (1800.0, ">=", "家"), ONLINE: (90.0, ">=", "%")}
    target, op, unit = targets[commitment]
    return Evaluation(commitment=commitment, evaluated_at=at, status=status, actual=actual, target=target, op=op,
                      unit=unit, reason=extra.pop("reason", f"{status} in test"), data_time=at - timedelta(minutes=5),
                      **extra)


@dataclass
class Backend:
    """What the web application reads, with the dispute desk the daemon gives it."""
    catalogue: Catalogue
    board: dict[str, Evaluation]
    dispute_desk: DisputeDesk | None = None
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def health(self) -> tuple[bool, dict]:
        return True, {"status": "ok"}

    def status(self, commitment: str | None) -> dict | None:
        return None

    async def reload(self) -> tuple[bool, list[str]]:
        return True, []

    def snapshot(self) -> Snapshot:
        return Snapshot(self.catalogue, self.board, T0)

    def history(self, commitment: str, limit: int) -> Sequence[HistoryPoint]:
        return []


@pytest.fixture
def catalogue() -> Catalogue:
    return load_catalogue(ALERT_FIXTURES / "targets.yaml", seeds_dirs=[ALERT_FIXTURES])


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db' / 'monitor.db'}"


@pytest.fixture
def engine(database: str):
    Path(database.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database)
    migrations.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def alert_settings(tmp_path: Path) -> AlertSettings:
    return AlertSettings(_env_file=None, smtp_host=None, maildir=tmp_path / "mail", public_url=SITE,
                         grafana_url="http://grafana.test:3000")


@pytest.fixture
def board() -> dict[str, Evaluation]:
    return {SETUP: verdict(SETUP, "missed", 2.5, cases=19), FIRMS: verdict(FIRMS, "at_risk", 500),
            ONLINE: verdict(ONLINE, "met", 95)}


@pytest.fixture
def signer() -> LinkSigner:
    return LinkSigner(SECRET)


def make_desk(engine, signer: LinkSigner, catalogue: Catalogue, board: Mapping[str, Evaluation], folder: Path,
              settings: AlertSettings, **rates: str) -> DisputeDesk:
    return DisputeDesk(engine, signer, evidence_dir=folder, catalogue=lambda: catalogue, board=lambda: board,
                       clock=lambda: T0 + timedelta(hours=1), alert_settings=settings, **rates)


@pytest.fixture
def desk(engine, signer, catalogue, board, tmp_path, alert_settings) -> DisputeDesk:
    return make_desk(engine, signer, catalogue, board, tmp_path / "db" / "dispute-evidence", alert_settings)


@pytest.fixture
def backend(catalogue, board, desk) -> Backend:
    return Backend(catalogue, board, desk)


class Browser:
    """Requests to the ASGI application in process, keeping cookies from one request to the next as a
    browser does (starlette's TestClient is deprecated with httpx)."""

    def __init__(self, app) -> None:
        self.app = app
        self.cookies = httpx.Cookies()

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        async def send() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=SITE,
                                         cookies=self.cookies) as c:
                response = await c.request(method, path, **kwargs)
                self.cookies = c.cookies
                return response
        return asyncio.run(send())

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.request("POST", path, **kwargs)


@pytest.fixture
def client(backend) -> Browser:
    return Browser(build_app(backend))


@pytest.fixture
def store(engine) -> Store:
    return Store(engine)
