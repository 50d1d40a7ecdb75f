"""Whether the store can still take writes: for /healthz, for collections, and before starting.

A SQLite file that was deleted keeps "accepting" writes into an unlinked inode, and a read-only or
full database fails only when written; so health combines cheap checks (the file is still the one
opened, and writable), the outcome of the last real write, and a small probe write (throttled).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel

from monitor import names
from monitor.store import UTCDateTime


class StoreProbe(SQLModel, table=True):
    __tablename__ = names.TABLE_STORE_PROBE
    id: int = Field(primary_key=True)
    written_at: datetime = Field(sa_type=UTCDateTime)


class StoreUnavailable(Exception):
    """The store cannot take writes; the message says why and what to check."""


# What /healthz (open to anyone) says about a problem: a fixed sentence per kind, never the file's
# path, the server's address or the driver's words (those go to the log).
PUBLIC_PROBLEMS = {
    "replaced": "the database file was deleted or replaced while open",
    "read_only": "the database file is not writable",
    "write_failed": "cannot write to the database",
    "disk_full": "cannot write to the database: the disk is full",
}


def public_problem(problem: str | None) -> str | None:
    """The public sentence of a problem from `problem()`/`check()`: every problem reads
    "<one of PUBLIC_PROBLEMS>: <detail>", and only the first part is public."""
    if problem is None:
        return None
    known = [s for s in PUBLIC_PROBLEMS.values() if problem.startswith(s + ":")]
    return max(known, key=len) if known else PUBLIC_PROBLEMS["write_failed"]


def sqlite_file(engine: Engine) -> Path | None:
    database = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database).resolve()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


class StoreHealth:
    def __init__(self, engine: Engine, probe_interval: float = 5.0,
                 monotonic: Callable[[], float] = time.monotonic):
        self.engine = engine
        self.path = sqlite_file(engine)
        self.opened = _identity(self.path) if self.path else None
        self.probe_interval = probe_interval
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._last_write_error: str | None = None
        self._probed_at: float | None = None
        self._probe_error: str | None = None

    def record_write(self, error: BaseException | None) -> None:
        """The outcome of a real write (a collection or its evaluations)."""
        with self._lock:
            self._last_write_error = None if error is None else _describe(error)

    def problem(self) -> str | None:
        """Why the store cannot be trusted with writes now, from cheap checks; None when fine."""
        if self.path is not None:
            if _identity(self.path) != self.opened:
                return f"{PUBLIC_PROBLEMS['replaced']}: {self.path}"
            if not os.access(self.path, os.W_OK):
                return f"{PUBLIC_PROBLEMS['read_only']}: {self.path}"
        with self._lock:
            return self._last_write_error

    def check(self) -> str | None:
        """`problem()`, plus a probe write at most every `probe_interval` seconds."""
        problem = self.problem()
        if problem:
            return problem
        now = self._monotonic()
        with self._lock:
            if self._probed_at is not None and now - self._probed_at < self.probe_interval:
                return self._probe_error
            self._probed_at = now
        error = self.probe()
        with self._lock:
            self._probe_error = error
        return error

    def probe(self) -> str | None:
        """Write and commit one row; the error text when that fails."""
        try:
            with Session(self.engine) as session:
                session.merge(StoreProbe(id=1, written_at=datetime.now(UTC)))
                session.commit()
        except Exception as exc:  # noqa: BLE001 - any failure to write is the answer
            return _describe(exc)
        return None

    def require_writable(self) -> None:
        """Raise StoreUnavailable unless a probe write succeeds (used before the daemon starts)."""
        problem = self.problem() or self.probe()
        if problem:
            raise StoreUnavailable(problem)


def _describe(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    full = "full" in text.lower() or "no space left" in text.lower()   # SQLite, PostgreSQL, the OS
    return f"{PUBLIC_PROBLEMS['disk_full' if full else 'write_failed']}: {text}"
