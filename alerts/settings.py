"""Operational settings of the alert path, from the environment (MONITOR_*) and secret files."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    mail_from: str = "商务环境承诺监测 <commitment-monitor@localhost>"
    maildir: Path = Path("var/mail")
    public_url: str = "http://127.0.0.1:9464"
    grafana_url: str = "http://127.0.0.1:3000"
    templates_dir: Path | None = None         # overrides alerts/templates/ file by file
    outbox_lease_seconds: float = 120.0       # a claimed row is reclaimable after this (sender died)
    outbox_batch: int = 50
    outbox_max_attempts: int = 12
    outbox_backoff_seconds: float = 10.0      # first retry delay, doubled each attempt
    outbox_backoff_max_seconds: float = 1800.0
    trend_points: int = 8

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
