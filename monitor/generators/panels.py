"""Small builders for Grafana dashboard JSON (schema version 39): panels, targets, variables, layout.

Plain dicts, so the generated files are exactly what Grafana imports and a diff shows every change.
Only fields of Grafana's dashboard model (the grafana-foundation-sdk types): a test reads every
dashboard through that model and fails on a field it would drop.
"""

from __future__ import annotations

from typing import Any

from monitor import names
from monitor.vocabulary import PRODUCT_NAME, STATUS_COLOUR, STATUS_ZH

SCHEMA_VERSION = 39
DATASOURCE_UID = "commitment-monitor-prometheus"
DATASOURCE = {"type": "prometheus", "uid": DATASOURCE_UID}
GRID_WIDTH = 24

# One number per verdict, so a single series can colour a tile; the order is the board's legend.
STATUS_CODES = {"met": 0, "on_track": 1, "at_risk": 2, "missed": 3, "no_data": 4, "error": 5}
# the words and colours of mails and pages (monitor.vocabulary)
STATUS_COLOURS = {status: STATUS_COLOUR[status] for status in STATUS_CODES}
STATUS_TEXT = {status: STATUS_ZH[status] for status in STATUS_CODES}
assert tuple(STATUS_CODES) == names.STATUSES

Json = dict[str, Any]


def status_code_expr(selector: str, by: str = "commitment, document, agency") -> str:
    """One series per commitment whose value is the STATUS_CODES number of its current status."""
    parts = [f'{code} * {names.METRIC_STATUS}{{{selector}{", " if selector else ""}status="{status}"}}'
             for status, code in STATUS_CODES.items()]
    return f"sum by ({by}) (" + " or ".join(parts) + ")"


def status_mappings() -> list[Json]:
    return [{"type": "value", "options": {
        str(code): {"text": STATUS_TEXT[status], "color": STATUS_COLOURS[status], "index": code}
        for status, code in STATUS_CODES.items()}}]


def target(expr: str, ref: str = "A", legend: str = "", instant: bool = False, table: bool = False) -> Json:
    return {"refId": ref, "datasource": DATASOURCE, "expr": expr, "legendFormat": legend or "__auto",
            "instant": instant, "range": not instant, "format": "table" if table else "time_series"}


def thresholds(*steps: tuple[float | None, str]) -> Json:
    return {"mode": "absolute", "steps": [{"value": value, "color": colour} for value, colour in steps]}


def panel(kind: str, title: str, targets: list[Json], *, w: int, h: int, description: str = "",
          unit: str | None = None, mappings: list[Json] | None = None, steps: Json | None = None,
          options: Json | None = None, custom: Json | None = None, overrides: list[Json] | None = None,
          transformations: list[Json] | None = None, decimals: int | None = None) -> Json:
    defaults: Json = {}
    if unit:
        defaults["unit"] = unit
    if decimals is not None:
        defaults["decimals"] = decimals
    if mappings:
        defaults["mappings"] = mappings
    if steps:
        defaults["thresholds"] = steps
    if custom:
        defaults["custom"] = custom
    result: Json = {"type": kind, "title": title, "description": description, "datasource": DATASOURCE,
                    "gridPos": {"w": w, "h": h}, "targets": targets,
                    "fieldConfig": {"defaults": defaults, "overrides": overrides or []},
                    "options": options or {}}
    if transformations:
        result["transformations"] = transformations
    return result


def stat(title: str, expr: str, *, w: int = 4, h: int = 4, colour_mode: str = "background", text_mode: str = "auto",
         legend: str = "", **kwargs: Any) -> Json:
    options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
               "colorMode": colour_mode, "graphMode": "none", "textMode": text_mode, "justifyMode": "auto",
               "orientation": "auto"}
    return panel("stat", title, [target(expr, legend=legend, instant=True)], w=w, h=h, options=options, **kwargs)


def table(title: str, targets: list[Json], *, w: int = 12, h: int = 8, sort_by: str | None = None,
          descending: bool = False, **kwargs: Any) -> Json:
    options: Json = {"showHeader": True, "cellHeight": "sm", "footer": {"show": False, "reducer": ["sum"]}}
    if sort_by:
        options["sortBy"] = [{"displayName": sort_by, "desc": descending}]
    return panel("table", title, targets, w=w, h=h, options=options, **kwargs)


def timeseries(title: str, targets: list[Json], *, w: int = 12, h: int = 8, **kwargs: Any) -> Json:
    options = {"legend": {"displayMode": "table", "placement": "bottom", "showLegend": True,
                          "calcs": ["lastNotNull"]},
               "tooltip": {"mode": "multi", "sort": "desc"}}
    custom = kwargs.pop("custom", None) or {"drawStyle": "line", "lineWidth": 2, "fillOpacity": 0,
                                            "showPoints": "auto", "spanNulls": True}
    return panel("timeseries", title, targets, w=w, h=h, options=options, custom=custom, **kwargs)


def text(title: str, content: str, *, w: int = 24, h: int = 3) -> Json:
    result = panel("text", title, [], w=w, h=h, options={"mode": "markdown", "content": content})
    del result["datasource"], result["targets"], result["fieldConfig"]
    return result


def row(title: str) -> Json:
    return {"type": "row", "title": title, "collapsed": False, "panels": [], "gridPos": {"w": GRID_WIDTH, "h": 1}}


def organize(rename: dict[str, str], exclude: tuple[str, ...] = ("Time",), order: tuple[str, ...] = ()) -> Json:
    return {"id": "organize", "options": {
        "excludeByName": {name: True for name in exclude},
        "indexByName": {name: index for index, name in enumerate(order)},
        "renameByName": rename}}


def query_variable(name: str, label: str, query: str, *, include_all: bool = False, multi: bool = False,
                   current: str | None = None) -> Json:
    """A variable filled from Prometheus on load; `current` is the value chosen until the user picks another."""
    chosen = {"text": current, "value": current, "selected": True} if current is not None else {}
    variable: Json = {"type": "query", "name": name, "label": label, "datasource": DATASOURCE,
                      "query": query,
                      "refresh": 2, "sort": 1, "includeAll": include_all, "multi": multi, "hide": 0,
                      "current": chosen, "options": [], "regex": ""}
    if include_all:
        variable["allValue"] = ".*"
    return variable


def lay_out(panels: list[Json]) -> list[Json]:
    """Give panels x, y and ids, flowing left to right and wrapping at the grid width."""
    x = y = row_height = 0
    placed = []
    for number, p in enumerate(panels, start=1):
        w, h = p["gridPos"]["w"], p["gridPos"]["h"]
        if x + w > GRID_WIDTH or p["type"] == "row":
            x, y, row_height = 0, y + row_height, 0
        placed.append({"id": number, **p, "gridPos": {"h": h, "w": w, "x": x, "y": y}})
        x += w
        row_height = max(row_height, h)
        if p["type"] == "row":
            x, y, row_height = 0, y + h, 0
    return placed


def dashboard(uid: str, title: str, description: str, panels: list[Json], *, variables: list[Json] | None = None,
              tags: tuple[str, ...] = ("commitment-monitor",), time_from: str = "now-6h",
              links: list[Json] | None = None) -> Json:
    return {
        "uid": uid, "title": title, "description": description, "tags": list(tags),
        "editable": True, "graphTooltip": 1, "timezone": "browser", "refresh": "1m",
        "schemaVersion": SCHEMA_VERSION, "version": 1, "fiscalYearStartMonth": 0, "liveNow": False,
        "time": {"from": time_from, "to": "now"}, "timepicker": {},
        "annotations": {"list": []},
        "links": links or [{"type": "dashboards", "title": PRODUCT_NAME, "tags": ["commitment-monitor"],
                            "asDropdown": True, "includeVars": False, "keepTime": True}],
        "templating": {"list": variables or []},
        "panels": lay_out(panels),
    }
