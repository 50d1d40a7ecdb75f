"""The dashboards: generated from the catalogue, well-formed for Grafana, valid PromQL (checked in unchanged:
test_generated_in_step.py)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from monitor import names
from monitor.generators import grafana, overview
from monitor.generators.cli import add_generator_commands
from monitor.generators.panels import DATASOURCE_UID
from tests.generators import dashboard_queries
from tests.needs import tool

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD_DIR = ROOT / "grafana" / "dashboards"
KNOWN_METRICS = {value for key, value in vars(names).items() if key.startswith("METRIC_")}


@pytest.fixture(scope="module")
def dashboards(shipped_catalogue) -> dict[str, dict]:
    return grafana.build_dashboards(shipped_catalogue)


def run_cli(*argv: str) -> int:
    import argparse
    parser = argparse.ArgumentParser()
    add_generator_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


def test_grafana_check_fails_on_a_hand_edited_dashboard_and_write_repairs_it(tmp_path):
    targets = str(ROOT / "targets.yaml")
    assert run_cli("grafana", "--config", targets, "--out", str(tmp_path)) == 0
    assert run_cli("grafana", "--config", targets, "--out", str(tmp_path), "--check") == 0
    edited = tmp_path / "overview.json"
    edited.write_text(edited.read_text(encoding="utf-8").replace("承诺总览", "hand edit"), encoding="utf-8")
    assert run_cli("grafana", "--config", targets, "--out", str(tmp_path), "--check") == 1
    (tmp_path / "feeds-and-daemon.json").unlink()
    assert run_cli("grafana", "--config", targets, "--out", str(tmp_path), "--check") == 1
    assert run_cli("grafana", "--config", targets, "--out", str(tmp_path)) == 0
    assert run_cli("grafana", "--config", targets, "--out", str(tmp_path), "--check") == 0


def test_three_dashboards_with_fixed_uids(dashboards):
    assert {d["uid"] for d in dashboards.values()} == {"commitment-overview", "commitment-detail", "monitor-feeds"}


def test_commitment_detail_has_document_agency_and_commitment_variables(dashboards):
    detail = dashboards["commitment-detail.json"]
    variables = [v["name"] for v in detail["templating"]["list"]]
    assert variables == ["document", "agency", "commitment"]
    commitment = detail["templating"]["list"][2]
    assert "$document" in commitment["query"] and "$agency" in commitment["query"]


def test_overview_has_a_board_per_document_with_every_commitment_counted(shipped_catalogue, dashboards):
    overview = dashboards["overview.json"]
    boards = [p for p in overview["panels"] if p["type"] == "stat" and "document=" in p["targets"][0]["expr"]]
    documented = {dashboard_queries.document_filter(b["targets"][0]["expr"]) for b in boards}
    assert documented == {c.document.id for c in shipped_catalogue.evaluated_commitments()}
    titles = {b["title"] for b in boards}
    assert all(any(d.title in t for t in titles) for d in shipped_catalogue.documents.values())


def test_the_overview_counts_each_documents_commitments_in_one_pass_over_the_catalogue(shipped_catalogue, monkeypatch):
    """Built at every start: a pass over every commitment for each document was quadratic (a third of
    the start of a catalogue of 26,000 commitments in 1,000 documents)."""
    passes = []
    every = type(shipped_catalogue).evaluated_commitments

    def counted(catalogue, feed_id=None):
        passes.append(feed_id)
        return every(catalogue, feed_id)
    monkeypatch.setattr(type(shipped_catalogue), "evaluated_commitments", counted)
    overview.build(shipped_catalogue)
    assert len(shipped_catalogue.documents) > 2 and passes == [None]


@pytest.mark.parametrize("name", ["overview.json", "commitment-detail.json", "feeds-and-daemon.json"])
def test_panels_are_laid_out_on_the_grid_with_unique_ids(dashboards, name):
    panels = list(dashboard_queries.iter_panels(dashboards[name]))
    assert len({p["id"] for p in panels}) == len(panels)
    occupied: set[tuple[int, int]] = set()
    for p in panels:
        g = p["gridPos"]
        assert 0 <= g["x"] and g["x"] + g["w"] <= 24 and g["h"] > 0, p["title"]
        cells = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
        assert not cells & occupied, f"{p['title']} overlaps another panel"
        occupied |= cells


@pytest.mark.parametrize("name", ["overview.json", "commitment-detail.json", "feeds-and-daemon.json"])
def test_every_query_uses_the_provisioned_datasource_and_defined_variables(dashboards, name):
    dashboard = dashboards[name]
    defined = {v["name"] for v in dashboard["templating"]["list"]} | {"__range", "__rate_interval", "__interval"}
    for panel in dashboard_queries.iter_panels(dashboard):
        for t in panel.get("targets", []):
            assert t["datasource"]["uid"] == DATASOURCE_UID
            used = set(re.findall(r"\$\{?(\w+)", t["expr"])) - {"1"}
            assert used <= defined, f"{panel['title']}: undefined {used - defined}"


def test_every_metric_the_dashboards_read_is_named_in_the_names_module(dashboards):
    used = set()
    for dashboard in dashboards.values():
        for _, expr in dashboard_queries.panel_queries(dashboard) + dashboard_queries.variable_queries(dashboard):
            used |= dashboard_queries.metric_names(expr)
    assert used and used <= KNOWN_METRICS, used - KNOWN_METRICS


def test_the_provisioned_datasource_has_the_uid_the_panels_use():
    provisioning = yaml.safe_load((ROOT / "grafana/provisioning/datasources/prometheus.yaml").read_text())
    (datasource,) = provisioning["datasources"]
    assert datasource["uid"] == DATASOURCE_UID and datasource["type"] == "prometheus"


def test_every_panel_query_is_valid_promql(dashboards, tmp_path):
    """promtool parses each filled-in expression as a recording rule; no server needed."""
    rules = []
    for dashboard in dashboards.values():
        for number, (_, expr) in enumerate(dashboard_queries.panel_queries(dashboard)):
            filled = dashboard_queries.fill_variables(expr, {"document": ".*", "agency": ".*", "feed": ".*",
                                                   "commitment": "x.y", "__range": "5m",
                                                   "__rate_interval": "1m", "__interval": "15s"})
            rules.append({"record": f"dashboard:{dashboard['uid'].replace('-', '_')}:{number}", "expr": filled})
    path = tmp_path / "queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}, allow_unicode=True))
    result = subprocess.run([tool("promtool", "prometheus"), "check", "rules", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_checked_in_files_are_valid_json_with_the_schema_version():
    for path in DASHBOARD_DIR.glob("*.json"):
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        assert dashboard["schemaVersion"] >= 36 and dashboard["uid"], path
