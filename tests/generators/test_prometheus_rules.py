"""The alerting rules: generated from the catalogue, accepted and tested by promtool (checked in unchanged:
test_generated_in_step.py)."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import yaml

from monitor import names
from monitor.generators import rules
from tests.generators.test_grafana_dashboards import run_cli
from tests.needs import tool

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "rules" / "commitments.yml"


def test_rules_check_fails_when_the_catalogue_changed_since_generation(tmp_path):
    """A rules file generated from the catalogue, then the catalogue edited (a feed's max_age):
    the file on disk is stale and --check says so; regenerating makes it current again."""
    out = tmp_path / "commitments.yml"
    targets = tmp_path / "targets.yaml"
    text = (ROOT / "targets.yaml").read_text(encoding="utf-8")
    targets.write_text(text, encoding="utf-8")
    (tmp_path / "seeds").symlink_to(ROOT / "seeds")     # the documents' source files, found beside the catalogue
    assert run_cli("rules", "--config", str(targets), "--out", str(out)) == 0
    assert run_cli("rules", "--config", str(targets), "--out", str(out), "--check") == 0
    generated = out.read_text(encoding="utf-8")
    assert "max_age: 7d" in text
    targets.write_text(text.replace("max_age: 7d", "max_age: 8d", 1), encoding="utf-8")
    assert run_cli("rules", "--config", str(targets), "--out", str(out), "--check") == 1
    assert out.read_text(encoding="utf-8") == generated     # --check reports, it does not rewrite
    assert run_cli("rules", "--config", str(targets), "--out", str(out)) == 0
    assert run_cli("rules", "--config", str(targets), "--out", str(out), "--check") == 0
    assert str(8 * 86400) in out.read_text(encoding="utf-8")


def routed(catalogue, route: str):
    """The catalogue with another alerting.route (no receivers or webhooks, which these routes refuse)."""
    alerting = catalogue.alerting.model_validate({**catalogue.alerting.model_dump(by_alias=True), "route": route,
                                                  "alertmanager": [], "webhooks": []})
    return dataclasses.replace(catalogue, alerting=alerting)


def test_one_group_per_document_with_an_alert_per_non_met_verdict_under_the_prometheus_route(shipped_catalogue):
    generated = rules.build_rules(routed(shipped_catalogue, "prometheus"))
    groups = {g["name"]: g for g in generated["groups"]}
    for document in {c.document.id for c in shipped_catalogue.evaluated_commitments()}:
        group = groups[f"commitments-{document}"]
        statuses = {r["expr"].split('status="')[1].split('"')[0] for r in group["rules"]}
        assert statuses == set(names.STATUSES) - {"met", "on_track"}     # not kept yet, on pace: nothing to fix


def test_feed_rules_follow_each_feeds_schedule_and_max_age(shipped_catalogue):
    feed_rules = next(g for g in rules.build_rules(shipped_catalogue)["groups"] if g["name"].endswith("feeds"))
    for feed in shipped_catalogue.feeds.values():
        stale = next(r for r in feed_rules["rules"]
                     if r["alert"] == "MonitorFeedStale" and f'feed="{feed.id}"' in r["expr"])
        assert stale["expr"].endswith(str(int(feed.max_age.total_seconds())))


def test_durations_are_written_in_the_largest_exact_unit():
    from datetime import timedelta
    assert [rules.duration(timedelta(seconds=s)) for s in (0, 45, 300, 7200, 172800, 90)] == \
        ["0s", "45s", "5m", "2h", "2d", "90s"]


def test_promtool_accepts_the_rules():
    result = subprocess.run([tool("promtool", "prometheus"), "check", "rules", str(RULES)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_rule_tests_pass_for_the_monitors_own_rules():
    result = subprocess.run([tool("promtool", "prometheus"), "test", "rules", "deploy/rules-tests/monitor_test.yml"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_rule_tests_pass_for_the_commitment_rules_of_the_prometheus_route(shipped_catalogue, tmp_path):
    rules.write_rules(routed(shipped_catalogue, "prometheus"), tmp_path / "rules" / "commitments.yml")
    (tmp_path / "rules-tests").mkdir()
    shutil.copy(ROOT / "deploy" / "rules-tests" / "commitments_test.yml", tmp_path / "rules-tests")
    result = subprocess.run([tool("promtool", "prometheus"), "test", "rules", "rules-tests/commitments_test.yml"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_file_is_plain_yaml_with_the_generated_header():
    text = RULES.read_text(encoding="utf-8")
    assert text.startswith(rules.HEADER)
    assert yaml.safe_load(text)["groups"]
