"""The HTML pages: board, commitment, agency, document. Server-rendered Jinja2, no script, no CDN."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from alerts.render import local_time
from monitor.display_text import shown
from monitor.model import Catalogue, Commitment
from monitor.service.pages import charts, downloads, views
from monitor.service.pages.backend import PageDisputes, WebBackend
from monitor.service.pages.wording import STATUS_WORDS, number
from monitor.verdict_text import CASE_COLUMNS

if TYPE_CHECKING:
    from monitor.service.outage import StoreOutage

PACKAGE = Path(__file__).parent
HISTORY_POINTS = 200
ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(PACKAGE / "templates")),
                         autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
ENV.filters.update(number=number, shown=shown,   # times read in the catalogue's calendar zone, passed by each page as `zone`
                   local_time=jinja2.pass_context(lambda context, value: local_time(value, context["zone"])))
ENV.globals.update(STATUS_WORDS=STATUS_WORDS)


def render(template: str, status_code: int = 200, headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    return HTMLResponse(ENV.get_template(template).render(**context), status_code=status_code, headers=headers)


def error_page(status_code: int, headers: dict[str, str] | None = None) -> HTMLResponse:
    return render("error.html.j2", status_code, headers, code=status_code)


def commitment_charts(data: dict[str, Any], c: Commitment, catalogue: Catalogue) -> dict[str, Markup]:
    verdict = data["verdict"]
    points = [charts.Point(h["evaluated_at"], h["actual"], h["target"], h["status"]) for h in data["history"]]
    history = charts.history_svg(points, verdict["target_max"] if verdict else None, c.deadline,
                                 (verdict or {}).get("unit") or c.unit, catalogue.calendar_zone)
    durations = ""
    if verdict and verdict["duration_quantiles"]:
        durations = charts.durations_svg([(q["quantile"], q["duration"]) for q in verdict["duration_quantiles"]],
                                         c.value, c.value_max, c.unit)
    return {"history": Markup(history), "durations": Markup(durations)}   # built with every text escaped


def _number(text: str | None) -> int:
    """A page number from the query (anything else: the first page)."""
    return int(text) if text and text.isdigit() else 1


def routes(backend: WebBackend) -> list[Route]:
    def board(request: Request) -> HTMLResponse:
        q = request.query_params
        snap = backend.snapshot()
        page = views.board(snap, q.get("document"), q.get("agency"), q.get("status"), q.get("jurisdiction"),
                           _number(q.get("page")), _number(q.get("groups_page")))
        return render("board.html.j2", page=page, zone=snap.catalogue.calendar_zone)

    def commitment(request: Request) -> HTMLResponse:
        snap = backend.snapshot()
        c = snap.catalogue.commitments.get(request.path_params["id"])
        if c is None:
            raise HTTPException(404)
        q = request.query_params
        data = views.commitment(snap, c, backend.history(c.id, HISTORY_POINTS), q.get("sort"), q.get("order"))
        return render("commitment.html.j2", page=data, charts=commitment_charts(data, c, snap.catalogue), now=snap.now,
                      zone=snap.catalogue.calendar_zone, case_columns=CASE_COLUMNS, disputes=disputes_of(c.id),
                      dispute_contact=desk.operators() if desk else [])

    desk: PageDisputes | None = getattr(backend, "dispute_desk", None)   # the agencies' disputes (monitor/service/disputes)
    store_reads: StoreOutage | None = getattr(backend, "store_reads", None)

    def disputes_of(commitment: str) -> list[dict[str, Any]]:
        """The commitment's disputes; none shown while the store cannot be read (the page still answers)."""
        if desk is None:
            return []
        if store_reads is None:
            return desk.for_page(commitment)
        return store_reads.read("disputes", lambda: desk.for_page(commitment)) or []

    def cases_file(request: Request) -> Response:
        snap = backend.snapshot()
        c = snap.catalogue.commitments.get(request.path_params["id"])
        if c is None:
            raise HTTPException(404)
        q = request.query_params
        rows = views.late_cases(c, snap.board.get(c.id), q.get("sort"), q.get("order"))
        extension = request.path_params["extension"]
        if extension == "csv":
            body, media_type = downloads.cases_csv(rows), downloads.CSV_TYPE
        elif extension == "xlsx":
            body = downloads.cases_xlsx(rows, f"{shown(c.measured_zh)}：未按时的案件（{c.id}）")
            media_type = downloads.XLSX_TYPE
        else:
            raise HTTPException(404)
        return Response(body, media_type=media_type, headers={
            "Content-Disposition": f'attachment; filename="{downloads.filename(c.id, extension)}"'})

    def agency(request: Request) -> HTMLResponse:
        snap = backend.snapshot()
        data = views.agency(snap, request.path_params["id"])
        if data is None:
            raise HTTPException(404)
        return render("agency.html.j2", page=data, zone=snap.catalogue.calendar_zone)

    def document(request: Request) -> HTMLResponse:
        snap = backend.snapshot()
        data = views.document(snap, request.path_params["id"])
        if data is None:
            raise HTTPException(404)
        return render("document.html.j2", page=data, zone=snap.catalogue.calendar_zone)

    return [Route("/", board), Route("/commitments/{id}", commitment),
            Route("/commitments/{id}/cases.{extension}", cases_file), Route("/agencies/{id}", agency),
            Route("/documents/{id}", document)]
