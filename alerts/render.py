"""Messages from templates: Chinese subject, text and HTML (Jinja2, autoescape on for HTML).

Templates live in alerts/templates/; a folder named by MONITOR_TEMPLATES_DIR overrides them file
by file. Rendering is strict (an undefined variable is an error), so a broken template is found
when the notification is made and recorded as a permanent failure, not sent half-empty.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from alerts.operator_text import collection_problem_zh, data_problem_zh
from alerts.settings import AlertSettings
from alerts.tables import AlertState
from monitor import verdict_text
from monitor.display_text import differs, shown
from monitor.evaluate import late_note
from monitor.model import Catalogue, Commitment
from monitor.rejections import REASONS_ZH
from monitor.spec import AgencySpec
from monitor.store import evaluation_from_row
from monitor.verdict_text import OP_ZH as OP_ZH
from monitor.verdict_text import number as number
from monitor.verdict_text import promise_text as promise_text
from monitor.vocabulary import PRODUCT_NAME, STATUS_COLOUR, SUBJECT_TAG
from monitor.vocabulary import STATUS_ZH as STATUS_ZH

TEMPLATES = Path(__file__).parent / "templates"
GRAFANA_DASHBOARD_UID = "commitment-detail"
MAIL_CASES = 10     # the late cases a mail lists (the worst; the page lists them all)

SEVERITY_ZH = {"warning": "预警", "critical": "严重", "data": "数据问题"}
CHANGE_ZH = {"firing": "新告警", "escalated": "告警级别变化", "final": "已定论", "resolved": "已恢复",
             "still_firing": "仍在告警"}
STATE_ZH = {"inactive": "未触发", "pending": "待确认", "firing": "告警中", "resolved": "已恢复"}
ALERT_ZH = {"target": "承诺告警", "data": "数据告警", "collection": "采集告警"}


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


def zh_date(value: date | None) -> str:
    """A date as written in Chinese prose: 2021年12月31日."""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def contacts(catalogue: Catalogue, agency: AgencySpec | None) -> dict[str, Any]:
    """Who to contact about a message: the monitoring office (alerting.contact) and the agency's own
    person (agencies[].contact); None where targets.yaml names nobody (templates say 未登记联系人)."""
    office = catalogue.alerting.contact
    person = agency.contact if agency is not None else None
    return {"office": {"name": office.name, "phone": office.phone, "email": office.email} if office else None,
            "agency": {"name": shown(agency.name), "person": person.person, "phone": person.phone}
            if agency is not None and person is not None else None,
            "agency_name": shown(agency.name) if agency is not None else ""}


def paused_text(cases: int | None, total: float | None, unit: str | None) -> str | None:
    """The suspended time left out of the verdict's cases, as read (12件，共37个工作日); None when none was."""
    if not cases or total is None:
        return None
    return f"{cases}件，共{number(total)}{unit or ''}"
# Line breaks, tabs and other control characters in a value (a case id, a feed's error) would write
# lines of the sender's choosing into the plain-text part; every value a template prints is one line.
_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
IDS_IN_MAIL_CHARS = 1000    # the overdue case ids one item lists (the rest: "等", the page lists them)
ID_IN_MAIL_CHARS = 64


def one_line(value: Any) -> Any:
    """What a template prints: text on one line (each run of control characters becomes a space)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return _BREAKS.sub(" ", value)
    return value


def listed_ids(ids: Sequence[str], budget: int = IDS_IN_MAIL_CHARS) -> list[str]:
    """The case ids one item lists: each cut at ID_IN_MAIL_CHARS, together within `budget` characters."""
    listed: list[str] = []
    for case_id in ids:
        text = case_id if len(case_id) <= ID_IN_MAIL_CHARS else case_id[:ID_IN_MAIL_CHARS - 1] + "…"
        budget -= len(text) + 1
        if budget < 0:
            break
        listed.append(text)
    return listed


class Renderer:
    """Renders messages; times are shown in `zone`, the catalogue's calendar zone (see `for_catalogue`)."""

    def __init__(self, settings: AlertSettings, zone: tzinfo):
        self.settings = settings
        self.zone = zone
        self.base_url = settings.links().url
        folders = [str(settings.templates_dir)] if settings.templates_dir else []
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folders + [str(TEMPLATES)]),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "html"), default_for_string=False),
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
            finalize=one_line)
        self.env.filters.update(number=number, local_time=self.local_time)
        self.env.globals.update(STATUS_ZH=STATUS_ZH, STATUS_COLOUR=STATUS_COLOUR, SEVERITY_ZH=SEVERITY_ZH,
                                CHANGE_ZH=CHANGE_ZH, STATE_ZH=STATE_ZH, ALERT_ZH=ALERT_ZH, PRODUCT_NAME=PRODUCT_NAME,
                                SUBJECT_TAG=SUBJECT_TAG)
        # the signed token of an agency's dispute link, (commitment, agency) -> token; None: no links
        self.dispute_token: Callable[[str, str], str] | None = None

    @classmethod
    def for_catalogue(cls, settings: AlertSettings, catalogue: Catalogue, current: Renderer | None = None) -> Renderer:
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
        """A page of the monitor's own site (MONITOR_PUBLIC_URL, else the listen address): the board at
        "/", a commitment, an agency."""
        return self.base_url + path

    def links(self, commitment_id: str, agency_id: str | None = None) -> dict[str, str | None]:
        """The item's links; `grafana` is None unless MONITOR_GRAFANA_URL is set (no link to a Grafana nobody runs)."""
        grafana = self.settings.grafana_url.rstrip("/") if self.settings.grafana_url else None
        page = self.page_url(f"/commitments/{quote(commitment_id, safe='')}")
        return {"grafana": f"{grafana}/d/{GRAFANA_DASHBOARD_UID}?var-commitment={quote(commitment_id)}" if grafana else None,
                "page": page, "status": page,   # `status` kept for templates overridden before the pages existed
                "agency": self.page_url(f"/agencies/{quote(agency_id, safe='')}") if agency_id else self.page_url()}

    def dispute_url(self, commitment_id: str, agency_id: str | None) -> str | None:
        """The agency's signed link to dispute the commitment's verdict (docs/disputes.md)."""
        if self.dispute_token is None or agency_id is None:
            return None
        return self.page_url(f"/disputes/new?token={self.dispute_token(commitment_id, agency_id)}")

    def item(self, commitment: Commitment, state: AlertState, change: str,
             trend: Sequence[tuple[datetime, float | None, str]]) -> dict[str, Any]:
        """Everything one commitment contributes to a message."""
        c = commitment
        verdict = evaluation_from_row(c.id, state.evaluated_at or datetime.min.replace(tzinfo=UTC), state)
        sentence = verdict_text.sentence(c, verdict)
        late = verdict.offending_cases[:MAIL_CASES]
        counts = verdict.case_counts
        lead, co = c.agency.name if c.agency else "", [a.name for a in c.co_agencies]
        item: dict[str, Any] = {
            "id": c.id, "change": change, "change_zh": CHANGE_ZH[change],
            "severity": state.severity, "severity_zh": SEVERITY_ZH.get(state.severity or "", ""),
            "status": state.status, "status_zh": STATUS_ZH.get(state.status, state.status),
            "measured": shown(c.measured_zh), "document_title": shown(c.document.title), "document_id": c.document.id,
            "jurisdiction": c.document.jurisdiction, "clause": c.clause,
            "quote": shown(c.quote), "quote_exact": c.quote, "quote_changed": differs(c.quote),
            "lead": shown(lead), "co": [shown(a) for a in co],
            "promise": verdict_text.promise_zh(c), "hedge_note": c.hedge_note,
            "late_note": late_note(state.reason or "") if state.status == "missed" else None,
            "evaluated_promise": promise_text(state.op, state.target, state.target_max, state.unit),
            "actual": _with_unit(state.actual, state.unit or c.unit), "unit": state.unit or c.unit,
            "expected": _with_unit(state.expected, state.unit or c.unit) if state.expected is not None else None,
            "deadline": c.deadline.isoformat() if c.deadline else None,
            "settled_on": state.settled_on.isoformat() if state.settled_on else None,
            "settled_on_zh": zh_date(state.settled_on) if state.settled_on else None,
            "provisional": bool(state.provisional), "overdue_open": state.overdue_open or 0,
            "overdue_case_ids": listed_ids(json.loads(state.overdue_case_ids or "[]")),
            "paused": paused_text(state.paused_cases, state.paused_total, c.unit),
            "sentence": sentence, "reason": sentence, "reason_en": state.reason,
            "evaluated_at": self.local_time(state.evaluated_at),
            "problem_zh": data_problem_zh(c, state, self.zone) if state.status in ("no_data", "error") else None,
            "fired_at": self.local_time(state.fired_at), "resolved_at": self.local_time(state.resolved_at),
            "trend": [{"at": self.local_time(at), "actual": _with_unit(actual, state.unit or c.unit),
                       "status_zh": STATUS_ZH.get(s, s)}
                      for at, actual, s in trend],
            "links": self.links(c.id, c.agency.id if c.agency else None), "feed": None,
            "dispute_url": self.dispute_url(c.id, c.agency.id if c.agency else None),
            "late_cases": [verdict_text.case_row(c, k) for k in late],
            "late_total": verdict.offending_total or 0,
            "counts_zh": verdict_text.counts_zh(counts, REASONS_ZH) if counts is not None else None,
        }
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
            "problem_zh": collection_problem_zh(state.reason)[0] if state.reason else "最近一次采集成功。",
            "error_raw": collection_problem_zh(state.reason)[1] if state.reason else None,
            "evaluated_at": self.local_time(state.evaluated_at), "fired_at": self.local_time(state.fired_at),
            "links": {"status": self.page_url(), "page": self.page_url(), "grafana": None},
        }
