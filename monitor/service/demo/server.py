"""The demo feed server: a real HTTP server on loopback serving `demo_payload` as JSON."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from monitor.calendar import WorkCalendar
from monitor.model import Catalogue
from monitor.service.demo.generate import demo_payload

PATH = "/demo/series.json"


class DemoServer:
    """Serves the demo series for the current catalogue; `catalogue` is read on each request."""

    def __init__(self, catalogue: Callable[[], Catalogue], calendar: Callable[[], WorkCalendar], seed: int,
                 host: str = "127.0.0.1", port: int = 0, clock: Callable[[], datetime] | None = None):
        self._catalogue, self._calendar, self._seed = catalogue, calendar, seed
        self._clock = clock or (lambda: datetime.now(UTC))
        self._cache: tuple[tuple[int, datetime], dict[str, bytes]] | None = None
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                path, _, query = self.path.partition("?")
                if path != PATH:
                    self.send_error(404, "try " + PATH)
                    return
                feed = parse_qs(query).get("feed", ["demo"])[0]   # one feed's commitments: ?feed=ID
                body = server.body(feed)
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="demo-feed", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}{PATH}"

    def body(self, feed: str = "demo") -> bytes:
        """The feed's payload as of the current whole hour, regenerated once an hour (and whenever the
        catalogue changes): an agency's snapshot feed serves the same figures until it refreshes them,
        and a payload of 2,000 commitments takes seconds to make (50 such feeds made every minute
        kept a core busy)."""
        now = self._clock().replace(minute=0, second=0, microsecond=0)
        catalogue = self._catalogue()
        key = (id(catalogue), now)
        with self._lock:
            if self._cache is None or self._cache[0] != key:
                self._cache = (key, {})
            bodies = self._cache[1]
            if feed not in bodies:
                payload = demo_payload(catalogue, now, self._calendar(), self._seed, feed)
                bodies[feed] = json.dumps(payload, ensure_ascii=False).encode()
            return bodies[feed]

    def start(self) -> DemoServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
