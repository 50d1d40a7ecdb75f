"""Alert on what changes, not on history.

The first time the monitor judges a commitment on data (its first start, or a reload that adds the
commitment), a verdict already settled then (its deadline passed before the monitor looked) is no
alert: nothing can be done about a target settled years ago. It shows on the pages, and its lead
agency gets one short onboarding summary listing what was found settled. Each commitment's first
judgement is a row of `alert_onboarding`, written in the pipeline's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from alerts.tables import AlertOnboarding
from monitor.evaluate import Evaluation
from monitor.model import Catalogue
from monitor.spec.alerting import AlertingSpec
from monitor.store import in_pages

_NO_VERDICT = ("no_data", "error")


@dataclass(frozen=True)
class Summary:
    """One agency's onboarding summary: the commitments found settled, oldest first-judged first."""

    agency: str
    rows: list[AlertOnboarding]


class Onboarding:
    """Remembers which commitments were judged before (a cache over `alert_onboarding`)."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[str, date | None] | None] = {}   # commitment -> settled at the start
        self.pending: bool | None = None    # unsummarised rows may exist (None: not looked yet)

    def settled_at_start(self, session: Session, catalogue: Catalogue, evaluations: Sequence[Evaluation],
                         now: datetime) -> set[str]:
        """Record the first judgement of every commitment judged on data for the first time; return
        the commitments whose current verdict is the one found settled then (no alert for them)."""
        judged = [e for e in evaluations if e.status not in _NO_VERDICT and e.commitment in catalogue.commitments]
        unknown = sorted({e.commitment for e in judged} - self._known.keys())
        for page in in_pages(unknown):
            for row in session.exec(select(AlertOnboarding).where(col(AlertOnboarding.commitment).in_(page))):
                self._known[row.commitment] = (row.settled_status, row.settled_on) if row.settled_status else None
        rows = []
        for e in judged:
            if e.commitment in self._known:
                continue
            settled = e.settled_on is not None
            agency = catalogue.commitments[e.commitment].agency
            rows.append({"commitment": e.commitment, "first_at": now, "settled_status": e.status if settled else None,
                         "settled_on": e.settled_on, "agency": agency.id if agency else None,
                         "summarised_at": None if settled else now})
            self._known[e.commitment] = (e.status, e.settled_on) if settled else None
            self.pending = self.pending or settled
        if rows:   # one statement for a feed's first cycle (thousands of commitments at scale)
            session.execute(insert(AlertOnboarding), rows)
        return {e.commitment for e in evaluations
                if (found := self._known.get(e.commitment)) is not None and found == (e.status, e.settled_on)}

    def forget(self) -> None:
        """After a rolled-back transaction: what was recorded may not be in the database."""
        self._known.clear()
        self.pending = None

    def due(self, session: Session, spec: AlertingSpec, now: datetime) -> list[Summary]:
        """The agencies whose summary is due: group_wait after the first commitment found settled, so
        the feeds judged in the first moments of a start share one summary."""
        if self.pending is False:
            return []
        rows = list(session.exec(select(AlertOnboarding).where(
            col(AlertOnboarding.summarised_at).is_(None)).order_by(col(AlertOnboarding.commitment))).all())
        self.pending = bool(rows)
        by_agency: dict[str, list[AlertOnboarding]] = {}
        for row in rows:
            by_agency.setdefault(row.agency or "", []).append(row)
        return [Summary(agency, found) for agency, found in sorted(by_agency.items())
                if now >= min(r.first_at for r in found) + spec.group_wait]
