"""The daemon's one HTTP listener: /metrics, /healthz, /status, POST /-/reload."""

from __future__ import annotations

import json
import threading
from urllib.parse import parse_qs, unquote
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest


class WebBackend(Protocol):
    registry: CollectorRegistry

    def health(self) -> tuple[bool, dict]: ...
    def status(self, commitment: str | None) -> dict | None: ...
    def request_reload(self) -> tuple[bool, list[str]]: ...


class WebServer:
    def __init__(self, backend: WebBackend, host: str, port: int):
        self.backend = backend
        handler = _make_handler(backend)
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
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


def _make_handler(backend: WebBackend) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, code: int, body: bytes, content_type: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, code: int, data: object) -> None:
            self._send(code, json.dumps(data, ensure_ascii=False, indent=1, default=str).encode(),
                       "application/json; charset=utf-8")

        def do_GET(self) -> None:  # noqa: N802
            path, _, query = self.path.partition("?")
            path = path.rstrip("/") or "/"
            asked = parse_qs(query).get("commitment", [None])[0]
            if path == "/metrics":
                self._send(200, generate_latest(backend.registry), CONTENT_TYPE_LATEST)
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
            if self.path.split("?")[0] != "/-/reload":
                self._json(404, {"error": "not found"})
                return
            ok, problems = backend.request_reload()
            self._json(200 if ok else 400, {"reloaded": ok, "problems": problems})

        def log_message(self, *args: object) -> None:
            pass

    return Handler
