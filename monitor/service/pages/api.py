"""The JSON API under /api/v1: the same data the pages show (docs/api.md describes it)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor.service.pages import views
from monitor.service.pages.backend import WebBackend

PREFIX = "/api/v1"
HISTORY_POINTS = 200


def routes(backend: WebBackend, respond: type[Response]) -> list[Route]:
    def index(request: Request) -> Response:
        return respond({"version": 1, "endpoints": [
            f"{PREFIX}/commitments?document=&agency=&status=&jurisdiction=&limit=&cursor=", f"{PREFIX}/commitments/{{id}}",
            f"{PREFIX}/agencies", f"{PREFIX}/agencies/{{id}}", f"{PREFIX}/documents", f"{PREFIX}/documents/{{id}}"]})

    def commitments(request: Request) -> Response:
        q = request.query_params
        try:
            limit = int(q.get("limit") or views.API_LIMIT)
            snap = backend.snapshot()
            page = views.commitments_page(snap, q.get("document"), q.get("agency"), q.get("status"),
                                          q.get("jurisdiction"), q.get("cursor"), limit)
        except ValueError as exc:   # a limit that is no number, a cursor we did not give
            return respond({"error": str(exc)}, 400)
        if q.get("cursor") is None:   # the first page also names the first deadlines due soon
            page["due_soon"] = views.board(snap, q.get("document"), q.get("agency"), q.get("status"),
                                           q.get("jurisdiction"))["due_soon"]
        return respond(page)

    def commitment(request: Request) -> Response:
        snap = backend.snapshot()
        c = snap.catalogue.commitments.get(request.path_params["id"])
        if c is None:
            raise HTTPException(404, f"unknown commitment {request.path_params['id']!r}")
        return respond(views.commitment(snap, c, backend.history(c.id, HISTORY_POINTS)))

    def agencies(request: Request) -> Response:
        snap = backend.snapshot()
        counts = views.agency_counts(snap)
        return respond({"agencies": [{"id": a.id, "name": a.name, "jurisdiction": a.jurisdiction,
                                      "counts": counts[a.id]}
                                     for a in snap.catalogue.agencies.values()]})

    def agency(request: Request) -> Response:
        data = views.agency(backend.snapshot(), request.path_params["id"])
        if data is None:
            raise HTTPException(404, f"unknown agency {request.path_params['id']!r}")
        return respond(data)

    def documents(request: Request) -> Response:
        return respond({"documents": views.documents(backend.snapshot())})

    def document(request: Request) -> Response:
        data = views.document(backend.snapshot(), request.path_params["id"])
        if data is None:
            raise HTTPException(404, f"unknown document {request.path_params['id']!r}")
        return respond(data)

    return [Route(PREFIX, index), Route(PREFIX + "/", index),
            Route(PREFIX + "/commitments", commitments), Route(PREFIX + "/commitments/{id}", commitment),
            Route(PREFIX + "/agencies", agencies), Route(PREFIX + "/agencies/{id}", agency),
            Route(PREFIX + "/documents", documents), Route(PREFIX + "/documents/{id}", document)]
