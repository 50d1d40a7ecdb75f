"""Shared fixtures: the repository root, the shipped catalogue, database URLs (SQLite and PostgreSQL)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.needs import missing

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shipped_catalogue():
    from monitor.loader import load_catalogue
    return load_catalogue(ROOT / "targets.yaml")


def on_demo_feed(catalogue):
    """The catalogue with every wired commitment measured on one demo feed (series and aggregates kept):
    the demo generator's own check, now that the shipped catalogue reads agencies' files and reports."""
    import dataclasses
    from types import MappingProxyType

    from monitor.model import Catalogue
    from monitor.spec.feeds import DemoFeed
    demo = DemoFeed(kind="demo", id="demo")
    commitments = {cid: dataclasses.replace(c, measure=dataclasses.replace(c.measure, feed="demo"), max_age=demo.max_age)
                   if c.wired else c for cid, c in catalogue.commitments.items()}
    wired: Catalogue = dataclasses.replace(catalogue, feeds=MappingProxyType({"demo": demo}),
                                           commitments=MappingProxyType(commitments))
    return wired


@pytest.fixture(scope="session")
def shipped_on_demo(shipped_catalogue):
    return on_demo_feed(shipped_catalogue)


def postgres_reachable() -> bool:
    try:
        with socket.create_connection((POSTGRES_HOST, POSTGRES_PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema-isolated database URL on the local PostgreSQL (database `test`); a skip when
    there is none, a failure under CI (`tests.needs.missing`)."""
    if not postgres_reachable():
        missing(f"no PostgreSQL at {POSTGRES_HOST}:{POSTGRES_PORT}")
    import sqlalchemy
    schema = f"t_{uuid.uuid4().hex[:10]}"
    base = f"postgresql+psycopg2://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/test"
    engine = sqlalchemy.create_engine(base)
    try:
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    except sqlalchemy.exc.OperationalError as exc:
        missing(f"PostgreSQL at {POSTGRES_HOST}:{POSTGRES_PORT} refused the connection: {exc.orig}")
    yield f"{base}?options=-csearch_path%3D{schema}"
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'monitor.db'}"
    return request.getfixturevalue("postgres_url")
