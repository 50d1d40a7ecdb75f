"""The alert state machine: pending -> firing -> resolved, per commitment and alert kind.

Two alerts per commitment, because they go to different people:
- `target`: the promise is at risk (warning) or missed (critical); to the agencies.
- `data`: no data or an evaluation error; to the operators.
And one per feed, `collection`: the latest collection failed; to the operators (kept under the
pseudo-commitment "feed:<id>").
While the data alert is active the target alert holds its state: with no number there is neither a
new problem to announce nor evidence that the old one is fixed.
Pure: the caller loads and saves the AlertState rows; nothing here reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.tables import AlertState, AlertTransition
from monitor.evaluate import Evaluation
from monitor.spec.alerting import AlertingSpec
from monitor.store import verdict_columns

TARGET, DATA, COLLECTION = "target", "data", "collection"
ALERT_KINDS = (TARGET, DATA)
FEED_PREFIX = "feed:"
SEVERITY_OF_STATUS = {"at_risk": "warning", "missed": "critical", "no_data": "data", "error": "data"}
_DATA_STATUSES = ("no_data", "error")
_TARGET_STATUSES = ("at_risk", "missed")


@dataclass(frozen=True)
class Rules:
    for_: timedelta = timedelta(0)
    for_evaluations: int = 1
    keep_firing_for: timedelta = timedelta(0)

    @classmethod
    def from_spec(cls, spec: AlertingSpec) -> Rules:
        return cls(spec.for_, spec.for_evaluations, spec.keep_firing_for)


def condition(alert: str, status: str) -> bool | None:
    """Whether the alert's condition holds for this status; None when the status says nothing about it."""
    if alert in (DATA, COLLECTION):
        return status in _DATA_STATUSES
    if status in _DATA_STATUSES:
        return None
    return status in _TARGET_STATUSES


def step(state: AlertState, evaluation: Evaluation, rules: Rules, now: datetime) -> AlertTransition | None:
    """Apply one evaluation to one alert; returns the transition to record, if the state changed."""
    holds = condition(state.alert, evaluation.status)
    if holds is None:
        return None
    before, before_severity = state.state, state.severity
    _copy_values(state, evaluation)
    if holds:
        severity = SEVERITY_OF_STATUS[evaluation.status]
        state.last_bad_at = now
        if state.state in ("inactive", "resolved"):
            state.state, state.active_since, state.consecutive = "pending", now, 0
        if state.state == "pending":   # what for_evaluations waits for; a firing alert's count would only churn its row
            state.consecutive += 1
        state.severity = severity
        if state.state == "pending" and state.consecutive >= rules.for_evaluations \
                and state.active_since is not None and now - state.active_since >= rules.for_:
            state.state, state.fired_at, state.resolved_at = "firing", now, None
    elif state.state == "pending":
        state.state, state.consecutive, state.active_since = "inactive", 0, None
    elif state.state == "firing":
        if state.last_bad_at is None or now - state.last_bad_at >= rules.keep_firing_for:
            state.state, state.resolved_at, state.consecutive = "resolved", now, 0
    if state.state == before and state.severity == before_severity:
        return None
    return AlertTransition(commitment=state.commitment, alert=state.alert, at=now, from_state=before,
                           to_state=state.state, severity=state.severity, status=evaluation.status,
                           actual=evaluation.actual, reason=evaluation.reason)


def _copy_values(state: AlertState, evaluation: Evaluation) -> None:
    """The alert always carries the newest numbers, so a resolved message shows the current value."""
    state.status = evaluation.status
    state.evaluated_at = evaluation.evaluated_at
    state.reason = evaluation.reason
    if evaluation.status in _DATA_STATUSES and state.alert == TARGET:
        return
    values = state.__dict__   # the loaded values: the ORM's instrumented setattr only where one differs
    for key, value in verdict_columns(evaluation).items():
        if not _same(values.get(key, _ABSENT), value):
            setattr(state, key, value)


_ABSENT = object()


def _same(held: object, value: object) -> bool:
    """Whether setting `value` would leave the attribute as it is: equal, of the same type, and a time
    in the same zone (an equal instant in another zone would still read differently)."""
    if held is value:
        return True
    if type(held) is not type(value) or held != value:
        return False
    return not isinstance(value, datetime) or (isinstance(held, datetime) and held.tzinfo is value.tzinfo)


FINAL = "final"   # a settled verdict's one notice: told once, never repeated


def wanted_announcement(state: AlertState) -> str:
    """What receivers should have been told by now: firing:<severity>; final:<severity> once the
    verdict is settled (the one final notice); or resolved once a firing was told.

    A firing that was muted ("silenced:...") is never followed by a resolved message.
    """
    if state.state == "firing":
        return f"{FINAL if state.settled_on else 'firing'}:{state.severity}"
    if told(state.announced):
        return "resolved"
    return state.announced


def told(announced: str) -> bool:
    """Whether the receivers were told of a firing (as an alert or as its final notice)."""
    return announced.startswith(("firing", FINAL))


def is_final(state: AlertState) -> bool:
    """Its final notice was told: a settled verdict is never repeated."""
    return state.announced.startswith(FINAL)


def needs_announcement(state: AlertState) -> bool:
    return wanted_announcement(state) != state.announced
