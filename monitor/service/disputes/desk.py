"""The dispute desk: everything the form, the page and the CLI do with disputes, in one place.

It makes and checks the signed links (purpose "dispute", the agency, the commitment), the form's
anti-forgery token (bound to the link and to a cookie), counts submissions against the rate
limits, keeps the evidence, stores the dispute and queues the operators' mail in one transaction,
and answers a dispute (the reply mailed to the agency).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.engine import Engine
from sqlmodel import Session

from alerts.render import Renderer
from alerts.settings import AlertSettings
from monitor.disputes import FIGURES, OPEN, Dispute, Disputes, NewDispute
from monitor.evaluate import Evaluation
from monitor.model import Catalogue
from monitor.service.disputes import evidence, mail
from monitor.service.disputes.form import FormInput
from monitor.service.settings import Settings
from monitor.service.signed_links import LinkGrant, LinkRefused, LinkSigner

log = logging.getLogger("monitor.disputes")
PURPOSE = "dispute"
FORM_PURPOSE = "dispute-form"     # the form's anti-forgery token: bound to one link and one browser
IP_RATE = "10/10 minutes"         # form submissions per client address
AGENCY_RATE = "5/hour"            # disputes stored per agency


def dispute_token(signer: LinkSigner) -> Callable[[str, str], str]:
    """(commitment, agency) -> the signed token of the agency's dispute link (for the alert mails)."""
    return lambda commitment, agency: signer.token(PURPOSE, agency, commitment)


@dataclass(frozen=True)
class Evidence:
    name: str
    data: bytes


class DisputeDesk:
    def __init__(self, engine: Engine, signer: LinkSigner, *, evidence_dir: Path,
                 catalogue: Callable[[], Catalogue], board: Callable[[], Mapping[str, Evaluation]],
                 clock: Callable[[], datetime], alert_settings: AlertSettings | None = None,
                 ip_rate: str = IP_RATE, agency_rate: str = AGENCY_RATE):
        self.disputes = Disputes(engine)
        self.engine = engine
        self.signer = signer
        self.evidence_dir = evidence_dir
        self.catalogue = catalogue
        self.board = board
        self.clock = clock
        self.alert_settings = alert_settings or AlertSettings()
        self.public_url = self.alert_settings.links().url   # the host of every link in the mails
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self.ip_rate, self.agency_rate = parse(ip_rate), parse(agency_rate)
        self._renderer: Renderer | None = None

    # -- links ----------------------------------------------------------------------------
    def link(self, commitment: str, agency: str) -> str:
        """The agency's signed link to dispute the commitment's verdict (as the alert mails carry it)."""
        return f"{self.public_url}/disputes/new?token={dispute_token(self.signer)(commitment, agency)}"

    def page_url(self, commitment: str) -> str:
        return f"{self.public_url}/commitments/{quote(commitment, safe='')}"

    def grant(self, token: str) -> LinkGrant:
        """The link's grant; LinkRefused when it is forged, expired, or names what is no longer monitored."""
        grant = self.signer.verify(token, PURPOSE)
        c = self.catalogue().commitments.get(grant.subject)
        if c is None or grant.agency not in {a.id for a in ([c.agency] if c.agency else []) + list(c.co_agencies)}:
            raise LinkRefused("link names a commitment or agency no longer in the catalogue")
        return grant

    def validity_days(self) -> int:
        return round(self.signer.validity.total_seconds() / 86400)

    def operators(self) -> list[str]:
        return list(self.catalogue().alerting.operators.emails)

    # -- the form's anti-forgery token ------------------------------------------------------
    @staticmethod
    def new_nonce() -> str:
        return secrets.token_urlsafe(18)

    def form_token(self, grant: LinkGrant, nonce: str) -> str:
        return self.signer.token(FORM_PURPOSE, grant.agency, f"{grant.subject}|{nonce}")

    def form_token_ok(self, grant: LinkGrant, nonce: str | None, token: str) -> bool:
        if not nonce or not token:
            return False
        try:
            made = self.signer.verify(token, FORM_PURPOSE)
        except LinkRefused:
            return False
        return made.agency == grant.agency and made.subject == f"{grant.subject}|{nonce}"

    # -- rate limits --------------------------------------------------------------------------
    def admit_client(self, client: str) -> bool:
        return self._limiter.hit(self.ip_rate, "dispute-client", client)

    def admit_agency(self, agency: str) -> bool:
        return self._limiter.hit(self.agency_rate, "dispute-agency", agency)

    def retry_after(self, client: str, agency: str | None = None) -> int:
        """Seconds until the client (and the agency) may submit again."""
        waits = [self._limiter.get_window_stats(self.ip_rate, "dispute-client", client).reset_time]
        if agency:
            waits.append(self._limiter.get_window_stats(self.agency_rate, "dispute-agency", agency).reset_time)
        return max(1, int(max(waits) - time.time()) + 1)

    # -- filing and answering ---------------------------------------------------------------
    def renderer(self) -> Renderer:
        self._renderer = Renderer.for_catalogue(self.alert_settings, self.catalogue(), self._renderer)
        return self._renderer

    def file(self, grant: LinkGrant, fields: FormInput, attached: Evidence | None, client: str) -> Dispute:
        """Keep the evidence, store the dispute and queue the operators' mail (one transaction).
        The caller checked the fields; evidence.EvidenceRefused when the file is refused."""
        stored: str | None = None
        ext = evidence.check(attached.name, attached.data) if attached else None
        now = self.clock()
        if attached and ext:
            stored = evidence.keep(self.evidence_dir, ext, attached.data)
        verdict = self.board().get(grant.subject)
        new = NewDispute(commitment=grant.subject, agency=grant.agency, figure=fields.figure, reason=fields.reason,
                         evidence_link=fields.evidence_link or None,
                         evidence_name=attached.name if attached else None, evidence_file=stored,
                         evidence_bytes=len(attached.data) if attached else None,
                         verdict_status=verdict.status if verdict else None,
                         verdict_actual=verdict.actual if verdict else None,
                         verdict_evaluated_at=verdict.evaluated_at if verdict else None, client=client)
        catalogue = self.catalogue()
        try:
            with Session(self.engine) as session:
                row = self.disputes.add(session, new, now)
                queued = mail.queue_filed(session, self.renderer(), catalogue, row, self.page_url(row.commitment), now)
                session.commit()
                session.refresh(row)
        except Exception:
            if stored:
                (self.evidence_dir / stored).unlink(missing_ok=True)
            raise
        log.info("dispute_filed", extra={"id": row.id, "commitment": row.commitment, "agency": row.agency,
                                         "figure": row.figure, "evidence_bytes": row.evidence_bytes or 0,
                                         "operators_mailed": queued is not None})
        if queued is None:
            log.warning("dispute_no_operators", extra={"id": row.id, "hint": "targets.yaml alerting.operators.emails is empty"})
        return row

    def resolve(self, dispute_id: int, reply: str) -> tuple[Dispute, bool]:
        """Answer the dispute; whether the reply was queued for the agency."""
        now = self.clock()
        catalogue = self.catalogue()
        with Session(self.engine) as session:
            row = self.disputes.resolve(session, dispute_id, reply, now)
            queued = mail.queue_reply(session, self.renderer(), catalogue, row, self.page_url(row.commitment), now)
            session.commit()
            session.refresh(row)
        log.info("dispute_resolved", extra={"id": row.id, "commitment": row.commitment, "agency": row.agency})
        return row, queued is not None

    # -- the commitment page ----------------------------------------------------------------
    def for_page(self, commitment: str) -> list[dict[str, Any]]:
        catalogue = self.catalogue()
        zone = catalogue.calendar_zone
        shown = []
        for d in self.disputes.of_commitment(commitment):
            agency = catalogue.agencies.get(d.agency)
            shown.append({
                "id": d.id, "open": d.state == OPEN, "state_zh": "有异议·处理中" if d.state == OPEN else "异议已答复",
                "agency_name": agency.name if agency else d.agency, "figure_zh": FIGURES.get(d.figure, d.figure),
                "reason": d.reason, "filed_at": _local(d.created_at, zone), "has_file": bool(d.evidence_file),
                "has_link": bool(d.evidence_link), "reply": d.reply, "resolved_at": _local(d.resolved_at, zone),
            })
        return shown


def _local(moment: datetime | None, zone: Any) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def dispute_desk(settings: Settings, engine: Engine, catalogue: Callable[[], Catalogue],
                 board: Callable[[], Mapping[str, Evaluation]], clock: Callable[[], datetime],
                 alert_settings: AlertSettings | None = None, signer: LinkSigner | None = None) -> DisputeDesk:
    """The desk as the settings say (MONITOR_LINK_SECRET…, MONITOR_DISPUTE_*); `signer`: the daemon's own."""
    return DisputeDesk(engine, signer or settings.link_signer(),
                       evidence_dir=settings.dispute_evidence_dir or evidence.default_folder(settings.database_url),
                       catalogue=catalogue, board=board, clock=clock, alert_settings=alert_settings,
                       ip_rate=settings.dispute_rate_client, agency_rate=settings.dispute_rate_agency)
