"""Every command that reads the catalogue reads the one MONITOR_TARGETS names when no path is given
(an explicit path wins; ./targets.yaml is the last resort): one function decides (`catalogue_path`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from monitor.loader import catalogue_path
from monitor.service.cli import main
from tests.test_loader import VALID, write

# a catalogue found only through MONITOR_TARGETS: ids no other catalogue has
ENV_CATALOGUE = VALID.replace("demo2021.company_setup", "demo2021.only_in_env") + (
    "  - id: demo2021.by_drop\n    document: demo2021\n    clause: \"（一）2.\"\n    quote: 企业开办时间压缩至1个工作日以内\n"
    "    measured: {zh: 开办时间, en: Setup time}\n    kind: value\n    op: \"<=\"\n    value: 1\n"
    "    unit: 个工作日\n    agency: demo.market\n    measure: {feed: drop, series: days}\n")

# command line, what its output shows when it read the catalogue above, its exit status
COMMANDS: dict[str, tuple[list[str], str] | tuple[list[str], str, int]] = {
    "validate": (["validate"], "catalogue/targets.yaml: ok"),
    "list": (["list", "--json"], "demo2021.only_in_env"),
    "calendar": (["calendar", "2026"], "2026"),
    "evaluate": (["evaluate", "--at", "2021-06-01", "--json"], "demo2021.only_in_env"),
    "grafana": (["grafana", "--out", "{tmp}/dashboards"], "wrote"),
    "rules": (["rules", "--out", "{tmp}/rules.yml"], "wrote"),
    "alerts": (["alerts"], "no alert"),
    "preview": (["preview", "demo2021.only_in_env"], "no evaluation of 'demo2021.only_in_env'", 1),
    "silence add": (["silence", "add", "--commitment", "demo2021.only_in_env", "--until", "2h",
                     "--comment", "maintenance"], "silence #1"),
    "silence list": (["silence", "list"], ""),
    "collect": (["collect", "drop", "--dry-run"], '"feed": "drop"'),
    "prune": (["prune", "--dry-run"], "retention"),
    "notify": (["notify", "--test", "demo.market"], "market@demo.agencies.example"),
}


@pytest.fixture
def env_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A catalogue named only by MONITOR_TARGETS, run from a folder whose ./targets.yaml is another one."""
    folder = tmp_path / "catalogue"
    folder.mkdir()
    (tmp_path / "drop").mkdir()
    targets = write(folder, ENV_CATALOGUE.replace("feeds:\n", f"feeds:\n  - id: drop\n    kind: file\n"
                                                               f"    path: {tmp_path / 'drop'}\n    settle: 0s\n"
                                                               "    series:\n      - {name: days, column: days}\n", 1))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "targets.yaml").write_text("version: 1\nnot: a catalogue\n", encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("MONITOR_TARGETS", str(targets))
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'monitor.db'}")
    monkeypatch.setenv("MONITOR_MAILDIR", str(tmp_path / "mail"))
    return targets


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_catalogue_command_reads_the_catalogue_monitor_targets_names(name, env_only, tmp_path, capsys):
    argv, expected, *code = COMMANDS[name]
    status = main([part.replace("{tmp}", str(tmp_path)) for part in argv])
    out, err = capsys.readouterr()
    assert status == (code[0] if code else 0), err
    assert "not a catalogue" not in err and "unknown key" not in err
    assert expected in out + err


def test_an_explicit_path_wins_over_monitor_targets(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_TARGETS", str(tmp_path / "from-env.yaml"))
    assert catalogue_path(tmp_path / "given.yaml") == tmp_path / "given.yaml"
    assert catalogue_path(None) == tmp_path / "from-env.yaml"
    monkeypatch.delenv("MONITOR_TARGETS")
    assert catalogue_path(None) == Path("targets.yaml")
    assert catalogue_path(None, {"MONITOR_TARGETS": ""}) == Path("targets.yaml")


def test_the_demo_server_serves_the_catalogue_monitor_targets_names(env_only, tmp_path):
    with subprocess.Popen([sys.executable, "-m", "monitor", "demo-server", "--listen", "127.0.0.1:0"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()   # printed once the catalogue is loaded and the server listens
            assert line.startswith("demo feed serving http://127.0.0.1:"), line
            series = httpx.get(line.split()[-1], params={"feed": "demo"}, timeout=10)
            assert "only_in_env" in series.text
        finally:
            process.terminate()
