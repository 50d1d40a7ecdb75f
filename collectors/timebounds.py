"""The sane window for data times: nothing older than a generation, nothing after tomorrow.

A value dated 9999-12-31 would stay the newest forever and freeze its verdict; a case submitted
in 1900 falls outside every working-day calendar. Rows outside the window are rejected and
counted (`time_too_old`, `time_in_future`) like any other bad row; the evaluator never sees them.

Data whose own time is after the window is left out, nothing else: a case is dated by its
submission, so a case submitted in time and completed after the window is kept (it was open at the
instant collected for, and the evaluator reads it so), and a batch of cases stamped after the window
keeps the cases submitted within it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

MAX_PAST = timedelta(days=366 * 25)
MAX_AHEAD = timedelta(days=1)       # clock skew and time zones; actuals are never dated later
TOO_OLD, IN_FUTURE = "time_too_old", "time_in_future"


@dataclass(frozen=True)
class TimeWindow:
    earliest: datetime
    latest: datetime

    @classmethod
    def around(cls, now: datetime) -> TimeWindow:
        return cls(now - MAX_PAST, now + MAX_AHEAD)

    def reason(self, moment: datetime) -> str | None:
        """Why an aware `moment` must not be used, or None."""
        if moment < self.earliest:
            return TOO_OLD
        if moment > self.latest:
            return IN_FUTURE
        return None

    def reason_local(self, moment: np.datetime64, tz: ZoneInfo) -> str | None:
        """Like `reason`, for a naive local datetime64 (which may lie outside Python's datetime range)."""
        low, high = self.local_bounds(tz)
        if np.isnat(moment):
            return None
        return TOO_OLD if moment < low else IN_FUTURE if moment > high else None

    def local_bounds(self, tz: ZoneInfo) -> tuple[np.datetime64, np.datetime64]:
        """The window as naive local datetime64[s], for case timestamp arrays."""
        def local(moment: datetime) -> np.datetime64:
            return np.datetime64(moment.astimezone(tz).replace(tzinfo=None), "s")
        return local(self.earliest), local(self.latest)
