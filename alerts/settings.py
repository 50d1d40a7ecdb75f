"""Operational settings of the alert path, from the environment (MONITOR_*) and secret files."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from monitor.vocabulary import PRODUCT_NAME

DEFAULT_LISTEN = "127.0.0.1:9464"
_WILDCARDS = ("0.0.0.0", "::", "")


class SettingsError(Exception):
    """An alert setting cannot be used as given (e.g. an unreadable password file)."""


class AlertSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MONITOR_", extra="ignore")

    smtp_host: str | None = None              # unset: messages go to MONITOR_MAILDIR as .eml files
    smtp_port: int | None = None              # default by smtp_tls: 465 for ssl, else 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_password_file: Path | None = None
    # auto: STARTTLS when the server offers it, plain otherwise (but never AUTH in clear: set none to
    # allow that); starttls/ssl: required.
    smtp_tls: Literal["auto", "starttls", "ssl", "none"] = "auto"
    smtp_ca_file: Path | None = None          # a private CA for the SMTP server's certificate
    smtp_timeout_seconds: float = 30.0
    mail_from: str = f"{PRODUCT_NAME} <commitment-monitor@localhost>"
    maildir: Path = Path("var/mail")
    # base of the links in mail; unset: the address the daemon listens on (MONITOR_LISTEN)
    public_url: str | None = None
    listen: str = DEFAULT_LISTEN
    grafana_url: str | None = None            # unset: mails carry no link to Grafana
    templates_dir: Path | None = None         # overrides alerts/templates/ file by file
    outbox_lease_seconds: float = 120.0       # a claimed row is reclaimable after this (sender died)
    outbox_batch: int = 50
    outbox_max_attempts: int = 12
    outbox_backoff_seconds: float = 10.0      # first retry delay, doubled each attempt
    outbox_backoff_max_seconds: float = 1800.0
    trend_points: int = 8

    def links(self) -> LinkBase:
        """Where the links in mail point, and whether a browser elsewhere can open them."""
        return link_base(self.public_url, self.listen)

    def port(self) -> int:
        if self.smtp_port:
            return self.smtp_port
        return 465 if self.smtp_tls == "ssl" else 25

    def password(self) -> str | None:
        """The SMTP password: the file wins over the variable, so secrets can stay out of the env."""
        if self.smtp_password_file is not None:
            try:
                return self.smtp_password_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SettingsError(f"cannot read MONITOR_SMTP_PASSWORD_FILE "
                                    f"{self.smtp_password_file}: {exc.strerror}") from exc
        return self.smtp_password.get_secret_value() if self.smtp_password else None


@dataclass(frozen=True)
class LinkBase:
    """The base URL of the links in mail. `problem` says, in English for the log, why no browser can
    open the address asked for (None when it can); `loopback` is true when only this machine can open it."""

    url: str
    derived: bool                # taken from MONITOR_LISTEN (MONITOR_PUBLIC_URL unset)
    loopback: bool
    problem: str | None


def link_base(public_url: str | None, listen: str) -> LinkBase:
    """MONITOR_PUBLIC_URL when set; otherwise the address the daemon listens on. A wildcard listen
    address (0.0.0.0, ::) is no address a browser can open: the links then use loopback and `problem` says so."""
    if public_url:
        url = public_url.rstrip("/")
        host = _host_of(url)
        return LinkBase(url, False, _is_loopback(host), None)
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")
    if host in _WILDCARDS:
        return LinkBase(f"http://127.0.0.1:{port}", True, True,
                        f"MONITOR_LISTEN {listen} is a wildcard address no browser can open; links in mail point to "
                        f"http://127.0.0.1:{port}, which opens only on this machine: set MONITOR_PUBLIC_URL to the "
                        f"address agencies reach")
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}"
    return LinkBase(url, True, _is_loopback(host), None)


def _host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False
