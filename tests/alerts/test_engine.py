"""The alert state machine, on its own: pending, firing, keep_firing_for, severity, data alerts."""

from __future__ import annotations

from datetime import timedelta

from alerts.engine import DATA, TARGET, Rules, needs_announcement, step
from alerts.tables import AlertState
from tests.alerts.alert_helpers import FIRMS, SETUP, T0, evaluation, minutes


def run(state: AlertState, rules: Rules, *steps: tuple[float, str, float | None]) -> list[str]:
    """Apply (minute, status, actual) steps; return the state after each."""
    seen = []
    for minute, status, actual in steps:
        step(state, evaluation(SETUP, status, actual, T0 + minutes(minute)), rules, T0 + minutes(minute))
        seen.append(state.state)
    return seen


def test_missed_fires_critical_at_once_by_default():
    state = AlertState(commitment=SETUP, alert=TARGET)
    transition = step(state, evaluation(SETUP, "missed", 3, T0), Rules(), T0)
    assert state.state == "firing" and state.severity == "critical"
    assert transition is not None
    assert transition.from_state == "inactive" and transition.to_state == "firing"


def test_at_risk_fires_a_warning():
    state = AlertState(commitment=FIRMS, alert=TARGET)
    step(state, evaluation(FIRMS, "at_risk", 500, T0), Rules(), T0)
    assert (state.state, state.severity) == ("firing", "warning")


def test_on_track_fires_no_agency_alert_and_resolves_an_at_risk_one():
    state = AlertState(commitment=FIRMS, alert=TARGET)
    assert run(state, Rules(), (0, "on_track", 800), (1, "at_risk", 500), (2, "on_track", 900)) == [
        "inactive", "firing", "resolved"]


def test_condition_must_hold_for_the_configured_number_of_evaluations():
    state = AlertState(commitment=SETUP, alert=TARGET)
    assert run(state, Rules(for_evaluations=3), (0, "missed", 3), (1, "missed", 3), (2, "missed", 3)) == \
        ["pending", "pending", "firing"]


def test_condition_must_hold_for_the_configured_duration():
    state = AlertState(commitment=SETUP, alert=TARGET)
    assert run(state, Rules(for_=timedelta(minutes=10)), (0, "missed", 3), (5, "missed", 3), (10, "missed", 3)) == \
        ["pending", "pending", "firing"]


def test_pending_that_recovers_goes_back_to_inactive_without_ever_firing():
    state = AlertState(commitment=SETUP, alert=TARGET)
    assert run(state, Rules(for_evaluations=2), (0, "missed", 3), (1, "met", 0.5)) == ["pending", "inactive"]
    assert state.announced == "" and not needs_announcement(state)


def test_keep_firing_for_holds_a_flapping_alert():
    state = AlertState(commitment=SETUP, alert=TARGET)
    seen = run(state, Rules(keep_firing_for=timedelta(minutes=10)),
               (0, "missed", 3), (1, "met", 0.5), (2, "missed", 3), (5, "met", 0.5), (11, "met", 0.5),
               (12, "met", 0.4))
    assert seen == ["firing", "firing", "firing", "firing", "firing", "resolved"]


def test_resolved_alert_carries_the_current_value():
    state = AlertState(commitment=SETUP, alert=TARGET)
    run(state, Rules(), (0, "missed", 3), (1, "met", 0.5))
    assert state.state == "resolved" and state.actual == 0.5


def test_at_risk_turning_missed_is_a_severity_change():
    state = AlertState(commitment=FIRMS, alert=TARGET)
    step(state, evaluation(FIRMS, "at_risk", 500, T0), Rules(), T0)
    state.announced = "firing:warning"
    transition = step(state, evaluation(FIRMS, "missed", 900, T0 + minutes(1)), Rules(), T0 + minutes(1))
    assert transition is not None and transition.severity == "critical"
    assert needs_announcement(state)


def test_no_data_holds_the_target_alert_and_fires_the_data_alert():
    target = AlertState(commitment=SETUP, alert=TARGET)
    data = AlertState(commitment=SETUP, alert=DATA)
    step(target, evaluation(SETUP, "missed", 3, T0), Rules(), T0)
    at = T0 + minutes(1)
    assert step(target, evaluation(SETUP, "no_data", None, at), Rules(), at) is None
    assert target.state == "firing" and target.actual == 3       # the last known number stays
    step(data, evaluation(SETUP, "no_data", None, at), Rules(), at)
    assert (data.state, data.severity) == ("firing", "data")


def test_unchanged_state_records_no_transition():
    state = AlertState(commitment=SETUP, alert=TARGET)
    step(state, evaluation(SETUP, "missed", 3, T0), Rules(), T0)
    assert step(state, evaluation(SETUP, "missed", 4, T0 + minutes(1)), Rules(), T0 + minutes(1)) is None
    assert state.actual == 4
