"""A real HTTP server on 127.0.0.1 that answers like real feeds do: well, slowly, with 500s,
truncated JSON, wrong content types, 100 MB bodies, paginated, in GB18030."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

HUGE_BYTES = 100 * 1024 * 1024
CASES_CSV = "编号,受理时间,办结时间,事项\nA1,2024-06-03 09:00,2024-06-04 10:00,企业开办\nA2,2024-06-03 09:00,2024-06-07 10:00,企业开办\n"


class FeedServer:
    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.headers_seen: list[dict[str, str]] = []
        self.release = threading.Event()      # set at shutdown: frees handlers that hang on purpose
        self.routes: dict[str, Any] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                server.hits[url.path] = server.hits.get(url.path, 0) + 1
                server.headers_seen.append(dict(self.headers))
                route = server.routes.get(url.path) or getattr(server, "route_" + url.path.strip("/").replace("-", "_"), None)
                if route is None:
                    return self.answer(404, b"not found", "text/plain")
                try:
                    route(self, parse_qs(url.query))
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def answer(self, status: int, body: bytes, content_type: str, length: int | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- routes ------------------------------------------------------------------------
    @staticmethod
    def json_body(payload) -> bytes:
        return json.dumps(payload, ensure_ascii=False).encode()

    def route_good(self, h, q) -> None:
        h.answer(200, self.json_body({"updated": "2024-06-27", "stats": {"online_rate": 96.5},
                                      "cases": [{"id": "1", "submitted": "2024-06-03 09:00", "completed": "2024-06-04 10:00"},
                                                {"id": "2", "submitted": "2024-06-05 09:00", "completed": "2024-06-04 10:00"},
                                                {"id": "3", "submitted": "bad", "completed": ""}]}),
                 "application/json; charset=utf-8")

    def route_slow(self, h, q) -> None:
        self.release.wait(30)      # never answers within any test's timeout
        h.answer(200, b"{}", "application/json")

    def route_drip(self, h, q) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        while not self.release.wait(0.2):   # one byte now and then: no read timeout ever fires
            h.wfile.write(b"1\r\n \r\n")
            h.wfile.flush()

    def route_error500(self, h, q) -> None:
        h.answer(500, b"internal error", "text/plain")

    def route_flaky(self, h, q) -> None:
        if self.hits["/flaky"] == 1:
            return h.answer(503, b"busy", "text/plain")
        h.answer(200, self.json_body({"stats": {"online_rate": 91}}), "application/json")

    def route_notfound(self, h, q) -> None:
        h.answer(404, b"gone", "text/plain")

    def route_truncated(self, h, q) -> None:
        h.answer(200, b'{"stats": {"online_rate": 9', "application/json")

    def route_html(self, h, q) -> None:
        h.answer(200, "<html><body>请登录</body></html>".encode(), "text/html; charset=utf-8")

    def route_json_as_text(self, h, q) -> None:
        h.answer(200, self.json_body({"stats": {"online_rate": 88}}), "text/plain")

    def route_huge(self, h, q) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        chunk = b"[" + b"1," * 32767 + b"1"
        sent = 0
        while sent < HUGE_BYTES:
            h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        h.wfile.write(b"0\r\n\r\n")

    def route_huge_declared(self, h, q) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(HUGE_BYTES))
        h.end_headers()
        h.wfile.write(b"[")    # then nothing: the client must not wait for the rest

    def route_pages(self, h, q) -> None:
        page = int(q.get("page", ["1"])[0])
        rows = [{"id": f"p{page}-{i}", "submitted": "2024-06-03 09:00", "completed": "2024-06-05 09:00"}
                for i in range(3)] if page <= 3 else []
        h.answer(200, self.json_body({"data": rows}), "application/json")

    def route_linked(self, h, q) -> None:
        page = int(q.get("p", ["1"])[0])
        nxt = f"linked?p={page + 1}" if page < 3 else None
        rows = [{"id": f"l{page}", "submitted": "2024-06-03 09:00", "completed": "2024-06-05 09:00"}]
        h.answer(200, self.json_body({"data": rows, "links": {"next": nxt}}), "application/json")

    def route_loop(self, h, q) -> None:
        h.answer(200, self.json_body({"data": [], "links": {"next": "loop"}}), "application/json")

    def route_secret(self, h, q) -> None:
        if h.headers.get("Authorization") != "Bearer s3cr3t-token":
            return h.answer(401, b"who are you", "text/plain")
        h.answer(200, self.json_body({"stats": {"online_rate": 99}}), "application/json")

    def route_cases_csv(self, h, q) -> None:
        h.answer(200, CASES_CSV.encode(), "text/csv; charset=utf-8")

    def route_cases_csv_bom(self, h, q) -> None:
        h.answer(200, b"\xef\xbb\xbf" + CASES_CSV.encode(), "text/csv")

    def route_cases_csv_gb18030(self, h, q) -> None:
        h.answer(200, CASES_CSV.encode("gb18030"), "application/octet-stream")
