"""Messages from templates: Chinese subject, text and HTML (Jinja2, autoescape on for HTML).

Templates live in alerts/templates/; a folder named by MONITOR_TEMPLATES_DIR overrides them file
by file. Rendering is strict (an undefined variable is an error), so a broken template is found
when the notification is made and recorded as a permanent failure, not sent half-empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import quote

import jinja2

from alerts.settings import AlertSettings
from alerts.tables import AlertState
from monitor.model import Catalogue, Commitment
from collectors.drop_report import REASONS_ZH
from monitor import verdict_text
from monitor.display_text import differs, shown
from monitor.store import evaluation_from_row
from monitor.verdict_text import OP_ZH, number, promise_text  # noqa: F401 - the words of mails and pages

TEMPLATES = Path(__file__).parent / "templates"
GRAFANA_DASHBOARD_UID = "commitment-detail"
MAIL_CASES = 10     # the late cases a mail lists (the worst; the page lists them all)

STATUS_ZH = {"met": "达标", "at_risk": "有风险", "missed": "未达标", "no_data": "无数据", "error": "评估出错"}
SEVERITY_ZH = {"warning": "预警", "critical": "严重", "data": "数据问题"}
CHANGE_ZH = {"firing": "新告警", "escalated": "告警级别变化", "resolved": "已恢复", "still_firing": "仍在告警"}


class TemplateFailure(Exception):
    """A template is missing or fails to render; permanent for the notification it was for."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _with_unit(value: float | None, unit: str) -> str:
    return "—" if value is None else f"{number(value)}{unit}"


def local_time(value: datetime | None, zone: tzinfo) -> str:
    """The time as read where the catalogue's calendar is (its `calendar.timezone`)."""
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "—"


class Renderer:
    """Renders messages; times are shown in `zone`, the catalogue's calendar zone (see `for_catalogue`)."""

    def __init__(self, settings: AlertSettings, zone: tzinfo):
        self.settings = settings
        self.zone = zone
        folders = [str(settings.templates_dir)] if settings.templates_dir else []
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folders + [str(TEMPLATES)]),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "html"), default_for_string=False),
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
        self.env.filters.update(number=number, local_time=self.local_time)
        self.env.globals.update(STATUS_ZH=STATUS_ZH, SEVERITY_ZH=SEVERITY_ZH, CHANGE_ZH=CHANGE_ZH)

    @classmethod
    def for_catalogue(cls, settings: AlertSettings, catalogue: Catalogue, current: "Renderer | None" = None) -> "Renderer":
        """A renderer in the catalogue's calendar zone (`current` when it already is)."""
        zone = catalogue.calendar_zone
        return current if current is not None and current.zone == zone else cls(settings, zone)

    def local_time(self, value: datetime | None) -> str:
        return local_time(value, self.zone)

    def render(self, name: str, context: dict[str, Any]) -> Rendered:
        """Render `<name>.subject.j2`, `<name>.txt.j2` and `<name>.html.j2` with one context."""
        try:
            parts = [self.env.get_template(f"{name}.{part}.j2").render(context)
                     for part in ("subject", "txt", "html")]
        except Exception as exc:   # jinja2 raises TemplateError, but a template's own code can raise anything
            raise TemplateFailure(f"template {name!r}: {type(exc).__name__}: {exc}") from exc
        return Rendered(subject=" ".join(parts[0].split()), text=parts[1], html=parts[2])

    def page_url(self, path: str = "/") -> str:
        """A page of the monitor's own site (public_url): the board at "/", a commitment, an agency."""
        return self.settings.public_url.rstrip("/") + path

    def links(self, commitment_id: str, agency_id: str | None = None) -> dict[str, str]:
        grafana = self.settings.grafana_url.rstrip("/")
        page = self.page_url(f"/commitments/{quote(commitment_id, safe='')}")
        return {"grafana": f"{grafana}/d/{GRAFANA_DASHBOARD_UID}?var-commitment={quote(commitment_id)}",
                "page": page, "status": page,   # `status` kept for templates overridden before the pages existed
                "agency": self.page_url(f"/agencies/{quote(agency_id, safe='')}") if agency_id else self.page_url()}

    def item(self, commitment: Commitment, state: AlertState, change: str,
             trend: Sequence[tuple[datetime, float | None, str]]) -> dict[str, Any]:
        """Everything one commitment contributes to a message."""
        c = commitment
        verdict = evaluation_from_row(c.id, state.evaluated_at or datetime.min.replace(tzinfo=timezone.utc), state)
        sentence = verdict_text.sentence(c, verdict)
        late = verdict.offending_cases[:MAIL_CASES]
        counts = verdict.case_counts
        item = {
            "id": c.id, "change": change, "change_zh": CHANGE_ZH[change],
            "severity": state.severity, "severity_zh": SEVERITY_ZH.get(state.severity or "", ""),
            "status": state.status, "status_zh": STATUS_ZH.get(state.status, state.status),
            "measured": c.measured_zh, "document_title": c.document.title, "document_id": c.document.id,
            "jurisdiction": c.document.jurisdiction, "clause": c.clause, "quote": c.quote,
            "promise": promise_text(c.op, c.value, c.value_max, c.unit),
            "evaluated_promise": promise_text(state.op, state.target, state.target_max, state.unit),
            "actual": _with_unit(state.actual, state.unit or c.unit), "unit": state.unit or c.unit,
            "expected": _with_unit(state.expected, state.unit or c.unit) if state.expected is not None else None,
            "deadline": c.deadline.isoformat() if c.deadline else None,
            "lead": c.agency.name if c.agency else "", "co": [a.name for a in c.co_agencies],
            "settled_on": state.settled_on.isoformat() if state.settled_on else None,
            "provisional": bool(state.provisional), "overdue_open": state.overdue_open or 0,
            "overdue_case_ids": json.loads(state.overdue_case_ids or "[]"),
            "reason": state.reason, "evaluated_at": self.local_time(state.evaluated_at),
            "fired_at": self.local_time(state.fired_at), "resolved_at": self.local_time(state.resolved_at),
            "trend": [{"at": self.local_time(at), "actual": _with_unit(actual, state.unit or c.unit),
                       "status_zh": STATUS_ZH.get(s, s)}
                      for at, actual, s in trend],
            "links": self.links(c.id, c.agency.id if c.agency else None), "feed": None,
        }
        item.update({
            "measured": shown(c.measured_zh), "document_title": shown(c.document.title),
            "quote": shown(c.quote), "quote_exact": c.quote, "quote_changed": differs(c.quote),
            "lead": shown(item["lead"]), "co": [shown(a) for a in item["co"]],
            "promise": verdict_text.promise_zh(c), "sentence": sentence, "reason": sentence, "reason_en": state.reason,
            "late_cases": [verdict_text.case_row(c, k) for k in late],
            "late_total": verdict.offending_total or 0,
            "counts_zh": verdict_text.counts_zh(counts, REASONS_ZH) if counts is not None else None,
        })
        on_time = verdict_text.on_time_text(c, verdict)
        if on_time is not None:   # a time limit is read as one, never "87.8%（按不低于100%评估）"
            item["actual"], item["evaluated_promise"] = on_time, item["promise"]
        return item

    def feed_item(self, feed: str, state: AlertState, change: str) -> dict[str, Any]:
        """A failed collection: no promise to quote, only the feed and the error."""
        return {
            "id": f"feed:{feed}", "feed": feed, "change": change, "change_zh": CHANGE_ZH[change],
            "severity": state.severity, "severity_zh": SEVERITY_ZH.get(state.severity or "", ""),
            "status": state.status, "status_zh": "采集失败" if state.status == "error" else "采集恢复",
            "measured": f"数据源 {feed} 的采集", "reason": state.reason,
            "evaluated_at": self.local_time(state.evaluated_at), "fired_at": self.local_time(state.fired_at),
            "links": {"status": self.page_url(), "page": self.page_url(), "grafana": self.page_url("/metrics")},
        }
