"""Helpers for the dispute tests: the alert tests' catalogue, verdicts, a backend with the dispute desk,
a browser-like client keeping cookies, opening and posting the form, reading mails."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from prometheus_client import CollectorRegistry

from alerts.settings import AlertSettings
from monitor.evaluate import Evaluation
from monitor.model import Catalogue
from monitor.service.disputes.desk import DisputeDesk
from monitor.service.pages.views import HistoryPoint, Snapshot
from monitor.service.signed_links import LinkSigner

ALERT_FIXTURES = Path(__file__).parents[1] / "alerts" / "fixtures"
T0 = datetime(2021, 6, 1, 2, 0, tzinfo=UTC)
SECRET = "dispute-test-secret-0123456789"
SITE = "http://testserver"          # the in-process client's host, and the public URL of the links
SETUP, FIRMS, ONLINE = "town2021.setup_days", "town2021.new_firms", "town2021.online_share"
OPS = "ops@monitor.example"


def verdict(commitment: str, status: str, actual: float | None, at: datetime = T0, **extra) -> Evaluation:
    targets = {SETUP: (1.0, "<=", "个工作日"), FIRMS: (1800.0, ">=", "家"), ONLINE: (90.0, ">=", "%")}
    target, op, unit = targets[commitment]
    return Evaluation(commitment=commitment, evaluated_at=at, status=status, actual=actual, target=target, op=op,
                      unit=unit, reason=extra.pop("reason", f"{status} in test"), data_time=at - timedelta(minutes=5),
                      **extra)


@dataclass
class Backend:
    """What the web application reads, with the dispute desk the daemon gives it."""
    catalogue: Catalogue
    board: dict[str, Evaluation]
    dispute_desk: DisputeDesk | None = None
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def health(self) -> tuple[bool, dict]:
        return True, {"status": "ok"}

    def status(self, commitment: str | None) -> dict | None:
        return None

    async def reload(self) -> tuple[bool, list[str]]:
        return True, []

    def snapshot(self) -> Snapshot:
        return Snapshot(self.catalogue, self.board, T0)

    def history(self, commitment: str, limit: int) -> Sequence[HistoryPoint]:
        return []

def make_desk(engine, signer: LinkSigner, catalogue: Catalogue, board: Mapping[str, Evaluation], folder: Path,
              settings: AlertSettings, **rates: str) -> DisputeDesk:
    return DisputeDesk(engine, signer, evidence_dir=folder, catalogue=lambda: catalogue, board=lambda: board,
                       clock=lambda: T0 + timedelta(hours=1), alert_settings=settings, **rates)


class Browser:
    """Requests to the ASGI application in process, keeping cookies from one request to the next as a
    browser does (starlette's TestClient is deprecated with httpx)."""

    def __init__(self, app) -> None:
        self.app = app
        self.cookies = httpx.Cookies()

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        async def send() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=SITE,
                                         cookies=self.cookies) as c:
                response = await c.request(method, path, **kwargs)
                self.cookies = c.cookies
                return response
        return asyncio.run(send())

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.request("POST", path, **kwargs)


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def form_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def open_form(client: Any, path: str) -> tuple[httpx.Response, str, str]:
    """The form page, its link token and its anti-forgery token."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token and csrf
    return page, token.group(1), csrf.group(1)


def post(client: Any, token: str, csrf: str, *, figure: str = "actual", reason: str = "",
         file: tuple[str, bytes] | None = None, link: str = "", origin: str | None = SITE,
         headers: dict[str, str] | None = None) -> httpx.Response:
    data = {"token": token, "csrf": csrf, "figure": figure, "reason": reason, "evidence_link": link}
    files: Any = {"evidence": (file[0], file[1], "application/octet-stream")} if file else \
        {"evidence": ("", b"", "application/octet-stream")}   # a browser sends the empty file input too
    sent = dict(headers or {})
    if origin is not None:
        sent["Origin"] = origin
    return client.post("/disputes/new", data=data, files=files, headers=sent)


def read_mails(folder: Path) -> list[Any]:
    return [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def text_of(mail: Any) -> str:
    return mail.get_body(("plain",)).get_content()
