"""Signed, expiring links that let an agency act without an account (dispute a verdict, upload a report).

A link carries its purpose, the agency and a subject (a commitment, a reporting period), signed with
one secret by itsdangerous. The secret comes from `MONITOR_LINK_SECRET`, or the file named by
`MONITOR_LINK_SECRET_FILE`; with neither, one is generated at first start and kept in
`link-secret` beside the database (mode 0600), so links in mails already sent keep working after a
restart. A link names its purpose, so a dispute link can never be used to upload, nor the reverse.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

DEFAULT_VALIDITY = timedelta(days=30)
SECRET_FILE_NAME = "link-secret"


@dataclass(frozen=True)
class LinkGrant:
    """What a valid link allows: `purpose` for `agency` on `subject`."""
    purpose: str
    agency: str
    subject: str


class LinkRefused(Exception):
    """A forged, altered, expired or misdirected link; `expired` tells the two first cases apart."""

    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.expired = expired


class LinkSigner:
    def __init__(self, secret: str, validity: timedelta = DEFAULT_VALIDITY):
        if len(secret) < 16:
            raise ValueError("the link secret must be at least 16 characters")
        self._serializer = URLSafeTimedSerializer(secret, salt="commitment-monitor-links")
        self.validity = validity

    def token(self, purpose: str, agency: str, subject: str) -> str:
        return self._serializer.dumps([purpose, agency, subject])

    def verify(self, token: str, purpose: str) -> LinkGrant:
        """The grant of `token`, or LinkRefused when it is forged, expired or made for another purpose."""
        try:
            data = self._serializer.loads(token, max_age=int(self.validity.total_seconds()))
        except SignatureExpired as exc:
            raise LinkRefused("link expired", expired=True) from exc
        except BadSignature as exc:
            raise LinkRefused("link signature invalid") from exc
        if not (isinstance(data, list) and len(data) == 3 and all(isinstance(x, str) for x in data)):
            raise LinkRefused("link content invalid")
        if data[0] != purpose:
            raise LinkRefused(f"link made for {data[0]!r}, not {purpose!r}")
        return LinkGrant(*data)


def load_secret(explicit: str | None, secret_file: Path | None, database_url: str,
                file_name: str = SECRET_FILE_NAME) -> str:
    """The link secret (or another, named `file_name`): given, read from a file, or generated once
    and kept beside the database (mode 0600)."""
    if explicit:
        return explicit
    if secret_file is not None:
        return secret_file.read_text(encoding="utf-8").strip()
    path = default_secret_path(database_url, file_name)
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(secret + "\n")
    return secret


def default_secret_path(database_url: str, file_name: str = SECRET_FILE_NAME) -> Path:
    """`link-secret` (or `file_name`) beside a SQLite file; under ./var for a server database."""
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and database_url != "sqlite:///:memory:":
        return Path(database_url[len(prefix):]).parent / file_name
    return Path("var") / file_name
