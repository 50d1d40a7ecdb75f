"""The daemon's one HTTP listener: /metrics, /healthz, /status, POST /-/reload.

Request handling is bounded so that scrapes and reloads can never starve collection: a fixed pool
of worker threads, a bounded queue of admitted connections (beyond it: 503 at once), a socket
timeout per request (a half-open client is dropped), and one /metrics rendering shared by every
scrape that arrives while it runs. Admin endpoints need `Authorization: Bearer $MONITOR_ADMIN_TOKEN`
when a token is set, and a loopback caller when none is.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Callable, Generic, Protocol, TypeVar
from urllib.parse import parse_qs, unquote

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

log = logging.getLogger("monitor.web")
T = TypeVar("T")
WORKERS = 4
QUEUE_LIMIT = 64
REQUEST_TIMEOUT_SECONDS = 10.0
RELOAD_ANSWER_SECONDS = 60.0
_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
         b"Connection: close\r\nContent-Length: 17\r\n\r\n{\"error\": \"busy\"}")


class WebBackend(Protocol):
    registry: CollectorRegistry

    def health(self) -> tuple[bool, dict]: ...
    def status(self, commitment: str | None) -> dict | None: ...
    def request_reload(self, timeout: float) -> tuple[bool, list[str]]: ...


class SharedCall(Generic[T]):
    """Run `work` for one caller at a time; callers arriving while it runs share that run's result."""

    def __init__(self, work: Callable[[], T]):
        self._work = work
        self._cond = threading.Condition()
        self._started = self._finished = 0
        self._outcome: tuple[T | None, BaseException | None] = (None, None)

    def __call__(self) -> T:
        with self._cond:
            running = self._started > self._finished
            wanted = self._started if running else self._started + 1
            while self._finished < wanted and self._started >= wanted:
                self._cond.wait()
            if self._finished < wanted:
                self._started = wanted
                owner = True
            else:
                owner = False
        if owner:
            try:
                outcome: tuple[T | None, BaseException | None] = (self._work(), None)
            except BaseException as exc:  # noqa: BLE001 - handed to every waiter
                outcome = (None, exc)
            with self._cond:
                self._outcome, self._finished = outcome, wanted
                self._cond.notify_all()
        with self._cond:
            result, error = self._outcome
        if error is not None:
            raise error
        return result  # type: ignore[return-value]


def is_loopback(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


class BoundedHTTPServer(HTTPServer):
    """An HTTPServer whose requests run on a fixed pool, with at most `queue_limit` admitted at once."""

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], *, workers: int,
                 queue_limit: int, on_rejected: Callable[[str], None]):
        super().__init__(address, handler)
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="web")
        self.admitted = threading.BoundedSemaphore(queue_limit)
        self.on_rejected = on_rejected

    def process_request(self, request: socket.socket, client_address) -> None:  # noqa: ANN001
        if not self.admitted.acquire(blocking=False):
            self.on_rejected("busy")
            try:
                request.settimeout(1.0)
                request.sendall(_BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        self.pool.submit(self._work, request, client_address)

    def _work(self, request: socket.socket, client_address) -> None:  # noqa: ANN001
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            self.admitted.release()

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        log.warning("event=http_request_failed client=%s", client_address[0], exc_info=True)

    def server_close(self) -> None:
        super().server_close()
        self.pool.shutdown(wait=False, cancel_futures=True)


class WebServer:
    def __init__(self, backend: WebBackend, host: str, port: int, *, admin_token: str | None = None,
                 workers: int = WORKERS, queue_limit: int = QUEUE_LIMIT,
                 request_timeout: float = REQUEST_TIMEOUT_SECONDS,
                 on_rejected: Callable[[str], None] = lambda reason: None):
        self.backend = backend
        metrics = SharedCall(lambda: generate_latest(backend.registry))
        handler = _make_handler(backend, metrics, admin_token or None, request_timeout, on_rejected)
        self.httpd = BoundedHTTPServer((host, port), handler, workers=workers, queue_limit=queue_limit,
                                       on_rejected=on_rejected)
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="web", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        return self.httpd.server_address[:2]

    def start(self) -> "WebServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _make_handler(backend: WebBackend, metrics: SharedCall[bytes], admin_token: str | None, request_timeout: float,
                  on_rejected: Callable[[str], None]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = request_timeout   # socket timeout: a client that stops talking is dropped

        def _send(self, code: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, code: int, data: object, headers: dict[str, str] | None = None) -> None:
            self._send(code, json.dumps(data, ensure_ascii=False, indent=1, default=str).encode(),
                       "application/json; charset=utf-8", headers)

        def _guarded(self, route: Callable[[], None]) -> None:
            try:
                route()
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                raise
            except Exception as exc:  # noqa: BLE001 - every request gets an answer
                log.exception("event=http_handler_failed path=%s", self.path.split("?")[0])
                self._json(500, {"error": f"internal error: {type(exc).__name__}"})

        def do_GET(self) -> None:  # noqa: N802
            self._guarded(self._get)

        def _get(self) -> None:
            path, _, query = self.path.partition("?")
            path = path.rstrip("/") or "/"
            asked = parse_qs(query).get("commitment", [None])[0]
            if path == "/metrics":
                self._send(200, metrics(), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                healthy, details = backend.health()
                self._json(200 if healthy else 503, details)
            elif path == "/status" or path.startswith("/status/"):
                commitment = unquote(path[len("/status/"):]) if path.startswith("/status/") else asked
                data = backend.status(commitment)
                self._json(404, {"error": f"unknown commitment {commitment!r}"}) if data is None else self._json(200, data)
            elif path == "/":
                self._json(200, {"endpoints": ["/metrics", "/healthz", "/status", "/status/<commitment>",
                                               "POST /-/reload"]})
            else:
                self._json(404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802
            self._guarded(self._post)

        def _post(self) -> None:
            if self.path.split("?")[0] != "/-/reload":
                self._json(404, {"error": "not found"})
                return
            if not self._admin_allowed():
                return
            try:
                ok, problems = backend.request_reload(RELOAD_ANSWER_SECONDS)
            except TimeoutError:
                self._json(503, {"reloaded": False, "problems": ["the reload is still running; its outcome will "
                                                                 "show in /healthz and the logs"]})
                return
            self._json(200 if ok else 400, {"reloaded": ok, "problems": problems})

        def _admin_allowed(self) -> bool:
            if admin_token is not None:
                given = self.headers.get("Authorization", "").encode()
                if hmac.compare_digest(given, f"Bearer {admin_token}".encode()):
                    return True
                on_rejected("unauthorized")
                self._json(401, {"error": "admin endpoints need 'Authorization: Bearer <MONITOR_ADMIN_TOKEN>'"},
                           {"WWW-Authenticate": "Bearer"})
                return False
            if is_loopback(self.client_address[0]):
                return True
            on_rejected("forbidden")
            self._json(403, {"error": "admin endpoints answer loopback callers only; set MONITOR_ADMIN_TOKEN "
                                      "to allow others with a token"})
            return False

        def log_message(self, *args: object) -> None:
            pass

    return Handler
