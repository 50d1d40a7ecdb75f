"""Reloads serialised with a generation check: one at a time, and a request is answered by a reload
that read the file after the request arrived — so a storm of requests costs at most two loads, and
a slow older reload can never be applied after a newer one."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Generic, TypeVar

T = TypeVar("T")


class SerialReloads(Generic[T]):
    def __init__(self, work: Callable[[], Awaitable[T]]):
        self._work = work
        self._lock: asyncio.Lock | None = None
        self._requested = 0     # generation of the newest request
        self._done = 0          # every request up to this generation has been answered
        self._last: T | None = None

    async def __call__(self) -> T:
        self._requested += 1
        wanted = self._requested
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._done >= wanted:   # a reload that started after this request already ran
                return self._last      # type: ignore[return-value]
            covers = self._requested   # this run reads the file after every request so far
            self._last = await self._work()
            self._done = covers
            return self._last
