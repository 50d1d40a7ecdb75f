"""Bounds for the HTTP listener that uvicorn and Starlette do not give: one rendering shared by
concurrent callers and a deadline for a client to send its request. (Admin callers are not told
apart by their address: a forwarder makes any caller look local; see web.admin_allowed.) Kept
apart from the routes so they carry over to whatever serves the application."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from uvicorn.protocols.http.h11_impl import H11Protocol

T = TypeVar("T")


class SharedCall(Generic[T]):
    """Run `work` for one caller at a time; callers arriving while it runs share that run's result."""

    def __init__(self, work: Callable[[], T]):
        self._work = work
        self._cond = threading.Condition()
        self._started = self._finished = 0
        self._outcome: tuple[T | None, BaseException | None] = (None, None)

    def __call__(self) -> T:
        with self._cond:
            running = self._started > self._finished
            wanted = self._started if running else self._started + 1
            while self._finished < wanted <= self._started:
                self._cond.wait()
            owner = self._finished < wanted
            if owner:
                self._started = wanted
        if owner:
            try:
                outcome: tuple[T | None, BaseException | None] = (self._work(), None)
            except BaseException as exc:  # noqa: BLE001 - handed to every waiter
                outcome = (None, exc)
            with self._cond:
                self._outcome, self._finished = outcome, wanted
                self._cond.notify_all()
        with self._cond:
            result, error = self._outcome
        if error is not None:
            raise error
        return result  # type: ignore[return-value]


def timed_protocol(request_timeout: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, dropping a client that has not sent a whole request in time
    (uvicorn itself waits forever for the first request: a half-open client would hold its slot)."""

    class TimedH11Protocol(H11Protocol):
        answered = 0

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._watch()

        def on_response_complete(self) -> None:
            self.answered += 1
            super().on_response_complete()
            self._watch()

        def _watch(self) -> None:
            self.loop.call_later(request_timeout, self._drop_if_idle, self.answered)

        def _drop_if_idle(self, answered: int) -> None:
            idle = self.cycle is None or self.cycle.response_complete   # no request being handled
            if answered == self.answered and idle and not self.transport.is_closing():
                self.transport.close()

    return TimedH11Protocol
