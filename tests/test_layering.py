"""Layering: the domain package (monitor/, less monitor/service/) imports nothing of the service, the
collectors or the alerts; the pure core imports no store, scheduler, metrics, HTTP or database."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOMAIN = ROOT / "monitor"
SERVICE = DOMAIN / "service"
OUTER = ("monitor.service", "collectors", "alerts")
PURE_CORE = ["monitor.spec", "monitor.model", "monitor.calendar", "monitor.cases", "monitor.comparators",
             "monitor.units", "monitor.textnum", "monitor.observations", "monitor.evaluate", "monitor.loader"]
FORBIDDEN_PACKAGES = ("alerts", "collectors", "sqlmodel", "sqlalchemy", "apscheduler", "prometheus_client", "httpx")
FORBIDDEN_MODULES = ("monitor.store",)


def domain_files() -> list[Path]:
    """monitor/**.py less the service; `python -m monitor` (monitor/__main__.py) is the service's entry point."""
    return sorted(p for p in DOMAIN.rglob("*.py") if SERVICE not in p.parents and p != DOMAIN / "__main__.py")


def imported_names(path: Path) -> list[str]:
    """Every module an import statement in the file names, at any depth (lazy imports included)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_the_domain_package_is_found_and_excludes_the_service():
    files = {p.relative_to(ROOT).as_posix() for p in domain_files()}
    assert "monitor/evaluate.py" in files and "monitor/loader.py" in files and "monitor/extract/propose.py" in files
    assert not any(f.startswith("monitor/service/") for f in files)


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_domain_module_imports_nothing_of_the_service_collectors_or_alerts(path: Path):
    bad = [name for name in imported_names(path)
           if any(name == outer or name.startswith(outer + ".") for outer in OUTER)]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


@pytest.mark.parametrize("module", PURE_CORE)
def test_core_module_imports_nothing_from_the_outer_layers(module):
    code = (f"import sys, {module}; "
            f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN_PACKAGES!r} or m in {FORBIDDEN_MODULES!r}"
            f" or m.startswith('monitor.service')]; "
            "print(','.join(sorted(bad)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "", f"{module} pulls in {result.stdout.strip()}"
