"""`monitor grafana`: the three dashboards as JSON files, generated from the catalogue and monitor.names.

The checked-in files under grafana/dashboards/ are this module's output; `stale_files` tells which
differ, so a test (and `monitor grafana --check`) fails when someone edits one by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from monitor import names
from monitor.generators import detail, feeds, overview
from monitor.model import Catalogue

DASHBOARD_DIR = Path("grafana/dashboards")


def build_dashboards(catalogue: Catalogue, job: str = names.DEFAULT_JOB) -> dict[str, dict[str, Any]]:
    """File name -> dashboard JSON object; `job` is the Prometheus job that scrapes the daemon."""
    return {
        "overview.json": overview.build(catalogue),
        "commitment-detail.json": detail.build(catalogue),
        "feeds-and-daemon.json": feeds.build(catalogue, job),
    }


def render(dashboard: dict[str, Any]) -> str:
    return json.dumps(dashboard, ensure_ascii=False, indent=2) + "\n"


def write_dashboards(catalogue: Catalogue, directory: Path = DASHBOARD_DIR, job: str = names.DEFAULT_JOB) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, dashboard in build_dashboards(catalogue, job).items():
        path = directory / name
        path.write_text(render(dashboard), encoding="utf-8")
        written.append(path)
    return written


def stale_files(catalogue: Catalogue, directory: Path = DASHBOARD_DIR, job: str = names.DEFAULT_JOB) -> list[Path]:
    """The dashboard files that are missing or differ from what the catalogue generates."""
    stale = []
    for name, dashboard in build_dashboards(catalogue, job).items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != render(dashboard):
            stale.append(path)
    return stale
