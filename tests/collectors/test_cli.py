"""`monitor collect FEED --dry-run` through the collectors' argparse command."""

from __future__ import annotations

import argparse
import json
import os

from collectors.cli import add_collect_command
from monitor.service.cli import open_database
from monitor.store import Store


def run(argv):
    parser = argparse.ArgumentParser()
    add_collect_command(parser.add_subparsers(dest="command", required=True), lambda url: Store(open_database(url)))
    args = parser.parse_args(argv)
    return args.func(args)


def make_drop(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "june.csv").write_text("rate\n95\n", encoding="utf-8")
    (tmp_path / "targets.yaml").write_text(
        f"version: 1\nfeeds:\n  - id: drop\n    kind: file\n    path: {drop}\n    settle: 0s\n"
        "    series:\n      - {name: rate, type: share, column: rate}\n", encoding="utf-8")
    return drop


def test_dry_run_prints_what_would_be_stored_and_touches_nothing(tmp_path, capsys):
    drop = make_drop(tmp_path)
    assert run(["collect", "drop", "--dry-run", "--config", str(tmp_path / "targets.yaml")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] and summary["rows_accepted"] == 1
    assert summary["series"]["rate"]["latest"][0][1] == 95
    assert os.listdir(drop) == ["june.csv"]


def test_without_dry_run_the_result_is_stored(tmp_path, capsys):
    make_drop(tmp_path)
    url = f"sqlite:///{tmp_path / 'm.db'}"
    assert run(["collect", "drop", "--config", str(tmp_path / "targets.yaml"), "--database-url", url]) == 0
    from monitor.store import Store, make_engine
    data = Store(make_engine(url)).measure_data("drop", "rate")
    assert [v.value for v in data.values] == [95]


def test_unknown_feed_lists_the_feeds(tmp_path, capsys):
    make_drop(tmp_path)
    assert run(["collect", "nope", "--dry-run", "--config", str(tmp_path / "targets.yaml")]) == 2
    assert "drop" in capsys.readouterr().err
