"""Reading the generated dashboards back: their panels, their queries, the metrics a query reads,
Grafana's variable substitution. Only the tests need these (moved from monitor/generators/grafana.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_METRIC_RE = re.compile(r"\b(?:commitment|monitor)_[a-z_]+\b")


def iter_panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def panel_queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, PromQL expression) for every query target of every panel."""
    return [(panel["title"], t["expr"]) for panel in iter_panels(dashboard) for t in panel.get("targets", [])]


def variable_queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    return [(v["name"], v["query"]) for v in dashboard["templating"]["list"] if v["type"] == "query"]


def document_filter(expr: str) -> str:
    """The document id an expression filters on (document="...")."""
    found = re.search(r'document="([^"]+)"', expr)
    assert found is not None, expr
    return found.group(1)


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
