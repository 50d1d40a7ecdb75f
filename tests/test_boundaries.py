"""Packages meet at their public faces: the service wires them; none reaches into another's internals.

- collectors and alerts import nothing of the service (it passes them what they need: the
  database, the clock, settings);
- collectors and alerts do not import each other;
- outside collectors/, only its public modules are imported (base: the interface and the fetch
  context; runner: collect and release_resources; cli: the command; reporting: the agencies' report
  template and intake for the upload page), never a feed kind's module;
- alerts read the core's verdicts and collection runs through the store's API, not its tables.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_layering import imported_names

SERVICE = ROOT / "monitor" / "service"
COLLECTORS_PUBLIC = ("collectors.base", "collectors.runner", "collectors.cli", "collectors.reporting")
CORE_TABLES = ("monitor.store.Observation", "monitor.store.EvaluationRow", "monitor.store.CurrentState")


def files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def named(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


@pytest.mark.parametrize("path", files("collectors") + files("alerts"), ids=named)
def test_collectors_and_alerts_import_nothing_of_the_service_or_of_each_other(path: Path):
    other = "alerts" if named(path).startswith("collectors/") else "collectors"
    bad = [n for n in imported_names(path) if under(n, "monitor.service") or under(n, other)]
    assert not bad, f"{named(path)} imports {bad}"


@pytest.mark.parametrize("path", files("monitor") + files("alerts"), ids=named)
def test_only_the_public_modules_of_collectors_are_imported_from_outside(path: Path):
    bad = [n for n in imported_names(path) if under(n, "collectors")
           and not any(under(n, public) for public in COLLECTORS_PUBLIC)]
    assert not bad, f"{named(path)} reaches into {bad}"


@pytest.mark.parametrize("path", files("alerts"), ids=named)
def test_alerts_read_the_core_through_the_store_api_not_its_tables(path: Path):
    bad = [n for n in imported_names(path) if n in CORE_TABLES]
    assert not bad, f"{named(path)} imports the core's tables {bad}"
