"""Fixtures for the dispute tests (the helpers they use are in dispute_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.settings import AlertSettings
from monitor import migrations
from monitor.evaluate import Evaluation
from monitor.loader import load_catalogue
from monitor.model import Catalogue
from monitor.service.disputes.desk import DisputeDesk
from monitor.service.signed_links import LinkSigner
from monitor.service.web import build_app
from monitor.store import Store, make_engine
from tests.disputes.dispute_helpers import (
    ALERT_FIXTURES,
    FIRMS,
    ONLINE,
    SECRET,
    SETUP,
    SITE,
    Backend,
    Browser,
    make_desk,
    verdict,
)


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



@pytest.fixture
def desk(engine, signer, catalogue, board, tmp_path, alert_settings) -> DisputeDesk:
    return make_desk(engine, signer, catalogue, board, tmp_path / "db" / "dispute-evidence", alert_settings)


@pytest.fixture
def backend(catalogue, board, desk) -> Backend:
    return Backend(catalogue, board, desk)



@pytest.fixture
def client(backend) -> Browser:
    return Browser(build_app(backend))


@pytest.fixture
def store(engine) -> Store:
    return Store(engine)
