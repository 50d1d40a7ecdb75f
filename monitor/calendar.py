"""Working days and working hours under the mainland statutory calendar, vectorised.

A day counts as a working day by the statutory calendar (public holidays off, 调休 weekend days
on; the `chinese-calendar` package covers 2004-2026), amended by a `calendar:` section in
targets.yaml that can add holidays and makeup working days and extend coverage to later years.
A date outside the covered range raises CalendarError: there is never a silent weekend-only guess.

Durations use a cumulative index: for each covered day, how many working days (and working
seconds) came before it. A case's duration is then two array lookups, whatever its length.
Working days between two moments = working days after the submission day up to and including
the completion day (受理之日起N个工作日: the clock starts the next working day).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo

import numpy as np

import chinese_calendar

from monitor.spec import CalendarSpec

STATUTORY_FIRST = date(2004, 1, 1)
STATUTORY_LAST = date(2026, 12, 31)
DEFAULT_OFFICE_HOURS = ("09:00-12:00", "13:30-17:30")
_EPOCH = np.datetime64("1970-01-01", "D")


class CalendarError(ValueError):
    """A date the calendar does not cover, or a bad calendar definition."""


def _span_seconds(span: str) -> tuple[int, int]:
    start, end = span.split("-")
    to_seconds = lambda hhmm: int(hhmm[:2]) * 3600 + int(hhmm[3:5]) * 60  # noqa: E731
    return to_seconds(start), to_seconds(end)


class WorkCalendar:
    def __init__(
        self,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        covered_until: date | None = None,
        office_hours: Mapping[str, Iterable[str]] | None = None,
        timezone: str = "Asia/Shanghai",
    ):
        self.timezone = ZoneInfo(timezone)
        self.first = STATUTORY_FIRST
        self.last = max(STATUTORY_LAST, covered_until or STATUTORY_LAST)
        self._first_day = int((np.datetime64(self.first, "D") - _EPOCH).astype(int))
        n_days = (self.last - self.first).days + 1
        holidays, workdays = set(extra_holidays), set(extra_workdays)
        is_work = np.empty(n_days, dtype=bool)
        for i in range(n_days):
            day = self.first + timedelta(days=i)
            if day in workdays:
                is_work[i] = True
            elif day in holidays:
                is_work[i] = False
            elif day <= STATUTORY_LAST:
                is_work[i] = chinese_calendar.is_workday(day)
            else:
                is_work[i] = day.weekday() < 5
        self._is_work = is_work
        # working days strictly before day i
        self._work_before = np.concatenate(([0], np.cumsum(is_work)))[:-1].astype(np.int64)
        hours = {k: tuple(v) for k, v in (office_hours or {}).items()}
        hours.setdefault("default", DEFAULT_OFFICE_HOURS)
        self._office = {k: np.array([_span_seconds(s) for s in v], dtype=np.int64) for k, v in hours.items()}

    @classmethod
    def from_spec(cls, spec: CalendarSpec) -> "WorkCalendar":
        return cls(spec.holidays, spec.workdays, spec.covered_until, spec.office_hours, spec.timezone)

    # -- single days -------------------------------------------------------------------
    def _index(self, day: date) -> int:
        if not self.first <= day <= self.last:
            raise CalendarError(
                f"{day.isoformat()} is outside the working-day calendar ({self.first} to {self.last}); "
                "add the year's holidays and workdays under 'calendar:' with covered_until")
        return (day - self.first).days

    def is_workday(self, day: date) -> bool:
        return bool(self._is_work[self._index(day)])

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n >= 0; n == 0 returns day itself)."""
        i = self._index(day)
        target = self._work_before[i] + int(self._is_work[i]) + n - 1 if n > 0 else None
        if target is None:
            return day
        j = int(np.searchsorted(self._work_before + self._is_work, target + 1))
        if j >= len(self._is_work):
            raise CalendarError(f"{n} working days after {day} is beyond {self.last}")
        return self.first + timedelta(days=j)

    # -- vectorised --------------------------------------------------------------------
    def _day_indices(self, moments: np.ndarray) -> np.ndarray:
        days = moments.astype("datetime64[D]").astype(np.int64) - self._first_day
        if days.size and (days.min() < 0 or days.max() >= len(self._is_work)):
            bad = moments[(days < 0) | (days >= len(self._is_work))][0]
            raise CalendarError(
                f"{str(bad)[:10]} is outside the working-day calendar ({self.first} to {self.last}); "
                "add the year's holidays and workdays under 'calendar:' with covered_until")
        return days

    def working_days_between(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Working days after each start's day up to and including each end's day (int64)."""
        s, e = self._day_indices(start), self._day_indices(end)
        return (self._work_before[e] + self._is_work[e]) - (self._work_before[s] + self._is_work[s])

    def office_spans(self, jurisdiction: str | None = None) -> np.ndarray:
        return self._office.get(jurisdiction or "default", self._office["default"])

    def _working_seconds_at(self, moments: np.ndarray, spans: np.ndarray) -> np.ndarray:
        days = self._day_indices(moments)
        per_day = int((spans[:, 1] - spans[:, 0]).sum())
        second_of_day = (moments.astype("datetime64[s]") - moments.astype("datetime64[D]")).astype(np.int64)
        within = np.zeros(moments.shape, dtype=np.int64)
        for a, b in spans:
            within += np.clip(second_of_day - a, 0, b - a)
        return self._work_before[days] * per_day + self._is_work[days] * within

    def working_hours_between(self, start: np.ndarray, end: np.ndarray, jurisdiction: str | None = None) -> np.ndarray:
        """Office hours on working days between each start and end (float hours)."""
        spans = self.office_spans(jurisdiction)
        return (self._working_seconds_at(end, spans) - self._working_seconds_at(start, spans)) / 3600.0


    def local(self, moment: datetime) -> datetime:
        """`moment` as a naive local time (case timestamps are naive local times)."""
        return moment.astimezone(self.timezone).replace(tzinfo=None) if moment.tzinfo else moment
