"""The daemon's one HTTP listener: pages, the JSON API, /metrics, /healthz, /status, POST /-/reload.

A Starlette application served by uvicorn on the daemon's own event loop. Handlers that read the
store or the registry are plain functions, which Starlette runs in its worker threads, so a slow
query never stalls the scheduler.

Request handling is bounded so that scrapes and reloads cannot starve collection: at most
`WORKERS` handler threads (they compete with the scheduler for the interpreter), at most
`CONNECTION_LIMIT` connections (beyond: 503 at once), a client that has not completed its request
`request_timeout` seconds after connecting (or after its previous response) is dropped, every
scrape that arrives while /metrics is being rendered shares that rendering (the per-commitment families
come rendered once per cycle by the daemon: a scrape copies them), and reloads run on the
loop without holding a thread. Admin endpoints need `Authorization: Bearer <token>` from every
caller, loopback included: a forwarder on the host (ssh -L, socat, a reverse proxy) makes a remote
caller look local, so the connecting address proves nothing. The daemon always has a token
(MONITOR_ADMIN_TOKEN, or the file it names or generates: see Settings.admin_secret); without one,
admin endpoints are closed and SIGHUP reloads.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import socket
from collections.abc import Callable, Iterator

import anyio.to_thread
import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from monitor.service.disputes import web as dispute_pages
from monitor.service.gzipped import Compressed, gzip_body
from monitor.service.outage import StoreOutage
from monitor.service.pages import api, editor, html
from monitor.service.pages.backend import WebBackend
from monitor.service.web_bounds import SharedCall, timed_protocol

log = logging.getLogger("monitor.web")
STATIC = html.PACKAGE / "static"
WORKERS = 4                      # handler threads: they compete with collection for the interpreter
CONNECTION_LIMIT = 64            # beyond: 503 at once
REQUEST_TIMEOUT_SECONDS = 10.0
RELOAD_ANSWER_SECONDS = 60.0


class JSON(JSONResponse):
    """UTF-8 JSON as people read it: Chinese unescaped, times and dates in ISO 8601."""

    def render(self, content: object) -> bytes:
        return json.dumps(content, ensure_ascii=False, indent=1, default=_iso).encode()


def _iso(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def admin_allowed(request: Request) -> bool:
    """The one check every admin endpoint makes (today: POST /-/reload): the bearer token, whoever
    calls; no token configured, no admin endpoint."""
    token = getattr(request.app.state, "admin_token", None)
    if token is None:
        return False
    given = request.headers.get("authorization", "").encode()
    return hmac.compare_digest(given, f"Bearer {token}".encode())


def _refused(request: Request, on_rejected: Callable[[str], None]) -> Response:
    if getattr(request.app.state, "admin_token", None) is not None:
        on_rejected("unauthorized")
        return JSON({"error": "admin endpoints need 'Authorization: Bearer <token>': MONITOR_ADMIN_TOKEN, or the "
                          "admin-token file beside the database"}, 401,
                    headers={"WWW-Authenticate": "Bearer"})
    on_rejected("forbidden")
    return JSON({"error": "admin endpoints are closed: no admin token is configured; reload with SIGHUP"}, 403)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header accepts gzip (named, or by "*", and not with q=0)."""
    for item in accept_encoding.lower().split(","):
        name, _, weight = item.partition(";")
        if name.strip() in ("gzip", "*"):
            weight = weight.strip()
            try:
                return not weight.startswith("q=") or float(weight[2:]) > 0
            except ValueError:
                return False
    return False


def service_routes(backend: WebBackend, on_rejected: Callable[[str], None] = lambda reason: None) -> list[BaseRoute]:
    # the per-commitment families come rendered once per cycle (first: the self-metrics, small, are
    # rendered per scrape and follow); for gzip they come compressed too (Prometheus asks for gzip)
    rendered = getattr(backend, "commitment_exposition", lambda: b"")
    compressed = getattr(backend, "commitment_exposition_compressed", lambda: Compressed.of(b""))
    plain = SharedCall(lambda: rendered() + generate_latest(backend.registry))
    packed = SharedCall(lambda: gzip_body(compressed(), generate_latest(backend.registry)))

    def metrics(request: Request) -> Response:
        if accepts_gzip(request.headers.get("accept-encoding", "")):
            return Response(packed(), media_type=CONTENT_TYPE_LATEST,
                            headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        return Response(plain(), media_type=CONTENT_TYPE_LATEST, headers={"Vary": "Accept-Encoding"})

    def healthz(request: Request) -> Response:
        healthy, details = backend.health()
        return JSON(details, status_code=200 if healthy else 503)

    def status(request: Request) -> Response:
        commitment = request.path_params.get("commitment") or request.query_params.get("commitment")
        data = backend.status(commitment)
        return JSON({"error": f"unknown commitment {commitment!r}"}, 404) if data is None else JSON(data)

    async def reload(request: Request) -> Response:   # on the loop: a waiting reload holds no thread
        if not admin_allowed(request):
            return _refused(request, on_rejected)
        try:
            ok, problems = await asyncio.wait_for(asyncio.shield(backend.reload()), RELOAD_ANSWER_SECONDS)
        except TimeoutError:
            return JSON({"reloaded": False, "problems": ["the reload is still running; its outcome will show "
                                                         "in /healthz and the logs"]}, 503)
        return JSON({"reloaded": ok, "problems": problems}, 200 if ok else 400)

    return [Route("/metrics", metrics), Route("/healthz", healthz),
            Route("/status", status), Route("/status/{commitment:path}", status),
            Route("/-/reload", reload, methods=["POST"])]


def build_app(backend: WebBackend, admin_token: str | None = None,
              on_rejected: Callable[[str], None] = lambda reason: None) -> Starlette:
    routes = service_routes(backend, on_rejected) + api.routes(backend, JSON) + html.routes(backend)
    desk = getattr(backend, "dispute_desk", None)
    if desk is not None:   # the agencies' dispute form (monitor/service/disputes/web.py)
        routes += dispute_pages.routes(backend, desk)
    routes += editor.routes(backend, admin_allowed, lambda request: _refused(request, on_rejected), JSON)
    upload_desk = getattr(backend, "uploads", None)   # agencies' upload page (monitor/service/uploads.py)
    if upload_desk is not None:
        from monitor.service import uploads
        routes += uploads.routes(upload_desk)
    routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))

    async def not_found(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith(("/api/", "/status", "/metrics", "/healthz", "/-/")):
            return JSON({"error": exc.detail or "not found"}, exc.status_code)
        return html.error_page(exc.status_code)

    outage = getattr(backend, "store_reads", None) or StoreOutage(log)

    async def store_unreachable(request: Request, exc: SQLAlchemyError) -> Response:
        """What memory cannot answer while the database is down: 503, logged once per outage."""
        outage.failed(exc, request.url.path.split("/", 2)[1] or "page")
        if request.url.path.startswith(("/api/", "/status", "/metrics", "/healthz", "/-/")):
            return JSON({"error": "the database is unreachable; try again later"}, 503, headers={"Retry-After": "30"})
        return html.error_page(503, headers={"Retry-After": "30"})

    # starlette types a handler as taking any Exception; each is registered for its own exception class
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found,  # type: ignore[dict-item]
                                                       SQLAlchemyError: store_unreachable})  # type: ignore[dict-item]
    app.state.admin_token = admin_token or None
    return app


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield   # the daemon's loop owns SIGTERM, SIGINT and SIGHUP


class WebServer:
    """Binds at construction (so a taken port fails at once), serves on the running loop from start()."""

    def __init__(self, backend: WebBackend, host: str, port: int, *, admin_token: str | None = None,
                 request_timeout: float = REQUEST_TIMEOUT_SECONDS, connection_limit: int = CONNECTION_LIMIT,
                 workers: int = WORKERS, on_rejected: Callable[[str], None] = lambda reason: None):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self._workers = workers
        config = uvicorn.Config(build_app(backend, admin_token, on_rejected), log_config=None, access_log=False,
                                lifespan="off", timeout_keep_alive=5, timeout_graceful_shutdown=5,
                                http=timed_protocol(request_timeout), limit_concurrency=connection_limit)
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def address(self) -> tuple[str, int]:
        address: tuple[str, int] = self._socket.getsockname()[:2]   # an IPv4 or IPv6 socket's: host and port first
        return address

    async def start(self) -> WebServer:
        # handler threads compete with collection for the interpreter: a few suffice (per loop)
        anyio.to_thread.current_default_thread_limiter().total_tokens = self._workers
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]), name="web")
        while not self._server.started and not self._task.done():
            await asyncio.sleep(0.01)
        if self._task.done():
            self._task.result()   # raises what stopped it
        return self

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task
        self._socket.close()
