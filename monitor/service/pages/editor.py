"""The editors' view: the catalogue's drafts with their source sentence and what is left to decide.

Drafts never reach the public pages, the API or mails (the catalogue keeps them apart, see
`Catalogue.drafts`); editors see them here, from loopback or with the admin token
(`Authorization: Bearer $MONITOR_ADMIN_TOKEN`), the same check as POST /-/reload.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor.model import Catalogue
from monitor.service.pages.backend import WebBackend
from monitor.service.pages.seeds import in_sentence, seed_text

PATH = "/editor/drafts"


def drafts(catalogue: Catalogue) -> list[dict[str, Any]]:
    """Each draft with the sentence it was taken from and its checklist, in catalogue order."""
    rows = []
    for c in catalogue.drafts.values():
        context = in_sentence(seed_text(catalogue, c.document.source), c.quote)
        rows.append({
            "id": c.id, "document": c.document.id, "document_title": c.document.title, "clause": c.clause,
            "quote": c.quote, "sentence": {"before": context.before, "quote": context.quote, "after": context.after},
            "measured": c.measured_zh, "kind": c.kind, "op": c.op, "value": c.value, "value_max": c.value_max,
            "unit": c.unit, "deadline": c.deadline.isoformat() if c.deadline else None,
            "agency": c.agency.name if c.agency else None, "co_agencies": [a.name for a in c.co_agencies],
            "todo": list(c.todo),
        })
    return rows


def routes(backend: WebBackend, allowed: Callable[[Request], bool], refused: Callable[[Request], Response],
           json: Callable[[Any], Response]) -> list[Route]:
    def view(request: Request) -> Response:
        if not allowed(request):
            return refused(request)
        from monitor.service.pages.html import render

        rows = drafts(backend.snapshot().catalogue)
        if request.query_params.get("format") == "json" or "application/json" in request.headers.get("accept", ""):
            return json({"drafts": rows})
        return render("drafts.html.j2", drafts=rows)

    return [Route(PATH, view)]
