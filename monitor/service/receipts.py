"""A receipt for every submitted file (progress report or case spreadsheet): a Chinese mail through the
outbox to the submitting agency, copied to the operators — accepted, with each commitment's new
value and verdict, or rejected, with every problem (the row in `file_receipt` is written first, by the
daemon, before it evaluates) and, for a rejected
file, an ERROR log line (the collection counts it in monitor_feed_rows_rejected_total{reason="file_rejected"},
and the generated rule MonitorFileRejected tells the operators).

Case spreadsheets name no agency: their receipt goes to the lead agencies of the feed's commitments.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.outbox import new_notification
from alerts.render import local_time, number
from monitor.evaluate import Evaluation
from monitor.model import Catalogue
from monitor.reporting import FileReceipt
from monitor.service.pages.wording import STATUS_WORDS, reason_zh
from monitor.vocabulary import PRODUCT_NAME

log = logging.getLogger("monitor.receipts")


def _agencies(catalogue: Catalogue, receipt: FileReceipt) -> list[str]:
    if receipt.agency is not None:
        return [receipt.agency]
    return list(dict.fromkeys(c.agency.id for c in catalogue.evaluated_commitments(receipt.feed) if c.agency))


def _page(public_url: str, path: str) -> str:
    return public_url.rstrip("/") + path


def render(catalogue: Catalogue, receipt: FileReceipt, received_at: datetime,
           evaluations: Mapping[str, Evaluation], public_url: str) -> tuple[str, str]:
    """(subject, text) of the receipt, in Chinese."""
    names = [catalogue.agencies[a].name for a in _agencies(catalogue, receipt) if a in catalogue.agencies]
    who = "、".join(names) or "报送单位"
    when = local_time(received_at, catalogue.calendar_zone)
    period = f"（报送期：{receipt.period}）" if receipt.period else ""
    lines = [f"{who}：", ""]
    if receipt.accepted:
        subject = f"【回执】{who}：文件“{receipt.file}”已采用" + (f"（{receipt.period}，{len(receipt.entries)}项）"
                                                               if receipt.entries else "")
        lines.append(f"贵单位提交的文件“{receipt.file}”{period}已于{when}通过核验，数据已入库。")
        if receipt.entries:
            lines += ["各项承诺的最新数值与结论：", ""]
            for i, entry in enumerate(receipt.entries, 1):
                c = catalogue.commitments.get(entry.commitment)
                if c is None:
                    continue
                ev = evaluations.get(c.id)
                status = STATUS_WORDS.get(ev.status, ev.status) if ev else "待评估"
                lines += [f"{i}. {c.measured_zh}（{c.id}）",
                          f"   本期数值：{number(entry.value)}{c.unit}（数据截至{entry.as_of.isoformat()}）",
                          f"   结论：{status} — {reason_zh(c, ev)}"]
                lines += [f"   完成情况说明：{entry.note}"] if entry.note else []
                lines += [f"   佐证材料：{entry.evidence}"] if entry.evidence else []
                lines += [f"   详情：{_page(public_url, '/commitments/' + c.id)}", ""]
            lines.append("如需更正，请在同一报送期重新提交完整文件，后提交的文件将替换本次数据。")
        else:
            affected = [c for c in catalogue.evaluated_commitments(receipt.feed)]
            lines += ["", "据此评估的承诺及其最新结论："]
            for c in affected:
                ev = evaluations.get(c.id)
                status = STATUS_WORDS.get(ev.status, ev.status) if ev else "待评估"
                lines += [f"· {c.measured_zh}（{c.id}）：{status} — {reason_zh(c, ev)}",
                          f"  详情：{_page(public_url, '/commitments/' + c.id)}"]
    else:
        subject = f"【回执】{who}：文件“{receipt.file}”未被采用，有{len(receipt.problems)}个问题需改正"
        lines += [f"贵单位于{when}提交的文件“{receipt.file}”{period}未被采用：整份文件的数据均未入库"
                  "（此前已采用的数据不受影响）。", "",
                  f"请改正以下全部{len(receipt.problems)}个问题后重新提交完整文件：", ""]
        lines += [f"{i}. {p}" for i, p in enumerate(receipt.problems, 1)]
    lines += ["", f"—— {PRODUCT_NAME}（本邮件自动发送，同时抄送运维人员；如有疑问请回复运维人员）"]
    return subject, "\n".join(lines) + "\n"


def queue(engine: Engine, catalogue: Catalogue, receipts: Sequence[FileReceipt], evaluations: Sequence[Evaluation],
          now: datetime, public_url: str) -> int:
    """Queue each receipt's mail (to the agency, cc the operators; the receipts are recorded by
    report_tables.record once the collection is stored); the mails' count."""
    if not receipts:
        return 0
    by_id = {e.commitment: e for e in evaluations}
    operators = list(catalogue.alerting.operators.emails)
    queued = 0
    with Session(engine) as session:
        for receipt in receipts:
            if not receipt.accepted:   # counted by the collection: monitor_feed_rows_rejected_total{reason="file_rejected"}
                log.error("file_rejected", extra={"feed": receipt.feed, "agency": receipt.agency or "-",
                                                  "file": receipt.file, "problems": len(receipt.problems)})
            to = [address for a in _agencies(catalogue, receipt) if a in catalogue.agencies
                  for address in catalogue.agencies[a].emails]
            if not to and not operators:
                continue
            subject, text = render(catalogue, receipt, now, by_id, public_url)
            commitments = [e.commitment for e in receipt.entries]
            session.add(new_notification(now, group_key=f"receipt:{receipt.feed}:{receipt.agency or '-'}",
                                         kind="receipt", channel="email", to_addrs=to or operators,
                                         cc_addrs=operators if to else [], subject=subject, body_text=text,
                                         commitments=" ".join(commitments)))
            queued += 1
        session.commit()
    return queued
