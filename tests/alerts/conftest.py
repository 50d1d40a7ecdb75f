"""Fixtures for the alert tests: the fixture catalogue, a file SQLite store, a pipeline writing .eml files."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.pipeline import AlertPipeline
from alerts.settings import AlertSettings
from monitor import migrations
from monitor.model import Catalogue
from monitor.store import Store, make_engine
from tests.alerts.alert_helpers import Cycle, load_fixture_catalogue


@pytest.fixture
def catalogue() -> Catalogue:
    return load_fixture_catalogue()


@pytest.fixture
def engine(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    migrations.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine) -> Store:
    return Store(engine)


@pytest.fixture
def settings(tmp_path: Path) -> AlertSettings:
    return AlertSettings(_env_file=None, smtp_host=None, maildir=tmp_path / "mail",
                         public_url="http://monitor.test:9464", grafana_url="http://grafana.test:3000")


@pytest.fixture
def pipeline(engine, settings) -> AlertPipeline:
    return AlertPipeline(engine, settings)


@pytest.fixture
def cycle(store, pipeline, catalogue) -> Cycle:
    return Cycle(store, pipeline, catalogue)

