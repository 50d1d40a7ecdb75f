"""The dispute mails, through the alert outbox like every other message: a new dispute to the
operators, the operators' answer to the agency (operators copied)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from alerts.outbox import new_notification
from alerts.render import Renderer, TemplateFailure
from alerts.tables import FAILED, Notification
from monitor.disputes import FIGURES, Dispute
from monitor.model import Catalogue

KIND = "dispute"


def context(dispute: Dispute, catalogue: Catalogue, renderer: Renderer, page_url: str) -> dict[str, Any]:
    c = catalogue.commitments.get(dispute.commitment)
    agency = catalogue.agencies.get(dispute.agency)
    return {
        "id": dispute.id, "commitment": dispute.commitment, "measured": c.measured_zh if c else dispute.commitment,
        "document_title": c.document.title if c else "", "clause": c.clause if c else "",
        "quote": c.quote if c else "", "agency_name": agency.name if agency else dispute.agency,
        "figure_zh": FIGURES.get(dispute.figure, dispute.figure), "reason": dispute.reason,
        "evidence_name": dispute.evidence_name, "evidence_bytes": dispute.evidence_bytes,
        "evidence_link": dispute.evidence_link, "filed_at": renderer.local_time(dispute.created_at),
        "reply": dispute.reply, "resolved_at": renderer.local_time(dispute.resolved_at),
        "page_url": page_url, "operators": list(catalogue.alerting.operators.emails),
    }


def _row(session: Session, renderer: Renderer, template: str, ctx: dict[str, Any], dispute: Dispute,
         to: list[str], cc: list[str], now: datetime) -> Notification | None:
    if not to:
        return None
    fields: dict[str, Any] = dict(group_key=f"dispute:{dispute.id}", kind=KIND, channel="email", to_addrs=to,
                                  cc_addrs=cc, commitments=dispute.commitment)
    try:
        rendered = renderer.render(template, ctx)
        fields.update(subject=rendered.subject, body_text=rendered.text, body_html=rendered.html)
    except TemplateFailure as exc:
        fields.update(state=FAILED, last_error=str(exc))
    row = new_notification(now, **fields)
    session.add(row)
    return row


def queue_filed(session: Session, renderer: Renderer, catalogue: Catalogue, dispute: Dispute, page_url: str,
                now: datetime) -> Notification | None:
    """Tell the operators a dispute was filed (none when targets.yaml names no operators)."""
    return _row(session, renderer, "dispute_filed", context(dispute, catalogue, renderer, page_url), dispute,
                list(catalogue.alerting.operators.emails), [], now)


def queue_reply(session: Session, renderer: Renderer, catalogue: Catalogue, dispute: Dispute, page_url: str,
                now: datetime) -> Notification | None:
    """Send the operators' answer to the agency that filed the dispute, operators copied."""
    agency = catalogue.agencies.get(dispute.agency)
    to = list(agency.emails) if agency else []
    operators = [e for e in catalogue.alerting.operators.emails if e.lower() not in {t.lower() for t in to}]
    return _row(session, renderer, "dispute_reply", context(dispute, catalogue, renderer, page_url), dispute,
                to or operators, operators if to else [], now)
