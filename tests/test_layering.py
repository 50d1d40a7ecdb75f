"""The pure core imports nothing from the store, the scheduler, the metrics or the alerts (GUIDE.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

FORBIDDEN_PACKAGES = ("alerts", "collectors", "sqlmodel", "sqlalchemy", "apscheduler", "prometheus_client", "httpx")
FORBIDDEN_MODULES = ("monitor.store", "monitor.daemon", "monitor.metrics", "monitor.web")


@pytest.mark.parametrize("module", ["monitor.spec", "monitor.model", "monitor.calendar", "monitor.units",
                                    "monitor.evaluate", "monitor.loader"])
def test_core_module_imports_nothing_from_the_outer_layers(module):
    code = (f"import sys, {module}; "
            f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN_PACKAGES!r} or m in {FORBIDDEN_MODULES!r}]; "
            "print(','.join(sorted(bad)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "", f"{module} pulls in {result.stdout.strip()}"
