"""Reloads serialised with a generation check: one at a time, and a request is answered by a reload
that read the file after the request arrived — so a storm of requests costs at most two loads, and
a slow older reload can never be applied after a newer one. Runs start at least `min_interval`
apart, so even a steady stream of requests leaves the interpreter to collection most of the time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
MIN_INTERVAL_SECONDS = 1.0


class SerialReloads(Generic[T]):
    def __init__(self, work: Callable[[], Awaitable[T]], min_interval: float = MIN_INTERVAL_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self._work = work
        self._min_interval = min_interval
        self._monotonic, self._sleep = monotonic, sleep
        self._lock: asyncio.Lock | None = None
        self._requested = 0     # generation of the newest request
        self._done = 0          # every request up to this generation has been answered
        self._last: T | None = None
        self._last_start: float | None = None

    async def __call__(self) -> T:
        self._requested += 1
        wanted = self._requested
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._done >= wanted:   # a reload that started after this request already ran
                return self._last      # type: ignore[return-value]
            if self._last_start is not None:
                await self._sleep(max(0.0, self._last_start + self._min_interval - self._monotonic()))
            covers = self._requested   # this run reads the file after every request so far
            self._last_start = self._monotonic()
            self._last = await self._work()
            self._done = covers
            return self._last
