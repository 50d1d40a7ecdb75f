"""The daemon's one HTTP listener: pages, the JSON API, /metrics, /healthz, /status, POST /-/reload.

A Starlette application served by uvicorn on the daemon's own event loop. Handlers that read the
store or the registry are plain functions, which Starlette runs in its worker threads, so a slow
query never stalls the scheduler.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from typing import Iterator, Protocol, Sequence

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from monitor.pages import api, html
from monitor.pages.views import HistoryPoint, Snapshot

STATIC = html.PACKAGE / "static"


class WebBackend(Protocol):
    registry: CollectorRegistry

    def health(self) -> tuple[bool, dict]: ...
    def status(self, commitment: str | None) -> dict | None: ...
    def request_reload(self) -> tuple[bool, list[str]]: ...
    def snapshot(self) -> Snapshot: ...
    def history(self, commitment: str, limit: int) -> Sequence[HistoryPoint]: ...


class JSON(JSONResponse):
    """UTF-8 JSON as people read it: Chinese unescaped, times and dates in ISO 8601."""

    def render(self, content: object) -> bytes:
        return json.dumps(content, ensure_ascii=False, indent=1, default=_iso).encode()


def _iso(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def admin_allowed(request: Request) -> bool:
    """The one check every admin endpoint makes (today: POST /-/reload)."""
    return True


def service_routes(backend: WebBackend) -> list[BaseRoute]:
    def metrics(request: Request) -> Response:
        return Response(generate_latest(backend.registry), media_type=CONTENT_TYPE_LATEST)

    def healthz(request: Request) -> Response:
        healthy, details = backend.health()
        return JSON(details, status_code=200 if healthy else 503)

    def status(request: Request) -> Response:
        commitment = request.path_params.get("commitment") or request.query_params.get("commitment")
        data = backend.status(commitment)
        return JSON({"error": f"unknown commitment {commitment!r}"}, 404) if data is None else JSON(data)

    def reload(request: Request) -> Response:
        if not admin_allowed(request):
            return JSON({"error": "forbidden"}, 403)
        ok, problems = backend.request_reload()
        return JSON({"reloaded": ok, "problems": problems}, 200 if ok else 400)

    return [Route("/metrics", metrics), Route("/healthz", healthz),
            Route("/status", status), Route("/status/{commitment:path}", status),
            Route("/-/reload", reload, methods=["POST"])]


def build_app(backend: WebBackend) -> Starlette:
    routes = service_routes(backend) + api.routes(backend, JSON) + html.routes(backend)
    routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))

    async def not_found(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith(("/api/", "/status", "/metrics", "/healthz", "/-/")):
            return JSON({"error": exc.detail or "not found"}, exc.status_code)
        return html.error_page(exc.status_code)

    return Starlette(routes=routes, exception_handlers={HTTPException: not_found})


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield   # the daemon's loop owns SIGTERM, SIGINT and SIGHUP


class WebServer:
    """Binds at construction (so a taken port fails at once), serves on the running loop from start()."""

    def __init__(self, backend: WebBackend, host: str, port: int):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        config = uvicorn.Config(build_app(backend), log_config=None, access_log=False, lifespan="off",
                                timeout_keep_alive=5, timeout_graceful_shutdown=5)
        self._server = _Server(config)
        self._task: asyncio.Task | None = None

    @property
    def address(self) -> tuple[str, int]:
        return self._socket.getsockname()[:2]

    async def start(self) -> "WebServer":
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
