"""`monitor reports template AGENCY [--period YYYY-MM] [--out FILE]`: the agency's progress-report template."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from collectors.reporting import write_template
from monitor.loader import load_or_report
from monitor.reporting import Period, due_commitments, due_date, feed_of_agency, period_due_around


def cmd_template(args: argparse.Namespace) -> int:
    catalogue = load_or_report(Path(args.config))
    if catalogue is None:
        return 1
    agency = catalogue.agencies.get(args.agency)
    feed = feed_of_agency(catalogue, args.agency) if agency is not None else None
    if agency is None or feed is None:
        print(f"“{args.agency}”不报送进展：目录中没有由它牵头、数据来自填报（kind: reports）的承诺。"
              f"报送单位：{', '.join(a for a in catalogue.agencies if feed_of_agency(catalogue, a)) or '无'}",
              file=sys.stderr)
        return 2
    if args.period:
        try:
            period = Period.parse(args.period)
        except ValueError:
            print(f"报送期应写成 YYYY-MM（如 2026-11），而不是“{args.period}”", file=sys.stderr)
            return 2
    else:
        period = period_due_around(feed, datetime.now(UTC).astimezone(catalogue.calendar_zone).date())
    commitments = due_commitments(catalogue, feed.id, agency.id, period)
    out = Path(args.out or f"{agency.id}-{period}.xlsx")
    out.write_bytes(write_template(agency, commitments, period, due_date(feed, period)))
    print(f"{out}: {agency.name} {period} 填报表，{len(commitments)} 项承诺，应于{due_date(feed, period).isoformat()}前报送")
    return 0


def add_reports_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    reports = sub.add_parser("reports", help="agencies' progress reports")
    commands = reports.add_subparsers(dest="reports_command", required=True)
    template = commands.add_parser("template", help="write an agency's progress-report template (.xlsx)")
    template.add_argument("agency", help="the agency's id in targets.yaml")
    template.add_argument("--period", help="YYYY-MM (default: the period due next)")
    template.add_argument("--out", help="the file to write (default: AGENCY-PERIOD.xlsx)")
    template.add_argument("--config", default="targets.yaml")
    template.set_defaults(func=cmd_template)
