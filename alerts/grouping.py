"""Grouping: which alerts go into which message, and when a group is due.

One group per lead agency (target alerts; co-responsible agencies copied, operators copied when
operators.mode is copy), one for the operators (data alerts), one for the operators' digest.
A group with changes waits group_wait after its first change and group_interval after its last
message; a group with only still-firing alerts is repeated after repeat_interval. Muted changes
are recorded as "silenced:<what>" so they are neither sent nor recorded again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerts.engine import COLLECTION, DATA, FEED_PREFIX, TARGET, is_final, wanted_announcement
from alerts.silences import Muter
from alerts.tables import AlertGroup, AlertState
from monitor.model import Catalogue, Commitment
from monitor.spec.alerting import AlertingSpec

OPERATORS = "operators"
DIGEST = "digest"


@dataclass
class Batch:
    """What one due group says now: its changes, its still-firing alerts, and what it mutes."""

    key: str
    kind: str                                    # alert (an agency) or operators
    receiver_name: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    changed: list[tuple[AlertState, str]] = field(default_factory=list)   # (state, new announcement)
    still_firing: list[AlertState] = field(default_factory=list)
    muted: list[tuple[AlertState, str, str]] = field(default_factory=list)  # (state, announcement, why)
    repeat: bool = False

    @property
    def states(self) -> list[AlertState]:
        return [s for s, _ in self.changed] + self.still_firing


def group_key(commitment: Commitment, alert: str) -> str | None:
    if alert == DATA:
        return OPERATORS
    return f"agency:{commitment.agency.id}" if commitment.agency else None


def _dedupe(addresses: list[str], exclude: list[str]) -> list[str]:
    seen = {a.lower() for a in exclude}
    out = []
    for a in addresses:
        if a.lower() not in seen:
            seen.add(a.lower())
            out.append(a)
    return out


def recipients(catalogue: Catalogue, key: str, states: list[AlertState]) -> tuple[str, list[str], list[str], list[str]]:
    operators = catalogue.alerting.operators
    if key == OPERATORS:
        return "运维人员", list(operators.emails), [], []
    agency = catalogue.agencies[key.split(":", 1)[1]]
    to = list(agency.emails)
    co = [e for s in states if s.commitment in catalogue.commitments
          for a in catalogue.commitments[s.commitment].co_agencies for e in a.emails]
    cc = _dedupe(co, to)
    bcc = _dedupe(list(operators.emails), to + cc) if operators.mode == "copy" else []
    return agency.name, to, cc, bcc


def state_group(catalogue: Catalogue, state: AlertState) -> str | None:
    """The group a state's announcements go to, or None when nobody is told (removed from the catalogue)."""
    if state.alert == COLLECTION:
        return OPERATORS if state.commitment.removeprefix(FEED_PREFIX) in catalogue.feeds else None
    commitment = catalogue.commitments.get(state.commitment)
    if commitment is None or not commitment.evaluated or state.alert not in (TARGET, DATA):
        return None   # removed from the catalogue: its alert stays as history, nobody is told
    return group_key(commitment, state.alert)


def may_be_due(group: AlertGroup, spec: AlertingSpec, now: datetime) -> bool:
    """Whether `_batch` could find the group due now, from the group's own times: a change waiting out
    group_wait and group_interval, or a repeat after repeat_interval. Groups that cannot be due are
    not read, so a flush costs the groups with something to say, not every alert."""
    if group.first_change_at is not None:
        return now >= group.first_change_at + spec.group_wait and (
            group.last_sent_at is None or now >= group.last_sent_at + spec.group_interval)
    return group.last_sent_at is not None and now >= group.last_sent_at + spec.repeat_interval


def due_batches(catalogue: Catalogue, states: list[AlertState], groups: dict[str, AlertGroup],
                muter: Muter, now: datetime, keys: set[str] | None = None,
                paused: frozenset[str] = frozenset()) -> list[Batch]:
    """The groups due now. Updates each AlertGroup's first_change_at (the caller saves them).
    `states` holds at least every announceable state of the groups looked at: all groups, or only
    those in `keys` (a group in `keys` with no state has nothing to say any more). Commitments in
    `paused` (an agency's dispute is open) are not repeated; their changes are still told."""
    spec: AlertingSpec = catalogue.alerting
    by_key: dict[str, list[AlertState]] = {key: [] for key in keys or ()}
    for state in states:
        key = state_group(catalogue, state)
        if key is not None and (keys is None or key in keys):
            by_key.setdefault(key, []).append(state)
    batches = []
    for key in sorted(by_key):
        group = groups.setdefault(key, AlertGroup(key=key))
        batch = _batch(catalogue, key, by_key[key], group, muter, spec, now, paused)
        if batch is not None:
            batches.append(batch)
    return batches


def _batch(catalogue: Catalogue, key: str, states: list[AlertState], group: AlertGroup, muter: Muter,
           spec: AlertingSpec, now: datetime, paused: frozenset[str] = frozenset()) -> Batch | None:
    changed: list[tuple[AlertState, str, str | None]] = []
    muted: list[tuple[AlertState, str, str | None]] = []
    firing = []
    for state in states:
        commitment = catalogue.commitments.get(state.commitment)
        why = muter.reason(commitment) if commitment is not None else None
        want = wanted_announcement(state)
        if why is not None and want != state.announced:
            want = "silenced:" + want.removeprefix("silenced:")
        if want != state.announced:
            (muted if want.startswith("silenced:") else changed).append((state, want, why))
        elif state.state == "firing" and why is None and not is_final(state) and state.commitment not in paused:
            firing.append(state)   # repeated after repeat_interval, unless final or disputed
    if not changed and not muted:
        group.first_change_at = None
        if not firing or group.last_sent_at is None or now < group.last_sent_at + spec.repeat_interval:
            return None
        repeat = True
    else:
        if group.first_change_at is None:
            group.first_change_at = now
        if now < group.first_change_at + spec.group_wait:
            return None
        if group.last_sent_at is not None and now < group.last_sent_at + spec.group_interval:
            return None
        repeat = False
    name, to, cc, bcc = recipients(catalogue, key, [s for s, _, _ in changed] + firing)
    kind = "operators" if key == OPERATORS else "alert"
    return Batch(key=key, kind=kind, receiver_name=name, to=to, cc=cc, bcc=bcc,
                 changed=[(s, w) for s, w, _ in changed], still_firing=firing,
                 muted=[(s, w, why or "") for s, w, why in muted], repeat=repeat)


def digest_due(spec: AlertingSpec, group: AlertGroup, now: datetime) -> bool:
    if spec.operators.mode != "digest" or not spec.operators.emails:
        return False
    if group.last_sent_at is None:
        group.last_sent_at = now      # the first digest covers one full interval from here
        return False
    return now >= group.last_sent_at + spec.operators.digest_interval


def resend_due(last_sent: datetime | None, interval: timedelta, now: datetime) -> bool:
    return last_sent is None or now >= last_sent + interval
