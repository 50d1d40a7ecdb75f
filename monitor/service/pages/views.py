"""What each page and API resource shows, as plain data: one builder for the HTML and the JSON.

Builders read an immutable snapshot (catalogue, verdict board, clock) and, for one commitment,
its stored history; they return dicts of plain values that the templates format and the API
serialises as they are.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from alerts.render import contacts, paused_text
from monitor import verdict_text
from monitor.display_text import differs, editor_reason, shown
from monitor.evaluate import Evaluation
from monitor.model import Catalogue, Commitment
from monitor.rejections import REASONS_ZH
from monitor.service.pages import exclusions, seeds
from monitor.service.pages.board_index import BoardIndex, Filters, index_of, severity
from monitor.service.pages.wording import STATUS_ORDER, STATUS_WORDS, promise_text, reason_zh, status_of
from monitor.service.public_text import public

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
        "id": c.id, "measured": shown(c.measured_zh), "kind": c.kind,
        "document_id": c.document.id, "document_title": shown(c.document.title), "clause": c.clause,
        "agency_id": c.agency.id if c.agency else None, "agency_name": shown(c.agency.name) if c.agency else None,
        "promise": verdict_text.promise_zh(c),
        "deadline": c.deadline.isoformat() if c.deadline else None,
        **_status(status_of(c, ev)),
        "actual": ev.actual if ev else None, "unit": (ev.unit if ev and ev.unit else c.unit),
        "evaluated_at": ev.evaluated_at if ev else None,
        "settled_on": ev.settled_on.isoformat() if ev and ev.settled_on else None,
        "provisional": bool(ev and ev.provisional),
    }


def _worst_first(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (STATUS_ORDER.index(r["status"]) if r["status"] in STATUS_ORDER else 99,
                                       r["deadline"] or "9999", r["id"]))


def counts(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    found: dict[str, int] = {s: 0 for s in STATUS_ORDER}
    for r in rows:
        found[r["status"]] = found.get(r["status"], 0) + 1
    return found


PAGE_SIZE = 50                 # commitments on one page of the board's list
GROUPS_PAGE_SIZE = 50          # rows of the board's summary table on one page
DUE_SOON_SHOWN = 20            # the board's first deadlines due soon (the count is always complete)
MANY_CHOICES = 200             # beyond this many documents or agencies, a filter is typed (an id), not picked
DOCUMENTS_ON_BOARD = 30        # a catalogue of up to this many documents is summarised per document
API_LIMIT, API_LIMIT_MAX = 100, 1000


def _href(filters: Filters, **more: object) -> str:
    query = {**filters.query(), **{k: str(v) for k, v in more.items() if v not in (None, "", 1)}}
    return "/?" + urlencode(query) if query else "/"


def _groups(snap: Snapshot, index: BoardIndex, filters: Filters) -> tuple[str, list[dict[str, Any]]]:
    """The summary table's rows: documents (a small catalogue, or one jurisdiction's), else jurisdictions."""
    cat = snap.catalogue
    if filters.document:
        return "document", []
    rows: list[dict[str, Any]]
    if filters.jurisdiction or len(cat.documents) <= DOCUMENTS_ON_BOARD:
        counts_of = index.all_document_counts()
        rows = [{"id": d.id, "title": shown(d.title), "jurisdiction": shown(d.jurisdiction),
                 "counts": counts_of[d.id], "filter": Filters(document=d.id), "page_href": f"/documents/{d.id}"}
                for d in cat.documents.values() if not filters.jurisdiction or d.jurisdiction == filters.jurisdiction]
        kind = "document"
    else:
        rows = [{"id": j, "title": shown(j), "jurisdiction": shown(j), "counts": counts, "filter": Filters(jurisdiction=j),
                 "page_href": None} for j, counts in index.jurisdiction_counts().items()]
        kind = "jurisdiction"
    for r in rows:
        r["total"] = sum(r["counts"].values())
    if len(rows) > DOCUMENTS_ON_BOARD:   # many: the worst first
        rows.sort(key=lambda r: (severity(r["counts"]), r["id"]))
    return kind, rows


def board(snap: Snapshot, document: str | None = None, agency: str | None = None, status: str | None = None,
          jurisdiction: str | None = None, page: int = 1, groups_page: int = 1) -> dict[str, Any]:
    """The front page: counts by status, a summary by document or jurisdiction (drilling down by
    the filters), the first deadlines due soon, and one page of the filtered list, worst first.
    Its size does not grow with the catalogue: every list on it is a page."""
    cat = snap.catalogue
    filters = Filters(document or "", agency or "", status or "", jurisdiction or "")
    index = index_of(cat, snap.board)
    group_kind, groups = _groups(snap, index, filters)
    groups_pages = max(1, -(-len(groups) // GROUPS_PAGE_SIZE))
    groups_page = min(max(groups_page, 1), groups_pages)
    total = index.matching(filters)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    listed = [row(cat.commitments[cid], snap.board.get(cid))
              for cid in index.worst_first(filters, (page - 1) * PAGE_SIZE, page * PAGE_SIZE)]
    today = snap.now.astimezone(ZoneInfo(cat.calendar.timezone)).date()
    due, due_total = index.due(filters, today.isoformat(), (today + DUE_SOON).isoformat())
    return {
        "now": snap.now, "counts": index.counts, "total": len(cat.commitments),
        "group_kind": group_kind,
        "groups": [{**{k: v for k, v in g.items() if k != "filter"}, "href": _href(g["filter"])}
                   for g in groups[(groups_page - 1) * GROUPS_PAGE_SIZE:groups_page * GROUPS_PAGE_SIZE]],
        "groups_pages": {"number": groups_page, "count": groups_pages, "total": len(groups),
                         "prev": _href(filters, page=page, groups_page=groups_page - 1) if groups_page > 1 else None,
                         "next": _href(filters, page=page, groups_page=groups_page + 1)
                         if groups_page < groups_pages else None},
        "filters": {"document": filters.document, "agency": filters.agency, "status": filters.status,
                    "jurisdiction": filters.jurisdiction},
        "commitments": listed, "matching": total,
        "pages": {"number": page, "count": pages, "size": PAGE_SIZE,
                  "prev": _href(filters, page=page - 1, groups_page=groups_page) + "#list" if page > 1 else None,
                  "next": _href(filters, page=page + 1, groups_page=groups_page) + "#list" if page < pages else None},
        "due_soon": [row(cat.commitments[cid], snap.board.get(cid)) for cid in due[:DUE_SOON_SHOWN]],
        "due_soon_total": due_total, "due_within_days": DUE_SOON.days,
        "rejected_files": snap.reports.rejected_files() if snap.reports is not None else [],
        "overdue_reports": snap.reports.overdue() if snap.reports is not None else [],
        "choices": {"documents": ([(d.id, shown(d.title)) for d in cat.documents.values()]
                                  if len(cat.documents) <= MANY_CHOICES else None),
                    "agencies": ([(a.id, shown(a.name)) for a in cat.agencies.values()]
                                 if len(cat.agencies) <= MANY_CHOICES else None),
                    "jurisdictions": (index.catalogue.jurisdictions
                                      if len(index.catalogue.jurisdictions) <= MANY_CHOICES else None),
                    "statuses": [(s, STATUS_WORDS[s]) for s in STATUS_ORDER]},
    }


def documents(snap: Snapshot) -> list[dict[str, Any]]:
    """Every document with its counts by status and its number of commitments."""
    counts = index_of(snap.catalogue, snap.board).all_document_counts()
    found = []
    for d in snap.catalogue.documents.values():
        counts_of = counts[d.id]
        found.append({"id": d.id, "title": d.title, "jurisdiction": d.jurisdiction, "counts": counts_of,
                      "total": sum(counts_of.values())})
    return found


def agency_counts(snap: Snapshot) -> dict[str, dict[str, int]]:
    """Every agency's counts by status (as lead or co-responsible)."""
    return index_of(snap.catalogue, snap.board).agency_counts()


class BadCursor(ValueError):
    pass


def _cursor(cid: str) -> str:
    return base64.urlsafe_b64encode(cid.encode()).decode().rstrip("=")


def _after(cursor: str) -> str:
    try:
        decoded = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise BadCursor(f"not a cursor this API gave: {cursor!r}") from None
    if not decoded:
        raise BadCursor(f"not a cursor this API gave: {cursor!r}")
    return decoded


def commitments_page(snap: Snapshot, document: str | None = None, agency: str | None = None,
                     status: str | None = None, jurisdiction: str | None = None, cursor: str | None = None,
                     limit: int = API_LIMIT) -> dict[str, Any]:
    """A page of the commitments the filters leave, in id order (stable whatever the verdicts do),
    from after the commitment the cursor names; `next_cursor` is null on the last page."""
    cat = snap.catalogue
    filters = Filters(document or "", agency or "", status or "", jurisdiction or "")
    index = index_of(cat, snap.board)
    limit = min(max(limit, 1), API_LIMIT_MAX)
    page, more = index.page_by_id(filters, _after(cursor) if cursor else None, limit)
    return {"counts": index.counts, "total": index.matching(filters), "limit": limit,
            "commitments": [row(cat.commitments[cid], snap.board.get(cid)) for cid in page],
            "next_cursor": _cursor(page[-1]) if more and page else None}


CASE_SORTS = {"over": lambda k: k.over, "submitted": lambda k: k.submitted, "due": lambda k: k.due,
              "completed": lambda k: (k.completed is not None, k.completed or k.due), "id": lambda k: k.id or ""}
DEFAULT_CASE_SORT = "over"


def case_order(sort: str | None, order: str | None) -> tuple[str, bool]:
    """The column the late cases are sorted by and whether descending: by default the most overdue
    first, and any other column ascending unless `order=desc`."""
    by = sort if sort in CASE_SORTS else DEFAULT_CASE_SORT
    return by, (order == "desc") if order in ("asc", "desc") else by == "over"


def late_cases(c: Commitment, ev: Evaluation | None, sort: str | None = None,
               order: str | None = None) -> list[dict[str, str]]:
    """The verdict's late cases as shown (verdict_text.case_row), sorted by a column of CASE_SORTS."""
    if ev is None:
        return []
    by, descending = case_order(sort, order)
    return [verdict_text.case_row(c, k) for k in sorted(ev.offending_cases, key=CASE_SORTS[by], reverse=descending)]


def commitment(snap: Snapshot, c: Commitment, history: Sequence[HistoryPoint] | None, sort: str | None = None,
               order: str | None = None) -> dict[str, Any]:
    """The commitment page: the promise in its sentence, the verdict in Chinese, marks, history, cases.

    `history` is None while the store cannot be read: the page shows what memory holds, and says so."""
    ev = snap.board.get(c.id)
    quote = seeds.in_sentence(seeds.seed_text(snap.catalogue, c.document.source), c.quote)
    sentence = reason_zh(c, ev)
    return {
        **row(c, ev),
        "measured_en": c.measured_en, "op": c.op, "value": c.value, "value_max": c.value_max,
        "promise_unit": c.unit, "start": c.start.isoformat(),
        "baseline": ({"value": c.baseline_value, "unit": c.baseline_unit,
                      "date": c.baseline_date.isoformat() if c.baseline_date else None}
                     if c.baseline_value is not None else None),
        "document": {"id": c.document.id, "title": shown(c.document.title), "title_exact": c.document.title,
                     "jurisdiction": shown(c.document.jurisdiction), "issuer": shown(c.document.issuer),
                     "issued": c.document.issued.isoformat() if c.document.issued else None},
        "quote": {"text": c.quote, "before": quote.before, "after": quote.after, "found_in_seed": quote.position is not None,
                  "shown": shown(quote.before + c.quote + quote.after),
                  "shown_parts": [shown(quote.before), shown(c.quote), shown(quote.after)],
                  "changed": differs(quote.before + c.quote + quote.after) or differs(c.document.title)},
        "co_agencies": [{"id": a.id, "name": shown(a.name)} for a in c.co_agencies],
        "monitored": c.evaluated,
        "unmonitored_reason": editor_reason(c.reason) if not c.evaluated and c.reason else None,
        "unmonitored_reason_en": c.reason if not c.evaluated else None,
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
            "reason": sentence, "reason_en": public(ev.reason),   # no path or address of the machine
            "paused_cases": ev.paused_cases, "paused_total": ev.paused_total,
            "paused": paused_text(ev.paused_cases, ev.paused_total, c.unit),
            "late_total": ev.offending_total, "late_cases": late_cases(c, ev, sort, order),
            "case_counts": None if ev.case_counts is None else {**asdict(ev.case_counts), "counted": ev.case_counts.counted},
            "counts_zh": None if ev.case_counts is None else verdict_text.counts_zh(ev.case_counts, REASONS_ZH),
            "on_time": verdict_text.on_time_text(c, ev),
        },
        "case_sort": dict(zip(("by", "descending"), case_order(sort, order))),
        "limit": verdict_text.limit_zh(c) if c.kind == "case_duration" else None,
        "reason_zh": sentence,
        "hedge": c.hedge, "hedge_note": c.hedge_note,
        "contact": contacts(snap.catalogue, c.agency),
        "reported": snap.reports.entries(c.id) if snap.reports is not None else [],
        "history": [{"evaluated_at": h.evaluated_at, **_status(h.status), "actual": h.actual, "target": h.target}
                    for h in history or ()],
        "history_unavailable": history is None,
    }


def agency(snap: Snapshot, agency_id: str) -> dict[str, Any] | None:
    """One agency's commitments, worst first, as lead (牵头) or co-responsible (责任)."""
    a = snap.catalogue.agencies.get(agency_id)
    if a is None:
        return None
    rows = []
    index = index_of(snap.catalogue, snap.board).catalogue
    for c in (snap.catalogue.commitments[index.listed[p]] for p in index.members("agency", agency_id)):
        rows.append({**row(c, snap.board.get(c.id)),
                     "role": "牵头" if c.agency is not None and c.agency.id == agency_id else "责任"})
    return {"id": a.id, "name": shown(a.name), "jurisdiction": shown(a.jurisdiction), "now": snap.now,
            "counts": counts(rows), "commitments": _worst_first(rows), "contact": contacts(snap.catalogue, a),
            "overdue_reports": snap.reports.overdue(agency_id) if snap.reports is not None else []}


def document(snap: Snapshot, document_id: str) -> dict[str, Any] | None:
    """One plan in clause order (where each quote stands in the text), and the numbers left out."""
    cat = snap.catalogue
    d = cat.documents.get(document_id)
    if d is None:
        return None
    text = seeds.seed_text(cat, d.source)
    index = index_of(cat, snap.board).catalogue
    members = [cat.commitments[index.listed[p]] for p in index.members("document", document_id)]
    position = {c.id: (text.find(c.quote) if text else -1) for c in members}
    members.sort(key=lambda c: (position[c.id] < 0, position[c.id], c.id))
    rows = [row(c, snap.board.get(c.id)) for c in members]
    excluded = [exclusions.shown_exclusion(e, text) for e in cat.excluded if e.document in (None, document_id)]
    return {"id": d.id, "title": shown(d.title), "title_exact": d.title, "jurisdiction": shown(d.jurisdiction),
            "issuer": shown(d.issuer),
            "issued": d.issued.isoformat() if d.issued else None,
            "period": {"start": d.period.start.isoformat(), "end": d.period.end.isoformat()},
            "source": d.source, "seed_found": text is not None, "now": snap.now,
            "counts": counts(rows), "commitments": rows, "excluded": excluded}
