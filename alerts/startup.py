"""What the daemon says at start-up about its mail: where it goes and where its links point.

A mail whose links no reader can open is worse than none, so the cases that lead there are said
loudly (a WARNING log line and a line on stderr): a wildcard listen address with no
MONITOR_PUBLIC_URL, and mail leaving through an SMTP server while its links are loopback addresses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from alerts.settings import AlertSettings


@dataclass(frozen=True)
class Line:
    level: int                 # logging.INFO or logging.WARNING
    event: str                 # the log event (English, structured)
    text: str                  # the line for a person at the terminal
    fields: dict[str, Any] = field(default_factory=dict)


def mail_report(settings: AlertSettings, route: str = "daemon") -> list[Line]:
    """The start-up lines about mail, in order: where it goes, what its links point to, then warnings."""
    links = settings.links()
    if settings.smtp_host:
        where = f"SMTP server {settings.smtp_host}:{settings.port()} (tls {settings.smtp_tls})"
        goes = {"smtp": f"{settings.smtp_host}:{settings.port()}"}
    else:
        where = f"folder {settings.maildir} (.eml files; set MONITOR_SMTP_HOST to send)"
        goes = {"maildir": str(settings.maildir)}
    if route != "daemon":
        where += f"; alerts to agencies go through Alertmanager (alerting.route: {route}), not this mail"
    source = "MONITOR_LISTEN" if links.derived else "MONITOR_PUBLIC_URL"
    grafana = settings.grafana_url.rstrip("/") if settings.grafana_url else None
    lines = [
        Line(logging.INFO, "mail_destination", f"mail goes to the {where}", {**goes, "from": settings.mail_from}),
        Line(logging.INFO, "mail_links", f"links in mail point to {links.url}/ (from {source})"
             + (f"; charts to Grafana at {grafana}" if grafana else "; no Grafana links (MONITOR_GRAFANA_URL unset)"),
             {"public_url": links.url, "source": source, "grafana_url": grafana or ""}),
    ]
    if links.problem:
        lines.append(Line(logging.WARNING, "mail_links_unusable", links.problem, {"public_url": links.url}))
    if settings.smtp_host and links.loopback:
        lines.append(Line(logging.WARNING, "mail_links_loopback",
                          f"mail leaves through the SMTP server {settings.smtp_host}, but its links point to "
                          f"{links.url}, a loopback address its readers cannot open: set MONITOR_PUBLIC_URL "
                          f"to the address agencies reach", {"public_url": links.url, "smtp": settings.smtp_host}))
    return lines
