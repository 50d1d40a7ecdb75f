"""What each page and API resource shows, as plain data: one builder for the HTML and the JSON.

Builders read an immutable snapshot (catalogue, verdict board, clock) and, for one commitment,
its stored history; they return dicts of plain values that the templates format and the API
serialises as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from monitor.evaluate import Evaluation
from monitor.model import Catalogue, Commitment
from monitor.service.pages import seeds
from monitor.service.pages.wording import STATUS_ORDER, STATUS_WORDS, UNMONITORED, UNWIRED, promise_text, reason_zh, status_of

DUE_SOON = timedelta(days=90)


@dataclass(frozen=True)
class Snapshot:
    catalogue: Catalogue
    board: Mapping[str, Evaluation]
    now: datetime
    reports: Any = None   # monitor.service.reports_view.ReportsView: submitted files and reports, read on demand


@dataclass(frozen=True)
class HistoryPoint:
    evaluated_at: datetime
    status: str
    actual: float | None
    target: float | None


def _status(status: str) -> dict[str, str]:
    return {"status": status, "status_zh": STATUS_WORDS.get(status, status)}


def row(c: Commitment, ev: Evaluation | None) -> dict[str, Any]:
    """One commitment in a list: what it promises, who leads, where it stands."""
    return {
        "id": c.id, "measured": c.measured_zh, "kind": c.kind,
        "document_id": c.document.id, "document_title": c.document.title, "clause": c.clause,
        "agency_id": c.agency.id if c.agency else None, "agency_name": c.agency.name if c.agency else None,
        "promise": promise_text(c.op, c.value, c.value_max, c.unit),
        "deadline": c.deadline.isoformat() if c.deadline else None,
        **_status(status_of(c, ev)),
        "actual": ev.actual if ev else None, "unit": (ev.unit if ev and ev.unit else c.unit),
        "evaluated_at": ev.evaluated_at if ev else None,
        "settled_on": ev.settled_on.isoformat() if ev and ev.settled_on else None,
        "provisional": bool(ev and ev.provisional),
    }


def _worst_first(rows: Iterable[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (STATUS_ORDER.index(r["status"]) if r["status"] in STATUS_ORDER else 99,
                                       r["deadline"] or "9999", r["id"]))


def counts(rows: Iterable[dict]) -> dict[str, int]:
    found: dict[str, int] = {s: 0 for s in STATUS_ORDER}
    for r in rows:
        found[r["status"]] = found.get(r["status"], 0) + 1
    return found


def board(snap: Snapshot, document: str | None = None, agency: str | None = None,
          status: str | None = None) -> dict[str, Any]:
    """The front page: per-document counts, the filtered list, deadlines due soon."""
    cat = snap.catalogue
    rows = [row(c, snap.board.get(c.id)) for c in cat.commitments.values()]
    documents = [{"id": d.id, "title": d.title, "jurisdiction": d.jurisdiction,
                  "counts": counts(r for r in rows if r["document_id"] == d.id),
                  "total": sum(1 for r in rows if r["document_id"] == d.id)} for d in cat.documents.values()]
    chosen = [r for r in rows if (not document or r["document_id"] == document)
              and (not agency or _involves(cat.commitments[r["id"]], agency))
              and (not status or r["status"] == status)]
    today = snap.now.astimezone(ZoneInfo(cat.calendar.timezone)).date()
    due = [r for r in rows if r["deadline"] and today.isoformat() <= r["deadline"] <= (today + DUE_SOON).isoformat()
           and r["status"] not in (UNMONITORED, UNWIRED)]
    return {
        "now": snap.now, "counts": counts(rows), "documents": documents,
        "filters": {"document": document or "", "agency": agency or "", "status": status or ""},
        "commitments": _worst_first(chosen), "due_soon": sorted(due, key=lambda r: (r["deadline"], r["id"])),
        "due_within_days": DUE_SOON.days,
        "rejected_files": snap.reports.rejected_files() if snap.reports is not None else [],
        "overdue_reports": snap.reports.overdue() if snap.reports is not None else [],
        "choices": {"documents": [(d.id, d.title) for d in cat.documents.values()],
                    "agencies": [(a.id, a.name) for a in cat.agencies.values()],
                    "statuses": [(s, STATUS_WORDS[s]) for s in STATUS_ORDER]},
    }


def _involves(c: Commitment, agency_id: str) -> bool:
    return (c.agency is not None and c.agency.id == agency_id) or any(a.id == agency_id for a in c.co_agencies)


def commitment(snap: Snapshot, c: Commitment, history: Sequence[HistoryPoint]) -> dict[str, Any]:
    """The commitment page: the promise in its sentence, the verdict in Chinese, marks, history, cases."""
    ev = snap.board.get(c.id)
    quote = seeds.in_sentence(seeds.seed_text(snap.catalogue, c.document.source), c.quote)
    return {
        **row(c, ev),
        "measured_en": c.measured_en, "op": c.op, "value": c.value, "value_max": c.value_max,
        "promise_unit": c.unit, "start": c.start.isoformat(),
        "baseline": ({"value": c.baseline_value, "unit": c.baseline_unit,
                      "date": c.baseline_date.isoformat() if c.baseline_date else None}
                     if c.baseline_value is not None else None),
        "document": {"id": c.document.id, "title": c.document.title, "jurisdiction": c.document.jurisdiction,
                     "issuer": c.document.issuer, "issued": c.document.issued.isoformat() if c.document.issued else None},
        "quote": {"text": c.quote, "before": quote.before, "after": quote.after, "found_in_seed": quote.position is not None},
        "co_agencies": [{"id": a.id, "name": a.name} for a in c.co_agencies],
        "monitored": c.evaluated, "unmonitored_reason": c.reason if not c.evaluated else None,
        "unwired": c.unwired,
        "verdict": None if ev is None else {
            **_status(ev.status), "actual": ev.actual, "target": ev.target, "target_max": ev.target_max, "op": ev.op,
            "unit": ev.unit, "evaluated_promise": promise_text(ev.op, ev.target, ev.target_max, ev.unit),
            "margin": ev.margin, "expected": ev.expected, "cases": ev.cases,
            "evaluated_at": ev.evaluated_at, "data_time": ev.data_time,
            "settled_on": ev.settled_on.isoformat() if ev.settled_on else None,
            "provisional": bool(ev.provisional), "overdue_open": ev.overdue_open,
            "overdue_case_ids": list(ev.overdue_case_ids),
            "duration_quantiles": [{"quantile": q, "duration": d} for q, d in ev.duration_quantiles],
            "reason_en": ev.reason,
        },
        "reason_zh": reason_zh(c, ev),
        "reported": snap.reports.entries(c.id) if snap.reports is not None else [],
        "history": [{"evaluated_at": h.evaluated_at, **_status(h.status), "actual": h.actual, "target": h.target}
                    for h in history],
    }


def agency(snap: Snapshot, agency_id: str) -> dict[str, Any] | None:
    """One agency's commitments, worst first, as lead (牵头) or co-responsible (责任)."""
    a = snap.catalogue.agencies.get(agency_id)
    if a is None:
        return None
    rows = []
    for c in snap.catalogue.commitments.values():
        if _involves(c, agency_id):
            rows.append({**row(c, snap.board.get(c.id)),
                         "role": "牵头" if c.agency is not None and c.agency.id == agency_id else "责任"})
    return {"id": a.id, "name": a.name, "jurisdiction": a.jurisdiction, "now": snap.now,
            "counts": counts(rows), "commitments": _worst_first(rows),
            "overdue_reports": snap.reports.overdue(agency_id) if snap.reports is not None else []}


def document(snap: Snapshot, document_id: str) -> dict[str, Any] | None:
    """One plan in clause order (where each quote stands in the text), and the numbers left out."""
    cat = snap.catalogue
    d = cat.documents.get(document_id)
    if d is None:
        return None
    text = seeds.seed_text(cat, d.source)
    members = [c for c in cat.commitments.values() if c.document.id == document_id]
    position = {c.id: (text.find(c.quote) if text else -1) for c in members}
    members.sort(key=lambda c: (position[c.id] < 0, position[c.id], c.id))
    rows = [row(c, snap.board.get(c.id)) for c in members]
    excluded = [{"quote": e.quote, "pattern": e.pattern, "reason": e.reason, "whole_catalogue": e.document is None}
                for e in cat.excluded if e.document in (None, document_id)]
    return {"id": d.id, "title": d.title, "jurisdiction": d.jurisdiction, "issuer": d.issuer,
            "issued": d.issued.isoformat() if d.issued else None,
            "period": {"start": d.period.start.isoformat(), "end": d.period.end.isoformat()},
            "source": d.source, "seed_found": text is not None, "now": snap.now,
            "counts": counts(rows), "commitments": rows, "excluded": excluded}
