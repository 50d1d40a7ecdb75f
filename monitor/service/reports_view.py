"""What the pages show of agencies' submissions: files rejected lately (the board), each agency's
overdue reports (its page), each commitment's reported figures with 说明 and 佐证 (its history).

Read from the store when a page asks, never kept in memory: a page is read far less often than
the daemon collects.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from alerts.tables import AlertGroup
from monitor.model import Catalogue
from monitor.reporting import Period, agencies_due, due_date, last_due_period, reports_feeds
from monitor.service import report_tables
from monitor.service.outage import StoreOutage

REJECTED_SHOWN_FOR = timedelta(days=14)


@dataclass(frozen=True)
class Overdue:
    feed: str
    agency: str
    period: str
    due: date


def overdue_reports(engine: Engine, catalogue: Catalogue, today: date) -> list[Overdue]:
    """Every agency asked for the last period now past due (its template was mailed, see
    reporting_round) whose report has not been accepted (催报). An agency never asked is not late:
    the first round after the feed is added asks for the period due next, not the one past."""
    found = []
    for feed in reports_feeds(catalogue):
        period = last_due_period(feed, today)
        if period is None:
            continue
        done = report_tables.reported(engine, feed.id, str(period))
        asked = asked_for(engine, feed.id, period)
        found += [Overdue(feed.id, agency, str(period), due_date(feed, period))
                  for agency in agencies_due(catalogue, feed.id, period) if agency not in done and agency in asked]
    return found


def asked_key(feed: str, agency: str, period: Period) -> str:
    return f"reports:template:{feed}:{agency}:{period}"


def asked_for(engine: Engine, feed: str, period: Period) -> set[str]:
    """The agencies whose template for the period was mailed."""
    prefix = f"reports:template:{feed}:"
    suffix = f":{period}"
    with Session(engine) as session:
        keys = session.exec(select(AlertGroup.key).where(col(AlertGroup.key).startswith(prefix))).all()
    return {key[len(prefix):-len(suffix)] for key in keys if key.endswith(suffix)}


@dataclass(frozen=True)
class ReportsView:
    engine: Engine
    catalogue: Catalogue
    now: datetime
    reads: StoreOutage | None = None   # the daemon's store reads: nothing shown while the store is down

    def _read(self, what: str, call: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """`call()`, or nothing while the store cannot be read (the page still answers from memory)."""
        if self.reads is None:
            return call()
        return self.reads.read(what, call) or []

    @property
    def today(self) -> date:
        return self.now.astimezone(self.catalogue.calendar_zone).date()

    def _name(self, agency: str | None) -> str | None:
        spec = self.catalogue.agencies.get(agency) if agency is not None else None
        return spec.name if spec is not None else None

    def rejected_files(self) -> list[dict[str, Any]]:
        return self._read("rejected_files", self._rejected_files)

    def _rejected_files(self) -> list[dict[str, Any]]:
        rows = report_tables.recent_rejections(self.engine, self.now - REJECTED_SHOWN_FOR)
        return [{"feed": r.feed, "agency": r.agency,
                 "agency_name": self._name(r.agency),
                 "file": r.file, "period": r.period, "received_at": r.received_at,
                 "problems": json.loads(r.problems or "[]")} for r in rows]

    def overdue(self, agency: str | None = None) -> list[dict[str, Any]]:
        return self._read("overdue_reports", lambda: self._overdue(agency))

    def _overdue(self, agency: str | None) -> list[dict[str, Any]]:
        return [{"feed": o.feed, "agency": o.agency, "period": o.period, "due": o.due.isoformat(),
                 "agency_name": self.catalogue.agencies[o.agency].name if o.agency in self.catalogue.agencies else o.agency}
                for o in overdue_reports(self.engine, self.catalogue, self.today) if agency is None or o.agency == agency]

    def entries(self, commitment: str) -> list[dict[str, Any]]:
        return self._read("reported", lambda: self._entries(commitment))

    def _entries(self, commitment: str) -> list[dict[str, Any]]:
        return [{"period": e.period, "value": e.value, "as_of": e.as_of, "note": e.note, "evidence": e.evidence,
                 "file": e.file, "received_at": e.received_at}
                for e in report_tables.entries_of(self.engine, commitment)]
