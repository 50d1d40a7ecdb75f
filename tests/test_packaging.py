"""The project installs three flat top-level import names; docs/architecture.md ("Why three flat import names")
says why that is safe for an application installed into its own environment. These tests fail when
it stops being safe: another installed distribution provides one of the names, or one of them
resolves to anything but this checkout."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from tests.conftest import ROOT

OUR_NAMES = ("alerts", "collectors", "monitor")
DISTRIBUTION = "commitment-monitor"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_installed_top_level_names_are_the_ones_this_test_guards():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    included = project["tool"]["setuptools"]["packages"]["find"]["include"]
    assert sorted(pattern.removesuffix("*") for pattern in included) == list(OUR_NAMES)


def test_no_other_installed_distribution_provides_one_of_our_top_level_names():
    provided = packages_distributions()
    clashes = {name: others for name in OUR_NAMES
               if (others := sorted(d for d in provided.get(name, []) if canonical(d) != DISTRIBUTION))}
    assert not clashes, f"installed distributions that also provide our import names: {clashes}"


def test_each_of_our_names_imports_from_this_checkout():
    for name in OUR_NAMES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        assert Path(spec.origin).resolve().is_relative_to(ROOT), f"{name} imports from {spec.origin}"


def test_the_monitor_commands_entry_point_imports_nothing_of_the_daemon():
    """multiprocessing runs the installed script again in every child (each file read, the catalogue's
    parsing pool): its entry point must be cheap to import (monitor/service/entry.py)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    module, _, function = project["project"]["scripts"]["monitor"].partition(":")
    probe = (f"import sys; from {module} import {function}; "
             "print(*sorted(m for m in sys.modules if m.startswith(('monitor.', 'alerts', 'collectors'))))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["monitor.service", module], done.stdout
