"""The overview dashboard: every commitment on one red/yellow/green board, counts, margins, deadlines, changes."""

from __future__ import annotations

import math
from collections import Counter

from monitor import names
from monitor.generators import panels as p
from monitor.model import Catalogue
from monitor.vocabulary import PRODUCT_NAME

UID = "commitment-overview"
DETAIL_LINK = ("/d/commitment-detail/commitment-detail?var-document=${__field.labels.document}"
               "&var-agency=${__field.labels.agency}&var-commitment=${__field.labels.commitment}"
               "&${__url_time_range}")
TILES_PER_LINE = 6


def _short_names(expr: str) -> str:
    """Add a `short` label: the commitment id without its document prefix, for tile captions."""
    return f'label_replace({expr}, "short", "$1", "commitment", "[^.]+[.](.*)")'


def _count_tiles() -> list[p.Json]:
    tiles = []
    for status in p.STATUS_CODES:
        tiles.append(p.stat(p.STATUS_TEXT[status], f'sum({names.METRIC_STATUS}{{status="{status}"}})',
                            description=f"Commitments whose current verdict is {status}.",
                            steps=p.thresholds((None, p.STATUS_COLOURS[status]))))
    tiles.append(p.stat("evaluated 监测中", f'count({names.METRIC_STATUS}{{status="met"}})',
                        description="Commitments the daemon evaluates (monitorable, not drafts).",
                        steps=p.thresholds((None, "blue"))))
    return tiles


def _deadline_tiles() -> list[p.Json]:
    tiles = []
    for days in (30, 90):
        expr = (f"count(({names.METRIC_DEADLINE} - time()) > 0 < {days} * 86400) or vector(0)")
        tiles.append(p.stat(f"deadlines in {days} days 临近期限", expr, w=6,
                            description=f"Commitments whose deadline falls within the next {days} days.",
                            steps=p.thresholds((None, "green"), (1, "orange"))))
    expr = (f'count((({names.METRIC_DEADLINE} - time()) > -30 * 86400 < 0) and on(commitment) '
            f'({names.METRIC_STATUS}{{status=~"missed|at_risk"}} == 1)) or vector(0)')
    tiles.append(p.stat("deadline passed in 30 days, not met", expr, w=6,
                        description="Commitments whose deadline passed in the last 30 days while missed or at risk.",
                        steps=p.thresholds((None, "green"), (1, "red"))))
    changed = f"count(sum by (commitment) (changes({names.METRIC_STATUS}[$__range])) > 0) or vector(0)"
    tiles.append(p.stat("changed status in range 状态变化", changed, w=6,
                        description="Commitments whose verdict changed in the dashboard's time range.",
                        steps=p.thresholds((None, "blue"))))
    return tiles


def _document_board(catalogue: Catalogue, document_id: str, count: int) -> p.Json:
    document = catalogue.documents[document_id]
    expr = _short_names(p.status_code_expr(f'document="{document_id}"'))
    height = 2 + 2 * max(1, math.ceil(count / TILES_PER_LINE))
    tile = p.stat(f"{document.title} ({document.jurisdiction})", expr, w=24, h=height, text_mode="value_and_name",
                  legend="{{short}}", mappings=p.status_mappings(), steps=p.thresholds((None, "transparent")),
                  description=f"{count} evaluated commitments of {document_id}; click a tile for its detail.")
    tile["fieldConfig"]["defaults"]["links"] = [{"title": "Commitment detail", "url": DETAIL_LINK}]
    tile["options"]["orientation"] = "horizontal"
    return tile


def _name_mapping(names_by_id: dict[str, str]) -> list[p.Json]:
    return [{"type": "value", "options": {key: {"text": f"{name} ({key})", "index": index}
                                          for index, (key, name) in enumerate(sorted(names_by_id.items()))}}]


def _status_matrix(title: str, by: str, mapping: dict[str, str]) -> p.Json:
    expr = f"sum by ({by}, status) ({names.METRIC_STATUS})"
    matrix = {"id": "groupingToMatrix", "options": {"columnField": "status", "rowField": by, "valueField": "Value"}}
    overrides = [{"matcher": {"id": "byName", "options": f"{by}\\status"},
                  "properties": [{"id": "mappings", "value": _name_mapping(mapping)},
                                 {"id": "displayName", "value": by}]}]
    for status in names.STATUSES:
        overrides.append({"matcher": {"id": "byName", "options": status}, "properties": [
            {"id": "custom.cellOptions", "value": {"type": "color-text"}},
            {"id": "color", "value": {"mode": "fixed", "fixedColor": p.STATUS_COLOURS[status]}}]})
    return p.table(title, [p.target(expr, instant=True, table=True)], w=12, h=10, transformations=[matrix],
                   overrides=overrides, description=f"Number of commitments in each status, by {by}.")


def _worst_margins() -> p.Json:
    expr = f"bottomk(15, {names.METRIC_MARGIN} / (abs({names.METRIC_TARGET}) > 0))"
    return p.table("Worst margins (share of target) 差距最大", [p.target(expr, instant=True, table=True)], w=12, h=10,
                   unit="percentunit", decimals=1, sort_by="margin", steps=p.thresholds((None, "red"), (0, "yellow"),
                                                                                          (0.05, "green")),
                   custom={"cellOptions": {"type": "color-text"}},
                   transformations=[p.organize({"Value": "margin"}, exclude=("Time", "jurisdiction", "kind"),
                                               order=("commitment", "document", "agency", "unit", "Value"))],
                   description="Margin divided by target: negative when the promise is broken. "
                               "Commitments with a zero target are left out.")


def _upcoming_deadlines(zone: str) -> p.Json:
    expr = f"sort(({names.METRIC_DEADLINE} - time()) / 86400)"
    keep_next_90_days = {"id": "filterByValue", "options": {"type": "include", "match": "all", "filters": [
        {"fieldName": "days left", "config": {"id": "greaterOrEqual", "options": {"value": 0}}},
        {"fieldName": "days left", "config": {"id": "lowerOrEqual", "options": {"value": 90}}}]}}
    return p.table("Deadlines in the next 90 days 期限", [p.target(expr, instant=True, table=True)], w=12, h=10,
                   decimals=0, sort_by="days left", steps=p.thresholds((None, "red"), (30, "orange"), (90, "green")),
                   custom={"cellOptions": {"type": "color-text"}},
                   transformations=[p.organize({"Value": "days left"}, exclude=("Time", "jurisdiction", "unit"),
                                               order=("commitment", "document", "agency", "kind", "Value")),
                                    keep_next_90_days],
                   description=f"Days until each deadline (end of day, {zone}). The query returns every deadline; "
                               "the panel keeps those 0-90 days ahead (red under 30).")


def _recent_changes() -> list[p.Json]:
    changes = f"sum by (commitment, document, agency) (changes({names.METRIC_STATUS}[$__range])) / 2"
    table = p.table("Status changes in range 状态变化", [p.target(f"topk(15, {changes})", instant=True, table=True)],
                    w=12, h=10, decimals=0, sort_by="changes", descending=True,
                    transformations=[p.organize({"Value": "changes"}, order=("commitment", "document", "agency"))],
                    description="How often each commitment's verdict changed in the dashboard's time range "
                                "(the 15 most changeable).")
    volatile = f"topk(10, sum by (commitment) (changes({names.METRIC_STATUS}[$__range])))"
    timeline = p.panel("state-timeline", "Verdict history of the most changeable",
                       [p.target(f"{p.status_code_expr('')} and on(commitment) {volatile}", legend="{{commitment}}")],
                       w=12, h=10, mappings=p.status_mappings(), steps=p.thresholds((None, "transparent")),
                       options={"showValue": "never", "mergeValues": True, "rowHeight": 0.9, "alignValue": "left",
                                "legend": {"showLegend": False}, "tooltip": {"mode": "single"}},
                       description="Status over time of the 10 commitments whose verdict changed most.")
    return [table, timeline]


def build(catalogue: Catalogue) -> p.Json:
    agencies = {a.id: a.name for a in catalogue.agencies.values()}
    documents = {d.id: d.title for d in catalogue.documents.values()}
    evaluated = Counter(c.document.id for c in catalogue.evaluated_commitments())   # one pass, not one a document
    boards = [_document_board(catalogue, doc, evaluated[doc]) for doc in catalogue.documents if evaluated[doc]]
    panels = [
        p.row("At a glance 总览"), *_count_tiles(), *_deadline_tiles(),
        p.row("Red / yellow / green board 红黄绿灯"), *boards,
        p.row("By document and agency 按文件和单位"),
        _status_matrix("Status by document", "document", documents),
        _status_matrix("Status by agency", "agency", agencies),
        p.row("Attention 关注"), _worst_margins(), _upcoming_deadlines(catalogue.calendar.timezone), *_recent_changes(),
    ]
    return p.dashboard(UID, f"{PRODUCT_NAME}：承诺总览 Commitments overview",
                       "Every commitment of the catalogue at a glance: verdicts by document and agency, counts, "
                       "worst margins, upcoming deadlines and recent changes. Generated by `monitor grafana`.",
                       panels, time_from="now-24h")
