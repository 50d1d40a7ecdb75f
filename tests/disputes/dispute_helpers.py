"""Helpers for the dispute tests: open the form as a browser would, post it, read mails."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

SITE = "http://testserver"
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
