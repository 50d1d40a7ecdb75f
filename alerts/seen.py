"""The times an alert state moves every cycle, kept in memory and written at most every CURRENT_REFRESH.

Each cycle a steady alert's verdict is evaluated again (`evaluated_at` moves) and, while its
condition holds, so does `last_bad_at`; nothing else in its row changes. Writing the row for that
alone would rewrite every alert every cycle. So, as the store does with the current verdict, the
pipeline writes a state when anything else in it changed, or when these times are CURRENT_REFRESH
ahead of the stored ones; in between it keeps the newer times here and lays them over every alert
state its sessions load, so messages, Alertmanager and keep_firing_for see the true times. A clean
stop writes them (`save`); after a crash the stored ones lag by at most CURRENT_REFRESH.

Both times only move forward, so the newer of the stored and the kept one is always the true one
(another replica may have written a newer one since).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterable, Optional, Tuple

from sqlalchemy import bindparam, event, inspect, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import QueryContext
from sqlalchemy.orm.attributes import flag_modified, set_committed_value
from sqlmodel import Session

from alerts.tables import AlertState
from monitor.store import CURRENT_REFRESH

MOVING = ("evaluated_at", "last_bad_at")
_INFO_KEY = "alerts.seen"

Key = Tuple[str, str]
Times = Tuple[Optional[datetime], Optional[datetime]]   # as MOVING


def _key(state: AlertState) -> Key:
    return state.commitment, state.alert


def _times(state: AlertState) -> Times:
    return state.evaluated_at, state.last_bad_at


class LastSeen:
    """The newest moving times of every alert state the pipeline stepped, whether written or not."""

    def __init__(self, refresh: timedelta = CURRENT_REFRESH):
        self.refresh = refresh
        self._kept: dict[Key, Times] = {}

    def session(self, engine: Engine) -> Session:
        """A session whose loaded alert states carry the kept times."""
        session = Session(engine)
        self.watch(session)
        return session

    def watch(self, session: Session) -> None:
        session.info[_INFO_KEY] = self

    def stored(self, states: Iterable[AlertState]) -> dict[Key, Times]:
        """The moving times of states just loaded (before `overlay`): what the database holds."""
        return {_key(state): _times(state) for state in states}

    def overlay(self, state: AlertState) -> None:
        """Lay the kept times over a loaded state where they are newer, without marking it changed."""
        kept = self._kept.get(_key(state))
        if kept is None:
            return
        for name, newer in zip(MOVING, kept):
            older = getattr(state, name)
            if newer is not None and (older is None or newer > older):
                set_committed_value(state, name, newer)

    def settle(self, state: AlertState, stored: Times | None) -> None:
        """After a cycle's step: when nothing but the moving times changed and the stored ones are
        recent, keep the new times here and not in the row; otherwise the row is written, with them.
        `stored`: the state's times in the database (None: a new state)."""
        now = _times(state)
        self._kept[_key(state)] = now
        if stored is None:
            return
        inspected = inspect(state)
        changed = any(attr.history.has_changes() for attr in inspected.attrs if attr.key not in MOVING)
        if changed or self._stale(stored, now):
            for name, before, after in zip(MOVING, stored, now):
                if before != after:
                    flag_modified(state, name)   # written even where it equals the kept time it was loaded with
            return
        for name, value in zip(MOVING, now):
            set_committed_value(state, name, value)

    def _stale(self, stored: Times, now: Times) -> bool:
        for before, after in zip(stored, now):
            if after is None:
                continue
            if before is None or after - before >= self.refresh:
                return True
        return False

    def save(self, engine: Engine) -> int:
        """Write the kept times where the stored ones are older (at a clean stop); how many rows."""
        if not self._kept:
            return 0
        table = AlertState.__table__   # type: ignore[attr-defined]
        statement = update(table).where(
            table.c.commitment == bindparam("b_commitment"), table.c.alert == bindparam("b_alert"),
            or_(table.c.evaluated_at.is_(None), table.c.evaluated_at < bindparam("b_evaluated_at")),
        ).values(evaluated_at=bindparam("b_evaluated_at"), last_bad_at=bindparam("b_last_bad_at"))
        rows = [{"b_commitment": c, "b_alert": a, "b_evaluated_at": e, "b_last_bad_at": b}
                for (c, a), (e, b) in sorted(self._kept.items()) if e is not None]
        if not rows:
            return 0
        with engine.begin() as connection:
            result = connection.execute(statement, rows)
        return max(result.rowcount, 0)


def _kept_times(state: AlertState, context: QueryContext, *_: Any) -> None:
    seen = context.session.info.get(_INFO_KEY) if context.session is not None else None
    if isinstance(seen, LastSeen):
        seen.overlay(state)


event.listen(AlertState, "load", _kept_times)
event.listen(AlertState, "refresh", _kept_times)
