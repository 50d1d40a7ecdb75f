"""Alertmanager: POST /api/v2/alerts with the firing alerts (re-sent so they do not time out) and
the newly resolved ones (with endsAt), under `alerting.route: alertmanager` (the daemon then sends
no alert e-mail itself, and the generated Prometheus rules hold no commitment alerts)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx

from alerts.notifiers.http import post_json
from alerts.render import STATUS_ZH, Renderer, number
from alerts.tables import AlertState, Notification
from monitor import names, verdict_text
from monitor.display_text import shown
from monitor.model import Commitment
from monitor.store import evaluation_from_row

# The daemon's data alert covers both no_data and error; forwarded, it carries the no_data name.
ALERT_NAMES = {"critical": names.ALERT_MISSED, "warning": names.ALERT_AT_RISK, "data": names.ALERT_NO_DATA}


def am_alert(commitment: Commitment, state: AlertState, renderer: Renderer, now: datetime,
             hold: timedelta) -> dict[str, Any]:
    """One alert in the Alertmanager v2 format. Firing alerts end `hold` from now unless re-sent."""
    resolved = state.state != "firing"
    ends = state.resolved_at if resolved and state.resolved_at else now + hold
    labels = {
        "alertname": ALERT_NAMES.get(state.severity or "", "CommitmentAlert"),
        "commitment": commitment.id, "document": commitment.document.id,
        "agency": commitment.agency.id if commitment.agency else "",
        "severity": state.severity or "", "kind": commitment.kind,
    }
    verdict = evaluation_from_row(commitment.id, state.evaluated_at or now, state)
    annotations = {
        "summary": f"{shown(commitment.measured_zh)}：{STATUS_ZH.get(state.status, state.status)}",
        "quote": commitment.quote,
        "promise": verdict_text.promise_zh(commitment),
        "actual": verdict_text.on_time_text(commitment, verdict) or f"{number(state.actual)}{state.unit or ''}",
        "reason": verdict_text.sentence(commitment, verdict), "reason_en": state.reason,
        "page": renderer.links(commitment.id)["page"] or "",
    }
    return {"labels": labels, "annotations": annotations,
            "startsAt": (state.fired_at or now).isoformat(), "endsAt": ends.isoformat(),
            "generatorURL": renderer.links(commitment.id)["page"]}


class AlertmanagerNotifier:
    transport: ClassVar[str] = "alertmanager"

    def __init__(self, client: httpx.AsyncClient):
        self.client = client

    async def send(self, notification: Notification) -> None:
        target = json.loads(notification.target)
        target["url"] = target["url"].rstrip("/") + "/api/v2/alerts"
        await post_json(self.client, json.dumps(target), notification.payload)
