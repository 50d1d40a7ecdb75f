"""The `alerting:` section of targets.yaml: lifecycle timings, operators, maintenance windows, receivers.

Addresses and timings of *who is told and when* live here because they are part of the catalogue
an agency reviews; SMTP hosts and credentials are operational settings (environment), never here.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from monitor.spec.addresses import EmailEntry
from monitor.spec.common import Duration, Identifier, StrictModel

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = Weekday.__args__  # type: ignore[attr-defined]
_CLOCK_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


class OperatorsSpec(StrictModel):
    """Who runs the monitor: they get data problems (no_data, error) and a copy or digest of the rest."""

    emails: list[EmailEntry] = []
    mode: Literal["copy", "digest", "none"] = "copy"   # copy: Bcc on every agency e-mail
    digest_interval: Duration = timedelta(days=1)


class OfficeContact(StrictModel):
    """The monitoring office agencies contact about a verdict (shown on every mail and page)."""

    name: str = Field(min_length=1)
    phone: str | None = Field(default=None, min_length=1)
    email: EmailEntry | None = None


class MaintenanceWindowSpec(StrictModel):
    """A recurring window (e.g. every Saturday 22:00-06:00 Asia/Shanghai) in which alerts are muted."""

    name: str
    days: list[Weekday] = list(WEEKDAYS)      # the day the window starts on
    start: str = "00:00"
    end: str = "24:00"                         # end <= start means the window runs past midnight
    timezone: str = "Asia/Shanghai"
    commitments: list[str] = []               # empty with agencies empty: every commitment
    agencies: list[str] = []
    comment: str = ""

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK_RE.match(value):
            raise ValueError(f"expected HH:MM, got {value!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class WebhookSpec(StrictModel):
    id: Identifier
    url: str = Field(pattern=r"^https?://")
    timeout: Duration = timedelta(seconds=10)
    headers_env: dict[str, str] = {}          # header name -> environment variable holding its value


class AlertmanagerSpec(StrictModel):
    url: str = Field(pattern=r"^https?://")  # base URL; alerts go to {url}/api/v2/alerts
    resend_interval: Duration = timedelta(minutes=1)
    timeout: Duration = timedelta(seconds=10)


# Who tells agencies and operators about commitments: exactly one path, so nobody is told twice.
#   daemon        the daemon e-mails them itself (and calls the webhooks); nothing goes to Alertmanager.
#   alertmanager  the daemon forwards its alerts to the `alertmanager:` receivers, which route them;
#                 it sends no alert e-mail or webhook of its own.
#   prometheus    Prometheus evaluates the rules `monitor rules` generates and its Alertmanager
#                 routes them; the daemon sends no alert e-mail, webhook or forward.
# Only under `prometheus` do the generated rules hold commitment alerts (Commitment*); under every
# route they hold the monitor's own health alerts (Monitor*), for the operators.
ROUTES = ("daemon", "alertmanager", "prometheus")
Route = Literal["daemon", "alertmanager", "prometheus"]


class AlertingSpec(StrictModel):
    """Defaults follow Prometheus/Alertmanager, except repeat_interval: agencies read mail daily."""

    model_config = StrictModel.model_config | {"populate_by_name": True}

    route: Route = "daemon"
    for_: Duration = Field(default=timedelta(0), alias="for")
    for_evaluations: int = Field(default=1, ge=1)
    keep_firing_for: Duration = timedelta(0)
    group_wait: Duration = timedelta(seconds=30)
    group_interval: Duration = timedelta(minutes=5)
    repeat_interval: Duration = timedelta(days=1)
    operators: OperatorsSpec = OperatorsSpec()
    contact: OfficeContact | None = None      # the monitoring office; absent: mails say 未登记联系人
    maintenance: list[MaintenanceWindowSpec] = []
    webhooks: list[WebhookSpec] = []
    alertmanager: list[AlertmanagerSpec] = []

    @model_validator(mode="after")
    def _unique_webhooks(self) -> AlertingSpec:
        ids = [w.id for w in self.webhooks]
        if len(ids) != len(set(ids)):
            raise ValueError("webhook ids must be unique")
        return self

    @model_validator(mode="after")
    def _one_path(self) -> AlertingSpec:
        """Receivers that would tell someone a second time, or that the route would never use, are errors."""
        if self.route == "daemon" and self.alertmanager:
            raise ValueError("route: daemon e-mails the agencies itself, so forwarding to the alertmanager "
                             "receivers too would tell them twice; set route: alertmanager, or remove "
                             "the alertmanager receivers")
        if self.route == "alertmanager" and not self.alertmanager:
            raise ValueError("route: alertmanager needs at least one receiver under alertmanager:")
        if self.route == "prometheus" and self.alertmanager:
            raise ValueError("route: prometheus has Prometheus send the alerts to Alertmanager from the rules "
                             "`monitor rules` generates; the daemon forwarding them as well would tell everyone "
                             "twice: remove the alertmanager receivers, or set route: alertmanager")
        if self.route != "daemon" and self.webhooks:
            raise ValueError(f"webhooks are called by the daemon's own alerting (route: daemon); under "
                             f"route: {self.route} Alertmanager's receivers take their place")
        return self

    @property
    def daemon_notifies(self) -> bool:
        """Whether the daemon sends alert e-mail and webhooks itself."""
        return self.route == "daemon"
