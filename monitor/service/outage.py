"""Reads of the store that fail while the database is unreachable: one log line when an outage
starts, one when it ends, never a traceback per request.

The pages and the API answer from memory where they can (the daemon's board and catalogue); what
only the store knows (a commitment's history) is left out and the page says so. `StoreOutage`
remembers whether the last read failed, so a hundred requests during one outage log once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

T = TypeVar("T")
STORE_ERRORS = (SQLAlchemyError, OSError)   # what a read raises when the database is gone or unreachable


def first_line(error: BaseException, limit: int = 200) -> str:
    """The error's first line (the driver's own words; for the log only)."""
    original = getattr(error, "orig", None) or error
    text = str(original).strip()
    return (text.splitlines()[0] if text else type(original).__name__)[:limit]


class StoreOutage:
    """Whether reads of the store fail now; logs the start and the end of each outage once."""

    def __init__(self, log: logging.Logger, monotonic: Callable[[], float] = time.monotonic):
        self._log = log
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._since: float | None = None
        self._failed_reads = 0

    @property
    def down(self) -> bool:
        with self._lock:
            return self._since is not None

    def failed(self, error: BaseException, what: str) -> None:
        with self._lock:
            self._failed_reads += 1
            if self._since is not None:
                return
            self._since = self._monotonic()
        self._log.error("store_unreachable", extra={"read": what, "error_type": type(error).__name__,
                                                    "error": first_line(error)})

    def succeeded(self) -> None:
        with self._lock:
            if self._since is None:
                return
            seconds, failed = self._monotonic() - self._since, self._failed_reads
            self._since, self._failed_reads = None, 0
        self._log.info("store_reachable_again", extra={"seconds": round(seconds, 1), "failed_reads": failed})

    def read(self, what: str, call: Callable[[], T]) -> T | None:
        """`call()`, or None (logged once per outage) when the store cannot be read."""
        try:
            value = call()
        except STORE_ERRORS as exc:
            self.failed(exc, what)
            return None
        self.succeeded()
        return value
