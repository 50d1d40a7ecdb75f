"""`monitor validate` and the other catalogue commands start without importing the daemon's stack;
the other commands still find theirs."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.test_loader import VALID, write

HEAVY = ("sqlalchemy", "sqlmodel", "alerts", "collectors", "uvicorn", "starlette", "monitor.service.daemon")
PROBE = ("import json, sys\nfrom monitor.service.cli import main\nstatus = main(sys.argv[1:])\n"
         f"heavy = {HEAVY!r}\n"
         "print(json.dumps([status, sorted(m for m in sys.modules if m in heavy or m.split('.')[0] in heavy)]))\n")


def test_validate_imports_only_the_catalogue_loader(tmp_path):
    done = subprocess.run([sys.executable, "-c", PROBE, "validate", str(write(tmp_path, VALID))],
                          capture_output=True, text=True, check=True)
    status, heavy_modules = json.loads(done.stdout.splitlines()[-1])
    assert status == 0 and heavy_modules == []


def test_the_other_commands_still_find_their_packages():
    done = subprocess.run([sys.executable, "-m", "monitor", "alerts", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "usage: monitor alerts" in done.stdout
