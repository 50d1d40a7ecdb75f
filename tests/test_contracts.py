"""The architecture contracts (pyproject.toml [tool.importlinter], run by `make lint`) hold, and break
on a violation however it is spelled; plus the two rules grimp cannot see, checked here on the syntax:

- a module named by a string literal given to `importlib.import_module` or `__import__`: the
  domain (monitor/ less monitor/service/) names nothing of the service, the collectors or the
  alerts that way, and collectors and alerts name nothing of the service nor of each other;
- alerts read the core's verdicts through the store's API, never its tables (Observation,
  EvaluationRow, CurrentState), whether imported by name or reached as `monitor.store.EvaluationRow`.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = ("monitor", "collectors", "alerts")
CORE_TABLES = frozenset({"Observation", "EvaluationRow", "CurrentState"})
DYNAMIC_IMPORTERS = frozenset({"import_module", "__import__"})


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports on the tree at root (the current directory comes first on its import path)."""
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120)


def copy_tree(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def append(path: Path, code: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n" + code + "\n", encoding="utf-8")


def under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def forbidden_outer(path: Path, root: Path) -> tuple[str, ...]:
    """The packages the module at path may not name: what the layers contract forbids it."""
    parts = path.relative_to(root).parts
    if parts[0] == "collectors":
        return ("monitor.service", "alerts")
    if parts[0] == "alerts":
        return ("monitor.service", "collectors")
    if parts[:2] == ("monitor", "service") or parts == ("monitor", "__main__.py"):
        return ()
    return ("monitor.service", "collectors", "alerts")


def dynamic_imports(path: Path) -> list[str]:
    """Module names given as string literals to importlib.import_module / __import__ in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        first = node.args[0]
        if called in DYNAMIC_IMPORTERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.append(first.value)
    return found


def dynamic_import_violations(root: Path) -> list[str]:
    bad = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            outer = forbidden_outer(path, root)
            bad += [f"{path.relative_to(root)}: {name}" for name in dynamic_imports(path)
                    if any(under(name, o) for o in outer)]
    return bad


def core_table_uses(root: Path) -> list[str]:
    """Every place in alerts/ naming one of the core's tables: a name, an attribute, an imported
    name or a string (getattr)."""
    bad = []
    for path in sorted((root / "alerts").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            named = (node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute)
                     else node.name if isinstance(node, ast.alias)
                     else node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None)
            if named in CORE_TABLES:
                bad.append(f"{path.relative_to(root)}:{getattr(node, 'lineno', '?')}: {named}")
    return bad


def test_the_architecture_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_module_of_the_domain_is_placed_in_the_layers():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}
    children = {f"monitor.{p.stem if p.is_file() else p.name}" for p in (ROOT / "monitor").iterdir()
                if p.suffix == ".py" and p.stem != "__init__" or (p / "__init__.py").is_file()}
    assert "monitor.evaluate" in children and "monitor.extract" in children
    assert not children - placed, f"modules of monitor/ in no layer: {sorted(children - placed)}"


def test_no_module_names_an_outer_package_by_a_string():
    assert dynamic_import_violations(ROOT) == []


def test_alerts_do_not_name_the_core_tables():
    assert core_table_uses(ROOT) == []


@pytest.mark.parametrize("path, code", [
    ("monitor/store.py", "from .service import daemon_metrics"),                       # relative import
    ("monitor/calendar.py", "def later():\n    from monitor.service import daemon_metrics"),   # lazy, inside a function
    ("monitor/evaluate.py", "import collectors.base"),
    ("monitor/units.py", "import sqlalchemy"),                                  # the pure core and the database
    ("monitor/model.py", "from monitor import store"),                          # ... and the store
    ("alerts/engine.py", "from monitor.service import settings"),
    ("collectors/records.py", "from alerts import grouping"),
    ("alerts/engine.py", "from collectors import http_json"),
    ("monitor/service/daemon.py", "from collectors.sql import SqlCollector"),   # a feed kind's internals
])
def test_a_violation_breaks_a_contract(tmp_path: Path, path: str, code: str):
    root = copy_tree(tmp_path)
    append(root / path, code)
    result = lint_imports(root)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout


@pytest.mark.parametrize("path, code, package", [
    # the cycle web.py had with its route modules, hidden from the interpreter but not from grimp
    ("monitor/service/pages/api.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from monitor.service.web import build_app",
     "monitor.service"),
    ("collectors/base.py", "def later():\n    from collectors import runner", "collectors"),   # deferred
    ("monitor/hedges.py", "from monitor import model", "monitor"),   # two modules of the domain (model imports hedges)
    ("alerts/metrics.py", "from alerts.pipeline import AlertPipeline", "alerts"),
])
def test_an_import_cycle_breaks_the_acyclic_contract(tmp_path: Path, path: str, code: str, package: str):
    root = copy_tree(tmp_path)
    append(root / path, code)
    result = lint_imports(root)
    assert result.returncode != 0, result.stdout
    assert f"No cycles are allowed in {package}." in result.stdout


@pytest.mark.parametrize("path, code", [
    ("monitor/evaluate.py", 'import importlib\n_late = lambda: importlib.import_module("alerts.engine")'),
    ("monitor/cases.py", '_late = lambda: __import__("monitor.service.daemon_metrics")'),
    ("collectors/records.py", 'from importlib import import_module\n_late = lambda: import_module("alerts")'),
])
def test_a_dynamic_import_of_an_outer_package_is_caught(tmp_path: Path, path: str, code: str):
    root = copy_tree(tmp_path)
    append(root / path, code)
    assert [v.split(":")[0] for v in dynamic_import_violations(root)] == [path]


@pytest.mark.parametrize("code", [
    "import monitor.store as s\n_table = s.EvaluationRow",
    "from monitor.store import CurrentState",
    'import monitor.store\n_table = getattr(monitor.store, "Observation")',
])
def test_alerts_reaching_a_core_table_are_caught(tmp_path: Path, code: str):
    root = copy_tree(tmp_path)
    append(root / "alerts/engine.py", code)
    assert [v.split(":")[0] for v in core_table_uses(root)] == ["alerts/engine.py"]
