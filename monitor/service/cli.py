"""The `monitor` command: run, validate, list, and the commands each package contributes."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from monitor.hedges import hedges_in
from monitor.loader import TARGETS_HELP, catalogue_path, load_or_report, unwired_warnings
from monitor.model import Catalogue

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# The daemon's stack (SQLAlchemy, the alert engine, the web pages...) is imported by the commands that
# use it, not up front: `monitor validate` and the other catalogue commands start in a fraction of the time.
CATALOGUE_COMMANDS = ("validate", "list", "calendar")


def cmd_validate(args: argparse.Namespace) -> int:
    path = catalogue_path(args.file)
    catalogue = load_or_report(path)
    if catalogue is None:
        return 1
    active = len(catalogue.evaluated_commitments())
    for c in catalogue.commitments.values():
        found = hedges_in(c.quote)
        if found and c.hedge is None:
            print(f"{path}: 提示：{c.id} 的原文“{c.quote}”含“{found[0]}”，未记录 hedge；请加 `hedge: {found[0]}`"
                  f"（评估仍按原文数值；原文写明比例时设 measure.min_share）", file=sys.stderr)
    warnings = unwired_warnings(catalogue)
    for warning in warnings:
        print(warning, file=sys.stderr)
    print(f"{path}: ok — {len(catalogue.documents)} documents, {len(catalogue.agencies)} agencies, "
          f"{len(catalogue.feeds)} feeds, {len(catalogue.commitments)} commitments ({active} evaluated"
          f"{f', {len(warnings)} 未接入数据' if warnings else ''})"
          + (f", {len(catalogue.drafts)} drafts (草稿，不监测)" if catalogue.drafts else ""))
    from monitor.generators.cli import stale_reminder

    reminder = stale_reminder(catalogue, path)
    if reminder:
        print(reminder, file=sys.stderr)
    return 0


def catalogue_rows(catalogue: Catalogue) -> list[dict[str, Any]]:
    """The catalogue as plain rows (for `monitor list --json`); numbers in the unit as written."""
    return [{
        "id": c.id, "document": c.document.source, "document_id": c.document.id, "clause": c.clause,
        "quote": c.quote, "measured": c.measured_zh, "measured_en": c.measured_en, "kind": c.kind, "op": c.op,
        "value": c.value, "value_max": c.value_max, "unit": c.unit,
        "deadline": c.deadline.isoformat() if c.deadline else None,
        "agency": c.agency.name if c.agency else None, "agency_id": c.agency.id if c.agency else None,
        "co_agencies": [a.name for a in c.co_agencies], "monitorable": c.monitorable,
        "reason": c.reason, "status": "draft" if c.draft else "active", "hedge": c.hedge,
    } for c in (*catalogue.commitments.values(), *catalogue.drafts.values())]


def cmd_list(args: argparse.Namespace) -> int:
    catalogue = load_or_report(args.config)
    if catalogue is None:
        return 1
    rows = catalogue_rows(catalogue)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        target = f"{r['op']} {r['value']:g}" + (f"-{r['value_max']:g}" if r["value_max"] is not None else "")
        flag = "" if r["monitorable"] else "  (not monitored)"
        flag += "  (draft)" if r["status"] == "draft" else ""
        print(f"{r['id']:<60} {r['kind']:<13} {target:>12} {r['unit']:<6} {r['deadline'] or '-':<10} "
              f"{r['agency'] or '-'}{flag}")
    print(f"{len(rows)} commitments")
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    from monitor.calendar import WorkCalendar

    catalogue = load_or_report(args.config)
    if catalogue is None:
        return 1
    calendar = WorkCalendar.from_spec(catalogue.calendar)
    year = args.year or datetime.now(calendar.timezone).year
    try:
        listing = calendar.year_listing(year)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"year": year, "source": listing.source, "provisional": listing.provisional,
                          "holidays": [{"date": d.isoformat(), "name": n} for d, n in listing.holidays],
                          "workdays": [{"date": d.isoformat(), "name": n} for d, n in listing.workdays]},
                         ensure_ascii=False, indent=1))
        return 0
    print(f"{year}: {listing.source}" + ("  [PROVISIONAL]" if listing.provisional else ""))
    print("holidays (days off):")
    for day, name in listing.holidays:
        print(f"  {day} {day.strftime('%a')}  {name}")
    print("make-up working days (调休):" + ("" if listing.workdays else " none"))
    for day, name in listing.workdays:
        print(f"  {day} {day.strftime('%a')}  {name}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    import asyncio

    from alerts.pipeline import AlertPipeline
    from monitor.service import heap
    from monitor.service.daemon import Daemon, open_store
    from monitor.service.disputes.desk import dispute_token
    from monitor.service.logs import setup_logging
    from monitor.service.settings import Settings
    from monitor.service.store_health import StoreUnavailable

    heap.limit_arenas()   # before any thread allocates (see heap.py)
    settings = Settings().model_copy(update={"targets": catalogue_path(args.config)})
    setup_logging(settings.log_format, settings.log_level)
    catalogue = load_or_report(settings.targets)
    if catalogue is None:
        return 1
    try:
        store = open_store(settings)   # every package's tables created or upgraded
    except StoreUnavailable as exc:
        print(f"monitor: not starting: {exc} ({settings.database_url.split('://')[0]} database)", file=sys.stderr)
        return 1
    alerts = AlertPipeline(store.engine, dispute_token=dispute_token(settings.link_signer()))   # mails' dispute links
    daemon = Daemon(settings, catalogue, store, demo=args.demo, alerts=alerts, clock=settings.clock())
    heap.settle()
    asyncio.run(daemon.run())
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    """Apply the retention of MONITOR_RETAIN_* now, or with --dry-run say what would go."""
    from monitor.calendar import WorkCalendar
    from monitor.service.daemon import open_store
    from monitor.service.retention import prune
    from monitor.service.settings import Settings
    from monitor.service.store_health import StoreUnavailable

    settings = Settings().model_copy(update={"targets": catalogue_path(args.config)})
    catalogue = load_or_report(settings.targets)
    if catalogue is None:
        return 1
    try:
        store = open_store(settings)
    except StoreUnavailable as exc:
        print(f"monitor: cannot prune: {exc}", file=sys.stderr)
        return 1
    retention = settings.retention()
    report = prune(store.engine, catalogue, WorkCalendar.from_spec(catalogue.calendar), datetime.now(UTC),
                   retention, dry_run=args.dry_run)
    print(f"retention: evaluations {retention.evaluations_days:g} d (then transitions and a daily snapshot), "
          f"observations {retention.observations_days:g} d or as long as a commitment reads them, "
          f"sent notifications {retention.notifications_days:g} d")
    for line in report.lines():
        print(line)
    return 0


def cmd_demo_server(args: argparse.Namespace) -> int:
    """The demo feed as its own process: a scale run then measures the monitor, not its load generator.
    Point the catalogue's demo feed at it with `url: http://HOST:PORT/demo/series.json`."""
    import signal
    import threading

    from monitor.calendar import WorkCalendar
    from monitor.service.demo.server import DemoServer
    from monitor.service.settings import Settings, split_address

    settings = Settings()
    catalogue = load_or_report(args.config)
    if catalogue is None:
        return 1
    calendar = WorkCalendar.from_spec(catalogue.calendar)
    server = DemoServer(lambda: catalogue, lambda: calendar, settings.demo_seed,
                        *split_address(args.listen or settings.demo_listen), clock=settings.clock()).start()
    print(f"demo feed serving {server.url}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


def open_database(url: str | None = None) -> Engine:
    """The database (default: the settings') with the store's and the alerts' tables, for the commands."""
    from monitor import migrations
    from monitor.service.settings import Settings, ensure_sqlite_folder
    from monitor.store import make_engine

    url = url or Settings().database_url
    ensure_sqlite_folder(url)
    engine = make_engine(url)
    migrations.upgrade(engine)
    return engine


def build_parser(catalogue_commands_only: bool = False) -> argparse.ArgumentParser:
    """Every command; `catalogue_commands_only`: the CATALOGUE_COMMANDS alone, without importing what
    the other commands need (main's fast path for them)."""
    parser = argparse.ArgumentParser(prog="monitor", description="Watch the numeric promises of government plans.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the daemon")
    run.add_argument("--demo", action="store_true", help="start the built-in demo feed server")
    run.add_argument("--config", help=TARGETS_HELP)
    run.set_defaults(func=cmd_run)

    validate = sub.add_parser("validate", help="check targets.yaml; exit 1 with every problem listed")
    validate.add_argument("file", nargs="?", help=TARGETS_HELP)
    validate.set_defaults(func=cmd_validate)

    listing = sub.add_parser("list", help="list the catalogue")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--config", help=TARGETS_HELP)
    listing.set_defaults(func=cmd_list)

    calendar = sub.add_parser("calendar", help="a year's holidays and make-up working days, and where they came from")
    calendar.add_argument("year", nargs="?", type=int, help="default: this year")
    calendar.add_argument("--config", help=TARGETS_HELP)
    calendar.add_argument("--json", action="store_true")
    calendar.set_defaults(func=cmd_calendar)

    demo_server = sub.add_parser("demo-server", help="serve the demo feed for the catalogue as its own process")
    demo_server.add_argument("--listen", help="HOST:PORT (default: MONITOR_DEMO_LISTEN; port 0 picks one)")
    demo_server.add_argument("--config", help=TARGETS_HELP)
    demo_server.set_defaults(func=cmd_demo_server)

    if catalogue_commands_only:
        return parser
    _add_service_commands(sub)
    return parser


def _add_service_commands(sub: Any) -> None:
    from alerts.cli import add_alert_commands
    from collectors.cli import add_collect_command
    from monitor.extract import add_extract_command
    from monitor.generators.cli import add_generator_commands
    from monitor.service import health
    from monitor.service.disputes.cli import add_dispute_commands
    from monitor.service.oneshot import add_evaluate_command
    from monitor.service.reports_cli import add_reports_commands
    from monitor.store import Store

    pruning = sub.add_parser("prune", help="apply the retention (MONITOR_RETAIN_*) to the store now")
    pruning.add_argument("--dry-run", action="store_true", help="count what would be deleted; delete nothing")
    pruning.add_argument("--config", help=TARGETS_HELP)
    pruning.set_defaults(func=cmd_prune)

    health.add_arguments(sub.add_parser("health", help="ask the running daemon (MONITOR_LISTEN) whether it "
                                        "serves; exit 0 or 1 (the container's HEALTHCHECK)"))
    for add_commands in (add_evaluate_command, add_generator_commands, add_extract_command, add_reports_commands):
        add_commands(sub)
    add_collect_command(sub, lambda url: Store(open_database(url)))   # the database is the service's setting
    add_alert_commands(sub, open_database)
    add_dispute_commands(sub, open_database)


def main(argv: list[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    args = build_parser(catalogue_commands_only=bool(given) and given[0] in CATALOGUE_COMMANDS).parse_args(argv)
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
