"""`monitor grafana` and `monitor rules`: write the generated files, or --check that they are current."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from pathlib import Path

from monitor import names
from monitor.generators import grafana, rules
from monitor.generators.digest import generated_digest
from monitor.loader import TARGETS_HELP, load_or_report
from monitor.model import Catalogue

log = logging.getLogger("monitor.generators")


def cmd_grafana(args: argparse.Namespace) -> int:
    catalogue = load_or_report(args.config)
    if catalogue is None:
        return 1
    out = Path(args.out)
    if args.check:
        stale = grafana.stale_files(catalogue, out, args.job)
        for path in stale:
            print(f"{path}: stale; run `monitor grafana` and commit the result", file=sys.stderr)
        return 1 if stale else 0
    for path in grafana.write_dashboards(catalogue, out, args.job):
        print(f"wrote {path}")
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    catalogue = load_or_report(args.config)
    if catalogue is None:
        return 1
    out = Path(args.out)
    if args.check:
        if rules.is_stale(catalogue, out, args.job):
            print(f"{out}: stale; run `monitor rules` and commit the result", file=sys.stderr)
            return 1
        return 0
    print(f"wrote {rules.write_rules(catalogue, out, args.job)}")
    return 0


def stale_reminder(catalogue: Catalogue, catalogue_path: Path) -> str | None:
    """For `monitor validate`: a reminder (in Chinese, for the editor) when the rules or dashboards
    checked in beside the catalogue were generated from another catalogue; None when in step or
    when there are none (a catalogue outside the project)."""
    base = catalogue_path.resolve().parent
    rules_file, dashboards = base / rules.RULES_FILE, base / grafana.DASHBOARD_DIR
    if not rules_file.is_file() and not dashboards.is_dir():
        return None
    stale = []
    if rules_file.is_file() and rules.digest_of_file(rules_file) != generated_digest(catalogue):
        stale.append(str(rules.RULES_FILE))
    if dashboards.is_dir():
        stale += [str(grafana.DASHBOARD_DIR / path.name) for path in grafana.stale_files(catalogue, dashboards)
                  if path.is_file()]
    if not stale:
        return None
    return (f"提醒：{'、'.join(stale)} 仍是按修改前的目录生成的（新增的数据源没有告警规则，看板也不全）。"
            "请运行 `make generate`（即 `monitor rules` 与 `monitor grafana`），提交生成的文件，"
            "再让 Prometheus 与 Grafana 重新加载。")


def job_name(value: str) -> str:
    """A Prometheus job name that fits inside a double-quoted PromQL label value as it is."""
    if not value or re.search(r'["\\\n]', value):
        raise argparse.ArgumentTypeError(f"{value!r}: a job name without quotes, backslashes or line breaks")
    return value


def add_generator_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    job_help = f"the Prometheus job that scrapes the daemon (default {names.DEFAULT_JOB})"
    g = subparsers.add_parser("grafana", help="write the Grafana dashboards generated from the catalogue")
    g.add_argument("--config", help=TARGETS_HELP)
    g.add_argument("--out", default=str(grafana.DASHBOARD_DIR), help="directory (default grafana/dashboards)")
    g.add_argument("--check", action="store_true", help="write nothing; exit 1 when a checked-in file is stale")
    g.add_argument("--job", type=job_name, default=names.DEFAULT_JOB, help=job_help + "; the $job variable's default")
    g.set_defaults(func=cmd_grafana)
    r = subparsers.add_parser("rules", help="write the Prometheus alerting rules generated from the catalogue")
    r.add_argument("--config", help=TARGETS_HELP)
    r.add_argument("--out", default=str(rules.RULES_FILE), help="file (default deploy/rules/commitments.yml)")
    r.add_argument("--check", action="store_true", help="write nothing; exit 1 when the checked-in file is stale")
    r.add_argument("--job", type=job_name, default=names.DEFAULT_JOB, help=job_help + ", for MonitorDown")
    r.set_defaults(func=cmd_rules)
