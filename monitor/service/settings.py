"""Operational settings from the environment (MONITOR_*) — never from targets.yaml."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from alerts.settings import LinkBase
    from monitor.service.retention import Retention
    from monitor.service.signed_links import LinkSigner

DEFAULT_PORT = 9464
ADMIN_TOKEN_FILE_NAME = "admin-token"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MONITOR_", extra="ignore")

    targets: Path = Path("targets.yaml")
    database_url: str = "sqlite:///var/monitor.db"
    listen: str = f"127.0.0.1:{DEFAULT_PORT}"
    public_url: str | None = None          # base of links in mail and rules; unset: the listen address
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    demo_listen: str = "127.0.0.1:0"
    demo_seed: int = 42
    max_concurrent_feeds: int = 4
    deliver_interval_seconds: float = 5.0
    http_timeout_seconds: float = 10.0     # a client silent this long is dropped
    # which per-commitment series /metrics carries (the sample budget; see docs/operations.md "Metrics at scale")
    metrics_detail: Literal["auto", "full", "status"] = "auto"
    # retention (see docs/operations.md "Retention"): full evaluation history this long, then transitions and a
    # daily snapshot; observations at least this long (longer when a commitment reads them); sent
    # notifications this long; the daemon prunes every prune_interval_seconds (0: never)
    retain_evaluations_days: float = 2.0
    # the history records a verdict when it changes; an actual moving by less than this (relative) is no change
    history_actual_tolerance: float = 1e-6
    retain_observations_days: float = 7.0
    retain_notifications_days: float = 30.0
    prune_interval_seconds: float = 3600.0
    # replicas on one database (see docs/operations.md "Replicas"): each feed collected by the replica holding its lease
    feed_leases: bool = False
    lease_seconds: float = 60.0
    # POST /-/reload needs `Authorization: Bearer <token>`: this one, or the file's, or one generated
    # at first start into `admin-token` beside the database (mode 0600); SIGHUP needs none
    admin_token: SecretStr | None = None
    admin_token_file: Path | None = None
    # the daemon's clock starts at this instant and runs at real speed (tests and rehearsals choose
    # the date they run at; unset: the machine's clock)
    clock_start: datetime | None = None
    clock_anchor: datetime | None = None   # the real instant at which the clock reads clock_start
    # signed links for agencies (dispute, upload): see monitor/service/signed_links.py
    link_secret: SecretStr | None = None
    link_secret_file: Path | None = None
    link_validity_days: float = 30.0
    # agencies' disputes (docs/disputes.md): evidence kept here (default: dispute-evidence beside the
    # database); submissions per client address and disputes per agency ("N/period", the limits syntax)
    dispute_evidence_dir: Path | None = None
    dispute_rate_client: str = "10/10 minutes"
    dispute_rate_agency: str = "5/hour"

    def link_signer(self) -> LinkSigner:
        from monitor.service.signed_links import LinkSigner, load_secret
        secret = load_secret(self.link_secret.get_secret_value() if self.link_secret else None,
                             self.link_secret_file, self.database_url)
        return LinkSigner(secret, timedelta(days=self.link_validity_days))

    def admin_secret(self) -> str:
        """The bearer token of the admin endpoints (see `admin_token`)."""
        from monitor.service.signed_links import load_secret
        return load_secret(self.admin_token.get_secret_value() if self.admin_token else None,
                           self.admin_token_file, self.database_url, ADMIN_TOKEN_FILE_NAME)

    def clock(self) -> Callable[[], datetime]:
        return clock_from(self.clock_start, self.clock_anchor)

    def retention(self) -> Retention:
        from monitor.service.retention import Retention
        return Retention(self.retain_evaluations_days, self.retain_observations_days, self.retain_notifications_days)

    def links(self) -> LinkBase:
        """Where links to the pages point (MONITOR_PUBLIC_URL, else the listen address): alerts.settings.link_base."""
        from alerts.settings import link_base
        return link_base(self.public_url, self.listen)

    def listen_address(self) -> tuple[str, int]:
        return split_address(self.listen)


def clock_from(start: datetime | None, anchor: datetime | None = None) -> Callable[[], datetime]:
    """The machine's UTC clock, or one that reads `start` at the real instant `anchor` (default: now)
    and advances at real speed; several processes given one anchor share one timeline. Naive: UTC."""
    if start is None:
        return lambda: datetime.now(UTC)
    origin = _aware(start)
    if anchor is None:
        began = time.monotonic()
        return lambda: origin + timedelta(seconds=time.monotonic() - began)
    offset = origin - _aware(anchor)
    return lambda: datetime.now(UTC) + offset


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def split_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a relative or absolute SQLite file so the default works on a fresh clone."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != "sqlite:///:memory:":
        Path(url[len(prefix):]).parent.mkdir(parents=True, exist_ok=True)
