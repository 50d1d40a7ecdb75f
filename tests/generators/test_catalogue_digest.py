"""Rules and dashboards in step with the catalogue: the digest the generated rules carry, the one
the daemon exports, the operators' rule that fires when they differ, and `monitor validate`'s
reminder."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import yaml
from prometheus_client import CollectorRegistry, generate_latest

from monitor.generators import rules
from monitor.generators.digest import generated_digest
from monitor.model import Catalogue
from monitor.service.cli import main
from monitor.service.daemon_metrics import DaemonMetrics
from tests.conftest import ROOT
from tests.needs import tool


def with_new_feed(catalogue: Catalogue) -> Catalogue:
    feed = next(iter(catalogue.feeds.values()))
    new = feed.model_copy(update={"id": "new_feed"})
    return replace(catalogue, feeds=MappingProxyType({**catalogue.feeds, "new_feed": new}))


def test_a_new_feed_changes_the_digest_and_a_quote_wording_does_not(shipped_catalogue):
    digest = generated_digest(shipped_catalogue)
    assert generated_digest(with_new_feed(shipped_catalogue)) != digest
    c = next(iter(shipped_catalogue.commitments.values()))
    reworded = replace(shipped_catalogue, commitments=MappingProxyType(
        {**shipped_catalogue.commitments, c.id: replace(c, quote=c.quote + "。")}))
    assert generated_digest(reworded) == digest


def test_the_checked_in_rules_carry_the_shipped_catalogues_digest(shipped_catalogue):
    assert rules.digest_of_file(ROOT / rules.RULES_FILE) == generated_digest(shipped_catalogue)


def test_the_daemon_exports_the_digest_of_the_catalogue_it_runs(shipped_catalogue):
    registry = CollectorRegistry()
    metrics = DaemonMetrics(registry)
    metrics.record_catalogue(shipped_catalogue)
    metrics.record_catalogue(with_new_feed(shipped_catalogue))   # a reload: the old digest goes
    exposed = generate_latest(registry).decode()
    new = generated_digest(with_new_feed(shipped_catalogue))
    assert f'monitor_catalogue_info{{digest="{new}"}} 1.0' in exposed
    assert generated_digest(shipped_catalogue) not in exposed


def test_the_stale_rule_fires_when_the_daemon_runs_another_catalogue(shipped_catalogue, tmp_path: Path):
    made_from = generated_digest(shipped_catalogue)
    rules.write_rules(shipped_catalogue, tmp_path / "commitments.yml")
    case = {"rule_files": ["commitments.yml"], "evaluation_interval": "1m", "tests": [{
        "interval": "1m",
        "input_series": [
            {"series": f'monitor_catalogue_info{{digest="{made_from}", job="commitment-monitor"}}', "values": "1x20"},
            {"series": 'monitor_catalogue_info{digest="0123456789abcdef", job="other"}', "values": "1x20"}],
        "alert_rule_test": [
            {"eval_time": "10m", "alertname": "MonitorGeneratedFilesStale", "exp_alerts": []},
            {"eval_time": "16m", "alertname": "MonitorGeneratedFilesStale", "exp_alerts": [{
                "exp_labels": {"severity": "warning", "digest": "0123456789abcdef", "job": "other"},
                "exp_annotations": {
                    "summary": "告警规则和看板不是按当前运行的承诺清单生成的",
                    "description": f"监测程序运行的承诺清单摘要为 0123456789abcdef，这些规则按 {made_from} "
                                   "生成。请运行 `make generate`（即 `monitor rules` 和 `monitor grafana`），"
                                   "提交后重新加载 Prometheus 和 Grafana；在此之前，新增数据源没有"
                                   "采集失败（MonitorFeedDown）和数据过期（MonitorFeedStale）告警。"}}]}]}]}
    (tmp_path / "test.yml").write_text(yaml.safe_dump(case), encoding="utf-8")
    result = subprocess.run([tool("promtool", "prometheus"), "test", "rules", "test.yml"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_validate_reminds_the_editor_to_regenerate_after_a_catalogue_edit(tmp_path: Path, capsys):
    for name in ("targets.yaml", "seeds"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    shutil.copytree(ROOT / "deploy" / "rules", tmp_path / "deploy" / "rules")
    shutil.copytree(ROOT / "grafana" / "dashboards", tmp_path / "grafana" / "dashboards")
    assert main(["validate", str(tmp_path / "targets.yaml")]) == 0
    assert "make generate" not in capsys.readouterr().err          # in step: no reminder
    text = (tmp_path / "targets.yaml").read_text(encoding="utf-8")
    at = text.index("feeds:\n") + len("feeds:\n")
    (tmp_path / "targets.yaml").write_text(text[:at] + "  - id: added_feed\n    kind: demo\n" + text[at:],
                                           encoding="utf-8")
    assert main(["validate", str(tmp_path / "targets.yaml")]) == 0    # a reminder, not a failure
    err = capsys.readouterr().err
    assert "make generate" in err and "deploy/rules/commitments.yml" in err
