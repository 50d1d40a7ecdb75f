"""A missing server or tool skips a test locally and fails it under CI; no skip goes around that."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.needs import missing, tool

TESTS = Path(__file__).resolve().parent
SKIPS = re.compile(r"pytest\.skip\(|skipif|importorskip|mark\.skip\b|mark\.xfail")


def test_a_missing_server_skips_locally(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL"):
        missing("no PostgreSQL at 127.0.0.1:5432")


def test_a_missing_server_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required under CI"):
        missing("no PostgreSQL at 127.0.0.1:5432")
    with pytest.raises(pytest.fail.Exception, match="Debian package prometheus"):
        tool("promtool-that-does-not-exist", "prometheus")


def test_every_skip_in_the_tests_goes_through_missing():
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        if path.name in ("needs.py", "test_needs.py"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SKIPS.search(line):
                offenders.append(f"{path.relative_to(TESTS)}:{number}: {line.strip()}")
    assert offenders == [], "use tests.needs.missing (a failure under CI):\n" + "\n".join(offenders)
