"""Commands: `monitor alerts`, `monitor notify --test AGENCY`, `monitor preview COMMITMENT`, `monitor silence`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from alerts.messages import UnknownName
from alerts.pipeline import AlertPipeline
from alerts.render import local_time, number
from alerts.settings import AlertSettings
from alerts.silences import SilenceError, add_silence, expire_silence
from alerts.tables import AlertState, Notification, Silence
from monitor.loader import TARGETS_HELP, load_or_report
from monitor.spec.common import parse_duration


def parse_until(text: str, now: datetime, zone: tzinfo) -> datetime:
    """`2h`, `3d` (from now) or an ISO time (in `zone`, the calendar's, when it has no offset)."""
    try:
        return now + parse_duration(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SilenceError(f"--until: expected a duration (2h, 3d) or a time (2026-05-01T18:00), got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def cmd_alerts(args: argparse.Namespace) -> int:
    catalogue = load_or_report(args.config)
    if catalogue is None:
        return 1
    with Session(args.open_engine()) as session:
        states = session.exec(select(AlertState).order_by(AlertState.commitment, AlertState.alert)).all()
    shown = [s for s in states if args.all or s.state in ("firing", "pending")]
    if not shown:
        print("no alert is firing or pending")
        return 0
    for s in shown:
        commitment = catalogue.commitments.get(s.commitment)
        agency = commitment.agency.name if commitment and commitment.agency else "-"
        since = s.fired_at if s.state == "firing" else s.active_since
        print(f"{s.state:8} {s.severity or '-':8} {s.commitment}  [{s.alert}] {s.status} actual={number(s.actual)}"
              f"{s.unit or ''}  since {local_time(since, catalogue.calendar_zone)}  agency={agency}  told={s.announced or '-'}")
    return 0


def cmd_notify(args: argparse.Namespace) -> int:
    catalogue = load_or_report(args.config)
    if catalogue is None:
        return 1
    pipeline = AlertPipeline(args.open_engine(), AlertSettings())

    async def send() -> Notification:
        try:
            return await pipeline.send_test(catalogue, args.test, datetime.now(UTC))
        finally:
            await pipeline.aclose()
    try:
        row = asyncio.run(send())
    except UnknownName as exc:
        print(exc, file=sys.stderr)
        return 1
    where = pipeline.settings.smtp_host or f"maildir {pipeline.settings.maildir}"
    print(f"notification #{row.id} to {row.to_addrs} via {where}: {row.state}"
          + (f" ({row.last_error})" if row.last_error else ""))
    return 0 if row.state == "sent" else 1


def cmd_preview(args: argparse.Namespace) -> int:
    catalogue = load_or_report(args.config)
    if catalogue is None:
        return 1
    pipeline = AlertPipeline(args.open_engine(), AlertSettings())
    try:
        batch, rendered = pipeline.preview(catalogue, args.commitment, datetime.now(UTC))
    except UnknownName as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"To: {', '.join(batch.to) or '-'}\nCc: {', '.join(batch.cc) or '-'}\nBcc: {', '.join(batch.bcc) or '-'}")
    print(f"Subject: {rendered.subject}\n")
    print(rendered.html if args.html else rendered.text)
    return 0


def cmd_silence(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    catalogue = load_or_report(args.config)
    if catalogue is None:
        return 1
    zone = catalogue.calendar_zone

    def local(at: datetime) -> str:
        return local_time(at, zone)
    engine = args.open_engine()
    try:
        with Session(engine) as session:
            if args.silence_command == "add":
                if args.commitment and args.commitment not in catalogue.commitments:
                    raise SilenceError(f"unknown commitment {args.commitment!r}")
                if args.agency and args.agency not in catalogue.agencies:
                    raise SilenceError(f"unknown agency {args.agency!r}; known: {', '.join(sorted(catalogue.agencies))}")
                s = add_silence(session, now, parse_until(args.until, now, zone), args.comment,
                                commitment=args.commitment, agency=args.agency, created_by=args.author)
                print(f"silence #{s.id} until {local(s.ends_at)} ({zone})")
            elif args.silence_command == "expire":
                s = expire_silence(session, args.id, now)
                print(f"silence #{s.id} ended {local(s.ends_at)}")
            else:
                query = select(Silence).order_by(col(Silence.id))
                if not args.all:
                    query = query.where(Silence.ends_at > now)
                for s in session.exec(query).all():
                    state = "active" if s.starts_at <= now < s.ends_at else ("expired" if s.ends_at <= now else "future")
                    print(f"#{s.id} {state:7} {('commitment=' + s.commitment) if s.commitment else ('agency=' + str(s.agency))}"
                          f"  {local(s.starts_at)} → {local(s.ends_at)}  {s.comment}")
    except SilenceError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def add_alert_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], open_engine: Callable[[], Engine]) -> None:
    """The alert commands; `open_engine` gives the operational database with the alert tables created
    (the service passes it: the database's location is an operational setting, not the alerts')."""
    def with_config(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument("--config", help=TARGETS_HELP)
        return parser

    alerts = with_config(subparsers.add_parser("alerts", help="what is firing (and pending)"))
    alerts.add_argument("--all", action="store_true", help="also resolved and inactive alerts")
    alerts.set_defaults(func=cmd_alerts)

    notify = with_config(subparsers.add_parser("notify", help="send a test message to an agency"))
    notify.add_argument("--test", required=True, metavar="AGENCY", help="agency id from targets.yaml")
    notify.set_defaults(func=cmd_notify)

    preview = with_config(subparsers.add_parser("preview", help="render a commitment's message without sending"))
    preview.add_argument("commitment")
    preview.add_argument("--html", action="store_true", help="print the HTML part instead of the text")
    preview.set_defaults(func=cmd_preview)

    silence = subparsers.add_parser("silence", help="mute alerts: add, list, expire")
    verbs = silence.add_subparsers(dest="silence_command", required=True)
    add = with_config(verbs.add_parser("add", help="mute a commitment or an agency until a time"))
    target = add.add_mutually_exclusive_group(required=True)
    target.add_argument("--commitment")
    target.add_argument("--agency")
    add.add_argument("--until", required=True, help="a duration from now (2h, 3d) or a time (2026-05-01T18:00)")
    add.add_argument("--comment", required=True)
    add.add_argument("--author", default="")
    listing = with_config(verbs.add_parser("list", help="active silences"))
    listing.add_argument("--all", action="store_true", help="also expired ones")
    expire = with_config(verbs.add_parser("expire", help="end a silence now"))
    expire.add_argument("id", type=int)
    for parser in (alerts, notify, preview, silence):
        parser.set_defaults(open_engine=open_engine)
    silence.set_defaults(func=cmd_silence)
