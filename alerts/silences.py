"""Silences: ad-hoc ones in the database (CLI), recurring maintenance windows from targets.yaml.

A silenced alert still changes state and is recorded; only the sending is skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from alerts.tables import Silence
from monitor.model import Commitment
from monitor.spec.alerting import WEEKDAYS, MaintenanceWindowSpec


class SilenceError(Exception):
    """A silence the user asked for cannot be made as given."""


@dataclass(frozen=True)
class Muter:
    """Answers "is this commitment muted now, and by what?" for one moment."""

    silences: tuple[Silence, ...]
    windows: tuple[MaintenanceWindowSpec, ...]
    now: datetime

    def reason(self, commitment: Commitment) -> str | None:
        agencies = _agency_ids(commitment)
        for s in self.silences:
            if (s.commitment is None or s.commitment == commitment.id) and (s.agency is None or s.agency in agencies):
                return f"silence #{s.id} until {s.ends_at.isoformat()}: {s.comment}"
        for w in self.windows:
            if _window_applies(w, commitment.id, agencies) and in_window(w, self.now):
                return f"maintenance window {w.name!r}"
        return None

    def fingerprint(self) -> tuple[tuple[int | None, ...], tuple[str, ...]]:
        """What mutes at this moment: when it changes, alerts may have become announceable or muted."""
        return tuple(s.id for s in self.silences), tuple(w.name for w in self.windows if in_window(w, self.now))


def _agency_ids(commitment: Commitment) -> set[str]:
    ids = {a.id for a in commitment.co_agencies}
    if commitment.agency is not None:
        ids.add(commitment.agency.id)
    return ids


def _window_applies(window: MaintenanceWindowSpec, commitment: str, agencies: set[str]) -> bool:
    if not window.commitments and not window.agencies:
        return True
    return commitment in window.commitments or bool(agencies & set(window.agencies))


def in_window(window: MaintenanceWindowSpec, now: datetime) -> bool:
    """Whether `now` falls in the window, read in the window's own time zone (DST-safe)."""
    local = now.astimezone(ZoneInfo(window.timezone))
    start = _clock(window.start)
    length = _clock(window.end) - start
    if length <= timedelta(0):
        length += timedelta(days=1)          # runs past midnight
    for days_back in (0, 1):                 # a window that started yesterday may still be open
        day = local.date() - timedelta(days=days_back)
        if WEEKDAYS[day.weekday()] not in window.days:
            continue
        opened = datetime.combine(day, time(0), tzinfo=local.tzinfo) + start
        if opened <= local < opened + length:
            return True
    return False


def _clock(hhmm: str) -> timedelta:
    return timedelta(hours=int(hhmm[:2]), minutes=int(hhmm[3:]))


def active_silences(session: Session, now: datetime) -> list[Silence]:
    return list(session.exec(select(Silence).where(Silence.starts_at <= now, Silence.ends_at > now)
                             .order_by(col(Silence.id))).all())


def muter(session: Session, windows: Sequence[MaintenanceWindowSpec], now: datetime) -> Muter:
    return Muter(tuple(active_silences(session, now)), tuple(windows), now)


def add_silence(session: Session, now: datetime, until: datetime, comment: str, *,
                commitment: str | None = None, agency: str | None = None, created_by: str = "") -> Silence:
    if commitment is None and agency is None:
        raise SilenceError("a silence needs --commitment or --agency")
    if until <= now:
        raise SilenceError(f"--until {until.isoformat()} is not in the future")
    if not comment.strip():
        raise SilenceError("a silence needs a --comment saying why")
    silence = Silence(commitment=commitment, agency=agency, starts_at=now, ends_at=until, comment=comment,
                      created_by=created_by, created_at=now)
    session.add(silence)
    session.commit()
    session.refresh(silence)
    return silence


def expire_silence(session: Session, silence_id: int, now: datetime) -> Silence:
    silence = session.get(Silence, silence_id)
    if silence is None:
        raise SilenceError(f"no silence #{silence_id}")
    if silence.ends_at > now:
        silence.ends_at = now
        session.add(silence)
        session.commit()
        session.refresh(silence)
    return silence
