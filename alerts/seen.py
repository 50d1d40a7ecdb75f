"""What moves in an alert state every cycle, kept in memory and written at most every CURRENT_REFRESH.

Each cycle a steady alert's verdict is evaluated again (`evaluated_at` moves), while its condition
holds `last_bad_at` moves, a feed that dates its cases by the time it is read moves `data_time`, and
its still-open late cases grow later (`offending_cases`); nothing else in its row changes. Writing the row for that alone would rewrite every alert every cycle. So,
as the store does with the current verdict, the pipeline writes a state when anything else in it
changed, or when these times are CURRENT_REFRESH ahead of the stored ones; in between it keeps the
newer values here and lays them over every alert state its sessions load, so messages,
Alertmanager and keep_firing_for see the true ones. A clean stop writes the times (`save`); after
a crash the stored ones lag by at most CURRENT_REFRESH.

The times only move forward, so the newer of the stored and the kept one is always the true one
(another replica may have written a newer one since).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, event, func, inspect, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import QueryContext
from sqlalchemy.orm.attributes import flag_modified, set_committed_value
from sqlmodel import Session

from alerts.tables import AlertState
from monitor.store import CURRENT_REFRESH, later, moved_back, same_late_cases

_INFO_KEY = "alerts.seen"


class Moving(NamedTuple):
    """The columns of an alert state that move every cycle, named as AlertState's."""

    evaluated_at: datetime | None
    last_bad_at: datetime | None
    data_time: datetime | None
    offending_cases: bytes | None

    @classmethod
    def of(cls, state: AlertState) -> Moving:
        return cls(state.evaluated_at, state.last_bad_at, state.data_time, state.offending_cases)


Key = tuple[str, str]


def _key(state: AlertState) -> Key:
    return state.commitment, state.alert


class LastSeen:
    """The newest moving values of every alert state the pipeline stepped, whether written or not."""

    def __init__(self, refresh: timedelta = CURRENT_REFRESH):
        self.refresh = refresh
        self._kept: dict[Key, Moving] = {}

    def session(self, engine: Engine) -> Session:
        """A session whose loaded alert states carry the kept values."""
        session = Session(engine)
        self.watch(session)
        return session

    def watch(self, session: Session) -> None:
        session.info[_INFO_KEY] = self

    @staticmethod
    def stored(states: Iterable[AlertState]) -> dict[Key, Moving]:
        """The moving values of states just loaded (before `overlay`): what the database holds."""
        return {_key(state): Moving.of(state) for state in states}

    def overlay(self, state: AlertState) -> None:
        """Lay the kept values over a loaded state where they are newer, without marking it changed."""
        kept = self._kept.get(_key(state))
        if kept is None:
            return
        loaded = Moving.of(state)
        if later(kept.last_bad_at, loaded.last_bad_at):
            set_committed_value(state, "last_bad_at", kept.last_bad_at)
        if later(kept.data_time, loaded.data_time):
            set_committed_value(state, "data_time", kept.data_time)
        if not later(kept.evaluated_at, loaded.evaluated_at):
            return
        set_committed_value(state, "evaluated_at", kept.evaluated_at)
        if kept.offending_cases != loaded.offending_cases and same_late_cases(loaded.offending_cases,
                                                                             kept.offending_cases):
            set_committed_value(state, "offending_cases", kept.offending_cases)

    def settle(self, state: AlertState, stored: Moving | None) -> None:
        """After a cycle's step: when nothing but the moving values changed and the stored times are
        recent, keep the new values here and not in the row; otherwise the row is written, with them.
        `stored`: the state's moving values in the database (None: a new state)."""
        now = Moving.of(state)
        self._kept[_key(state)] = now
        if stored is None:
            return
        changed = any(attr.history.has_changes() for attr in inspect(state).attrs if attr.key not in Moving._fields)
        if (changed or moved_back(stored.data_time, now.data_time) or self._stale(stored, now)
                or not same_late_cases(stored.offending_cases, now.offending_cases)):
            for name, before, after in zip(Moving._fields, stored, now):
                if before != after:
                    flag_modified(state, name)   # written even where it equals the kept value it was loaded with
            return
        for name, value in zip(Moving._fields, now):
            set_committed_value(state, name, value)

    def _stale(self, stored: Moving, now: Moving) -> bool:
        for before, after in ((stored.evaluated_at, now.evaluated_at), (stored.last_bad_at, now.last_bad_at)):
            if after is None:
                continue
            if before is None or after - before >= self.refresh:
                return True
        return False

    def save(self, engine: Engine) -> int:
        """Write the kept times where the stored ones are older (at a clean stop); how many rows.
        The late cases are not: the first cycle after a start has the current ones."""
        table = AlertState.__table__   # type: ignore[attr-defined]
        rows = [{"b_commitment": c, "b_alert": a, "b_evaluated_at": kept.evaluated_at,
                 "b_last_bad_at": kept.last_bad_at, "b_data_time": kept.data_time}
                for (c, a), kept in sorted(self._kept.items()) if kept.evaluated_at is not None]
        if not rows:
            return 0
        statement = update(table).where(
            table.c.commitment == bindparam("b_commitment"), table.c.alert == bindparam("b_alert"),
            or_(table.c.evaluated_at.is_(None), table.c.evaluated_at < bindparam("b_evaluated_at")),
        ).values(evaluated_at=bindparam("b_evaluated_at"), last_bad_at=bindparam("b_last_bad_at"),
                 data_time=func.coalesce(bindparam("b_data_time"), table.c.data_time))
        with engine.begin() as connection:
            result = connection.execute(statement, rows)
        return max(result.rowcount, 0)


def _kept_values(state: AlertState, context: QueryContext, *_: Any) -> None:
    seen = context.session.info.get(_INFO_KEY) if context.session is not None else None
    if isinstance(seen, LastSeen):
        seen.overlay(state)


event.listen(AlertState, "load", _kept_values)
event.listen(AlertState, "refresh", _kept_values)
