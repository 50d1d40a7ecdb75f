"""What a test needs from the machine (a server, a tool, a browser) and what happens when it is missing.

Locally a missing server or tool skips the test, with the reason; under CI (`CI=true`, which
`.ci/run` installs everything for) it is a failure: a suite that skipped its PostgreSQL, promtool,
amtool, Prometheus, Alertmanager or Chromium tests has not tested them. Every skip in tests/ goes
through `missing` (tests/test_needs.py checks that).
"""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def under_ci() -> bool:
    return os.environ.get("CI") == "true"


def missing(what: str) -> NoReturn:
    """Skip the test because `what` is missing; fail it instead under CI."""
    if under_ci():
        pytest.fail(f"required under CI (CI=true): {what}", pytrace=False)
    pytest.skip(what)


def tool(name: str, package: str) -> str:
    """The path of the command `name`, or `missing` naming the Debian package that brings it."""
    found = shutil.which(name)
    if found is None:
        missing(f"{name} is not installed (Debian package {package}; .ci/run installs it)")
    return found
