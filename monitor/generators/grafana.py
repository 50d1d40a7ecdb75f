"""`monitor grafana`: the three dashboards as JSON files, generated from the catalogue and monitor.names.

The checked-in files under grafana/dashboards/ are this module's output; `stale_files` tells which
differ, so a test (and `monitor grafana --check`) fails when someone edits one by hand.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from monitor import names
from monitor.generators import detail, feeds, overview
from monitor.model import Catalogue

DASHBOARD_DIR = Path("grafana/dashboards")
_METRIC_RE = re.compile(r"\b(?:commitment|monitor)_[a-z_]+\b")


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


def iter_panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def panel_queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, PromQL expression) for every query target of every panel."""
    return [(panel["title"], t["expr"]) for panel in iter_panels(dashboard) for t in panel.get("targets", [])]


def variable_queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    return [(v["name"], v["query"]) for v in dashboard["templating"]["list"] if v["type"] == "query"]


def fill_variables(expr: str, values: dict[str, str]) -> str:
    """Substitute $name and ${name} the way Grafana does before sending a query (longest names first)."""
    for name in sorted(values, key=len, reverse=True):
        expr = expr.replace("${" + name + "}", values[name]).replace("$" + name, values[name])
    return expr


def metric_names(expr: str) -> set[str]:
    """The project's metric names an expression reads (histogram series reduced to the family name)."""
    found = set()
    for name in _METRIC_RE.findall(expr):
        for suffix in ("_bucket", "_count", "_sum"):
            if name.endswith(suffix) and name.startswith("monitor_collection_duration"):
                name = name.removesuffix(suffix)
        found.add(name)
    return found
