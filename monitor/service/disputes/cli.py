"""`monitor disputes list|show|resolve|link`: the operators' side of the agencies' disputes."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from monitor.disputes import FIGURES, OPEN, Dispute, DisputeClosed, DisputeNotFound
from monitor.loader import load_or_report
from monitor.model import Catalogue
from monitor.service.disputes.desk import DisputeDesk, dispute_desk
from monitor.service.pages.wording import STATUS_WORDS
from monitor.service.settings import Settings


def _desk(args: argparse.Namespace) -> tuple[DisputeDesk, Catalogue] | None:
    catalogue = load_or_report(Path(args.config))
    if catalogue is None:
        return None
    settings = Settings()
    return dispute_desk(settings, args.open_engine(), lambda: catalogue, lambda: {}, settings.clock()), catalogue


def _line(d: Dispute, catalogue: Catalogue, zone: tzinfo) -> str:
    agency = catalogue.agencies.get(d.agency)
    state = "处理中" if d.state == OPEN else "已答复"
    reason = " ".join(d.reason.split())
    reason = reason if len(reason) <= 60 else reason[:59] + "…"
    evidence = "".join([" [附件]" if d.evidence_file else "", " [链接]" if d.evidence_link else ""])
    return (f"#{d.id:<4} {state}  {d.created_at.astimezone(zone):%Y-%m-%d %H:%M}  {d.commitment}  "
            f"{agency.name if agency else d.agency}  {FIGURES.get(d.figure, d.figure)}：{reason}{evidence}")


def _as_json(d: Dispute, desk: DisputeDesk) -> dict[str, Any]:
    data = d.model_dump()
    data["evidence_path"] = str(desk.evidence_dir / d.evidence_file) if d.evidence_file else None
    return data


def cmd_list(args: argparse.Namespace) -> int:
    made = _desk(args)
    if made is None:
        return 1
    desk, catalogue = made
    rows = desk.disputes.listing(only_open=not args.all)
    if args.json:
        print(json.dumps([_as_json(d, desk) for d in rows], ensure_ascii=False, indent=1, default=str))
        return 0
    if not rows:
        print("没有待处理的异议" if not args.all else "还没有异议")
        return 0
    for d in rows:
        print(_line(d, catalogue, catalogue.calendar_zone))
    if not args.all:
        print(f"{len(rows)} 条待处理；答复：monitor disputes resolve ID --reply \"答复内容\"")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    made = _desk(args)
    if made is None:
        return 1
    desk, catalogue = made
    d = desk.disputes.get(args.id)
    if d is None:
        print(f"没有编号为 {args.id} 的异议（monitor disputes list --all 列出全部）", file=sys.stderr)
        return 1
    zone = catalogue.calendar_zone
    agency = catalogue.agencies.get(d.agency)
    print(f"异议 #{d.id}（{'处理中' if d.state == OPEN else '已答复'}）")
    print(f"承诺：{d.commitment}\n单位：{agency.name if agency else d.agency}\n提交时间：{d.created_at.astimezone(zone):%Y-%m-%d %H:%M}"
          f"（来自 {d.client}）\n有异议的数字：{FIGURES.get(d.figure, d.figure)}")
    if d.verdict_status:
        actual = "—" if d.verdict_actual is None else f"{d.verdict_actual:g}"
        print(f"提交时的结论：{STATUS_WORDS.get(d.verdict_status, d.verdict_status)}，当前实际 {actual}")
    print(f"理由：\n{d.reason}")
    if d.evidence_file:
        print(f"附件：{d.evidence_name}（{d.evidence_bytes} 字节）存于 {desk.evidence_dir / d.evidence_file}")
    if d.evidence_link:
        print(f"链接：{d.evidence_link}")
    if d.reply:
        print(f"答复（{d.resolved_at.astimezone(zone):%Y-%m-%d %H:%M}）：\n{d.reply}" if d.resolved_at else d.reply)
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    reply = args.reply.strip()
    if not reply:
        print("答复不能为空：--reply \"答复内容\"", file=sys.stderr)
        return 1
    made = _desk(args)
    if made is None:
        return 1
    desk, _ = made
    try:
        row, mailed = desk.resolve(args.id, reply)
    except DisputeNotFound:
        print(f"没有编号为 {args.id} 的异议（monitor disputes list --all 列出全部）", file=sys.stderr)
        return 1
    except DisputeClosed:
        print(f"异议 #{args.id} 已答复过，未作改动（monitor disputes show {args.id} 查看答复）", file=sys.stderr)
        return 1
    where = "答复已排入发件箱，运行中的守护进程（monitor run）会发出" if mailed else \
        "targets.yaml 中该单位和运维人员都没有邮箱，答复未发送"
    print(f"异议 #{row.id} 已答复；{where}；承诺页面已显示答复。")
    return 0


def cmd_link(args: argparse.Namespace) -> int:
    made = _desk(args)
    if made is None:
        return 1
    desk, catalogue = made
    c = catalogue.commitments.get(args.commitment)
    if c is None:
        print(f"目录中没有承诺 {args.commitment!r}", file=sys.stderr)
        return 1
    agency = args.agency or (c.agency.id if c.agency else None)
    allowed = {a.id for a in ([c.agency] if c.agency else []) + list(c.co_agencies)}
    if agency not in allowed:
        print(f"承诺 {c.id} 的牵头和责任单位是 {', '.join(sorted(allowed)) or '（无）'}；--agency 须是其中之一", file=sys.stderr)
        return 1
    print(desk.link(c.id, agency))
    return 0


def add_dispute_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], open_engine: Callable[[], Engine]) -> None:
    disputes = subparsers.add_parser("disputes", help="agencies' disputes of verdicts: list, show, resolve, link")
    verbs = disputes.add_subparsers(dest="disputes_command", required=True)
    listing = verbs.add_parser("list", help="open disputes (--all: every one)")
    listing.add_argument("--all", action="store_true")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)
    show = verbs.add_parser("show", help="one dispute in full, with where its evidence file is kept")
    show.add_argument("id", type=int)
    show.set_defaults(func=cmd_show)
    resolve = verbs.add_parser("resolve", help="answer a dispute: the reply is mailed to the agency and shown on the page")
    resolve.add_argument("id", type=int)
    resolve.add_argument("--reply", required=True)
    resolve.set_defaults(func=cmd_resolve)
    link = verbs.add_parser("link", help="print a fresh signed dispute link for a commitment's agency")
    link.add_argument("commitment")
    link.add_argument("--agency", help="default: the lead agency")
    link.set_defaults(func=cmd_link)
    for parser in (listing, show, resolve, link):
        parser.add_argument("--config", default="targets.yaml", help="targets.yaml (default ./targets.yaml)")
        parser.set_defaults(open_engine=open_engine)
