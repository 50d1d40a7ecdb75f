"""From a due group to outbox rows: render the message, write one row per channel, mark what was told."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from alerts.engine import COLLECTION, DATA, FEED_PREFIX, FINAL, SEVERITY_OF_STATUS, TARGET
from alerts.grouping import Batch, group_key, recipients
from alerts.mail_size import fit_alert
from alerts.notifiers.alertmanager import am_alert
from alerts.notifiers.http import target_of
from alerts.onboarding import Summary
from alerts.outbox import new_notification
from alerts.render import STATUS_ZH, Rendered, Renderer, TemplateFailure, contacts, number, zh_date
from alerts.silences import Muter
from alerts.tables import FAILED, SILENCED, AlertGroup, AlertState, AlertTransition, Notification
from monitor.display_text import shown
from monitor.model import Catalogue
from monitor.spec.alerting import AlertmanagerSpec
from monitor.store import VERDICT_FIELDS, Store, in_pages

log = logging.getLogger("monitor.alerts")
SECTION_TITLES = {"firing": "新告警", "escalated": "告警级别变化", "final": "已定论（最终通知，不再重复）",
                  "resolved": "已恢复", "still_firing": "仍在告警"}


Trends = Mapping[str, Sequence[tuple[datetime, float | None, str]]]   # commitment -> (time, actual, status), oldest first


def trends(store: Store, batches: Sequence[Batch], points: int) -> dict[str, list[tuple[datetime, float | None, str]]]:
    """The recent evaluations of every commitment the batches mention, read from the store in one query."""
    ids = {s.commitment for b in batches for s in [*b.states, *(m for m, _, _ in b.muted)] if s.alert != COLLECTION}
    return {cid: [(r.evaluated_at, r.actual, r.status) for r in rows]
            for cid, rows in store.recent_history(ids, points).items()}


def change_of(state: AlertState, wanted: str) -> str:
    wanted = wanted.removeprefix("silenced:")
    if wanted == "resolved":
        return "resolved"
    if wanted.startswith(FINAL):
        return "final"
    return "escalated" if state.announced.startswith("firing") else "firing"


def batch_context(renderer: Renderer, catalogue: Catalogue, batch: Batch, now: datetime, trend: Trends,
                  muted: bool = False) -> dict[str, Any]:
    entries = ([(s, change_of(s, w)) for s, w, _ in batch.muted] if muted
               else [(s, change_of(s, w)) for s, w in batch.changed] + [(s, "still_firing") for s in batch.still_firing])
    sections: dict[str, list[dict[str, Any]]] = {key: [] for key in SECTION_TITLES}
    counts = {"critical": 0, "warning": 0, "data": 0, "feed": 0, "resolved": 0}
    for state, change in entries:
        if state.alert == COLLECTION:
            item = renderer.feed_item(state.commitment.removeprefix(FEED_PREFIX), state, change)
        else:
            item = renderer.item(catalogue.commitments[state.commitment], state, change,
                                 trend.get(state.commitment, ()))
        sections[change].append(item)
        if change == "resolved":
            counts["resolved"] += 1
        else:
            counts["feed" if state.alert == COLLECTION else (state.severity or "data")] += 1
    agency = catalogue.agencies.get(batch.key.split(":", 1)[1]) if batch.key.startswith("agency:") else None
    return {"receiver_name": shown(batch.receiver_name), "kind": batch.kind, "repeat": batch.repeat,
            "now": renderer.local_time(now), "counts": counts, "status_url": renderer.page_url(),
            "contact": contacts(catalogue, agency),
            "has_dispute": any(i.get("dispute_url") for v in sections.values() for i in v),
            "sections": [{"title": SECTION_TITLES[k], "change": k, "alerts": v} for k, v in sections.items() if v]}


def _render(renderer: Renderer, name: str, context: dict[str, Any]) -> tuple[Rendered | None, str | None]:
    try:
        if name == "alert":   # within alerts.mail_size.MAX_MAIL_BYTES, so that no server refuses it as too large
            return fit_alert(lambda fitted: renderer.render(name, fitted), context), None
        return renderer.render(name, context), None
    except TemplateFailure as exc:
        log.error("template_failed", extra={"template": name, "error": str(exc)})
        return None, str(exc)


def _email_row(now: datetime, batch: Batch, kind: str, rendered: Rendered | None, error: str | None,
               commitments: list[str], state: str | None = None, note: str | None = None) -> Notification:
    fields: dict[str, Any] = dict(group_key=batch.key, kind=kind, channel="email", to_addrs=batch.to, cc_addrs=batch.cc,
                  bcc_addrs=batch.bcc, commitments=" ".join(commitments))
    if rendered is not None:
        fields.update(subject=rendered.subject, body_text=rendered.text, body_html=rendered.html)
    if error is not None:
        fields.update(state=FAILED, last_error=error)
    elif state is not None:
        fields.update(state=state, last_error=note)
    return new_notification(now, **fields)


def queue_batch(session: Session, renderer: Renderer, catalogue: Catalogue, batch: Batch, now: datetime,
                trend: Trends) -> int:
    """Rows for one due group: the message (e-mail + webhooks), and a silenced record of muted changes."""
    queued = 0
    if batch.changed or batch.repeat:
        context = batch_context(renderer, catalogue, batch, now, trend)
        rendered, error = _render(renderer, "alert", context)
        ids = [s.commitment for s in batch.states]
        session.add(_email_row(now, batch, batch.kind, rendered, error, ids))
        queued += 1
        for hook in catalogue.alerting.webhooks:
            payload = {"version": 1, "group": batch.key, "receiver": batch.receiver_name, "repeat": batch.repeat,
                       "subject": rendered.subject if rendered else "",
                       "alerts": [_webhook_item(i) for sec in context["sections"] for i in sec["alerts"]]}
            session.add(new_notification(now, group_key=batch.key, kind=batch.kind, channel="webhook",
                                         target=target_of(hook.url, hook.headers_env, hook.timeout.total_seconds()),
                                         payload=json.dumps(payload, ensure_ascii=False), commitments=" ".join(ids)))
            queued += 1
        for state, wanted in batch.changed:
            state.announced, state.announced_at = wanted, now
            session.add(state)
    if batch.muted:
        context = batch_context(renderer, catalogue, batch, now, trend, muted=True)
        rendered, error = _render(renderer, "alert", context)
        why = "; ".join(sorted({why for _, _, why in batch.muted}))
        session.add(_email_row(now, batch, batch.kind, rendered, error, [s.commitment for s, _, _ in batch.muted],
                               state=SILENCED, note=why))
        for state, wanted, _ in batch.muted:
            state.announced, state.announced_at = wanted, now
            session.add(state)
    return queued


def _webhook_item(item: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "change", "severity", "status", "measured", "promise", "actual", "unit", "expected", "deadline",
            "document_id", "clause", "quote", "reason", "evaluated_at", "links")
    return {key: item[key] for key in keys}


def queue_digest(session: Session, renderer: Renderer, catalogue: Catalogue, group: AlertGroup,
                 now: datetime) -> int:
    since = group.last_sent_at
    transitions = session.exec(select(AlertTransition).where(col(AlertTransition.id) > group.cursor)
                               .order_by(col(AlertTransition.id))).all()
    group.last_sent_at = now
    if not transitions:
        return 0
    last = transitions[-1].id
    assert last is not None   # a row read back from the table
    group.cursor = last
    firing = session.exec(select(AlertState).where(AlertState.state == "firing").order_by(AlertState.commitment)).all()
    context = {
        "since": renderer.local_time(since), "now": renderer.local_time(now), "status_url": renderer.page_url(),
        "transitions": [dict(at=renderer.local_time(t.at), commitment=t.commitment, alert=t.alert, from_state=t.from_state,
                             to_state=t.to_state, severity=t.severity, status=t.status, actual=number(t.actual))
                        for t in transitions],
        "firing": [dict(commitment=f.commitment, severity=f.severity, status=f.status, actual=number(f.actual),
                        fired_at=renderer.local_time(f.fired_at)) for f in firing],
    }
    rendered, error = _render(renderer, "digest", context)
    batch = Batch(key=group.key, kind="digest", receiver_name="运维人员", to=list(catalogue.alerting.operators.emails),
                  cc=[], bcc=[])
    session.add(_email_row(now, batch, "digest", rendered, error, sorted({t.commitment for t in transitions})))
    return 1


def queue_alertmanager(session: Session, renderer: Renderer, catalogue: Catalogue, receiver: AlertmanagerSpec,
                       group: AlertGroup, mute: Muter, newest: int, now: datetime) -> int:
    changed = sorted(set(session.exec(
        select(AlertTransition.commitment).where(col(AlertTransition.id) > group.cursor)).all()))
    # firing, and fired before but changed since the last forward (so Alertmanager hears it resolve)
    states = list(session.exec(select(AlertState).where(col(AlertState.state) == "firing")).all())
    states += [s for page in in_pages(changed) for s in session.exec(select(AlertState).where(
        col(AlertState.commitment).in_(page), col(AlertState.state) != "firing", col(AlertState.fired_at).is_not(None)))]
    hold = max(receiver.resend_interval * 4, timedelta(minutes=5))
    alerts = []
    for state in states:
        commitment = catalogue.commitments.get(state.commitment)
        if commitment is None or mute.reason(commitment) is not None:
            continue
        alerts.append(am_alert(commitment, state, renderer, now, hold))
    group.cursor, group.last_sent_at = newest, now
    if not alerts:
        return 0
    session.add(new_notification(now, group_key=group.key, kind="alert", channel="alertmanager",
                                 target=target_of(receiver.url, None, receiver.timeout.total_seconds()),
                                 payload=json.dumps(alerts, ensure_ascii=False),
                                 commitments=" ".join(sorted({a["labels"]["commitment"] for a in alerts}))))
    return 1


class UnknownName(Exception):
    """An agency or commitment named on the command line is not in the catalogue."""


def queue_test(session: Session, renderer: Renderer, catalogue: Catalogue, agency_id: str, now: datetime) -> Notification:
    """A test message to one agency's addresses, through the outbox like any other."""
    agency = catalogue.agencies.get(agency_id)
    if agency is None:
        raise UnknownName(f"unknown agency {agency_id!r}; known: {', '.join(sorted(catalogue.agencies))}")
    commitments = [c for c in catalogue.commitments.values() if c.evaluated]
    context = {"receiver_name": agency.name, "now": renderer.local_time(now), "addresses": list(agency.emails),
               "lead_count": sum(1 for c in commitments if c.agency and c.agency.id == agency_id),
               "co_count": sum(1 for c in commitments if agency_id in {a.id for a in c.co_agencies}),
               "status_url": renderer.page_url(), "contact": contacts(catalogue, agency)}
    rendered, error = _render(renderer, "test", context)
    batch = Batch(key=f"test:{agency_id}", kind="test", receiver_name=agency.name, to=list(agency.emails), cc=[], bcc=[])
    notification = _email_row(now, batch, "test", rendered, error, [])
    session.add(notification)
    session.commit()
    session.refresh(notification)
    return notification


ONBOARDING_LIST_LIMIT = 20


def queue_onboarding(session: Session, renderer: Renderer, catalogue: Catalogue, summary: Summary,
                     now: datetime) -> int:
    """One agency's onboarding summary: the broken promises found settled when the monitor first judged
    them (no alert), and how many were found settled as kept. An agency with none broken gets no mail."""
    agency = catalogue.agencies.get(summary.agency)
    if agency is None or not agency.emails:
        return 0
    items: list[dict[str, Any]] = []
    for row in summary.rows:
        c = catalogue.commitments.get(row.commitment)
        if c is None or row.settled_on is None or row.settled_status is None:
            continue
        items.append({"id": c.id, "measured": c.measured_zh, "document_title": c.document.title, "clause": c.clause,
                      "status": row.settled_status, "status_zh": STATUS_ZH.get(row.settled_status, row.settled_status),
                      "settled_on_zh": zh_date(row.settled_on), "page": renderer.links(c.id)["page"]})
    kept = [i for i in items if i["status"] == "met"]
    items = [i for i in items if i["status"] != "met"]
    if not items:
        return 0   # only kept promises were found settled: nothing an alert would have said, no mail
    items.sort(key=lambda i: (i["document_title"], i["clause"], i["id"]))
    first = min(r.first_at for r in summary.rows)
    context = {"receiver_name": agency.name, "items": items, "kept": len(kept), "limit": ONBOARDING_LIST_LIMIT,
               "since": renderer.local_time(first)[:10], "agency_url": renderer.links(items[0]["id"], agency.id)["agency"],
               "contact": contacts(catalogue, agency), "now": renderer.local_time(now)}
    rendered, error = _render(renderer, "onboarding", context)
    operators = catalogue.alerting.operators
    bcc = [e for e in operators.emails if e not in agency.emails] if operators.mode == "copy" else []
    batch = Batch(key=f"onboarding:{agency.id}", kind="onboarding", receiver_name=agency.name, to=list(agency.emails),
                  cc=[], bcc=bcc)
    session.add(_email_row(now, batch, "onboarding", rendered, error, [i["id"] for i in items]))
    return 1


def queue_calendar_notice(session: Session, renderer: Renderer, catalogue: Catalogue, years: Sequence[int],
                          since: date, provisional: Sequence[str], now: datetime) -> int:
    """Ask the operators, once per provisional year, for its holiday notice (verdicts are provisional until then)."""
    context = {"year": years[0], "years": "、".join(str(y) for y in years), "last_year": years[-1],
               "since": since.isoformat(), "count": len(provisional),
               "examples": list(provisional[:5]), "now": renderer.local_time(now)}
    rendered, error = _render(renderer, "calendar_notice", context)
    batch = Batch(key=f"calendar-notice:{years[0]}", kind="operators", receiver_name="运维人员",
                  to=list(catalogue.alerting.operators.emails), cc=[], bcc=[])
    session.add(_email_row(now, batch, "operators", rendered, error, []))
    return 1


def preview(store: Store, renderer: Renderer, catalogue: Catalogue, commitment_id: str, now: datetime,
            points: int) -> tuple[Batch, Rendered]:
    """The message the commitment's current evaluation would produce, with its recipients; nothing is stored."""
    commitment = catalogue.commitments.get(commitment_id)
    if commitment is None:
        raise UnknownName(f"unknown commitment {commitment_id!r}")
    current = store.current_state(commitment_id)
    if current is None:
        raise UnknownName(f"no evaluation of {commitment_id!r} yet; start the daemon (monitor run) first")
    alert = DATA if current.status in ("no_data", "error") else TARGET
    bad = current.status in SEVERITY_OF_STATUS
    state = AlertState(commitment=commitment_id, alert=alert, state="firing" if bad else "resolved",
                       severity=SEVERITY_OF_STATUS.get(current.status),
                       evaluated_at=current.evaluated_at, fired_at=current.status_since if bad else None,
                       resolved_at=None if bad else current.evaluated_at,
                       announced="" if bad else "firing:preview",
                       **{k: getattr(current, k) for k in VERDICT_FIELDS})
    key = group_key(commitment, alert) or "operators"
    name, to, cc, bcc = recipients(catalogue, key, [state])
    batch = Batch(key=key, kind="operators" if alert == DATA else "alert", receiver_name=name, to=to, cc=cc, bcc=bcc,
                  changed=[(state, f"firing:{state.severity}" if bad else "resolved")])
    context = batch_context(renderer, catalogue, batch, now, trends(store, [batch], points))
    return batch, fit_alert(lambda fitted: renderer.render("alert", fitted), context)
