"""Working days and working hours under the mainland statutory calendar, vectorised.

Where each day comes from, in order of precedence:
1. a `calendar:` section in targets.yaml (holidays and makeup working days the editor adds, for
   a jurisdiction's own days or a year's State Council notice that no package has yet);
2. the State Council notices (国务院办公厅关于部分节假日安排的通知) packaged in `chinese-calendar`,
   2004 to 2026: holidays and the weekend days that become working days (调休);
3. for later years, the statutory holidays of 《全国年节及纪念日放假办法》 computed for the year by
   the `holidays` package, with no 调休. Those days are *provisional*: a verdict that used one is
   marked so until the year's notice is added (`covered_until` says up to which day the
   calendar section stands for published notices).

Durations use a cumulative index: for each day, how many working days came before it. A case's
duration is then two array lookups, whatever its length.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays as holiday_rules
import numpy as np

from monitor.spec import CalendarSpec

FIRST_DAY = date(2004, 1, 1)
NOTICES_LAST = date(2026, 12, 31)       # the last day the packaged State Council notices cover
COMPUTED_LAST = date(2099, 12, 31)      # statutory holidays are computed up to here
DEFAULT_OFFICE_HOURS = ("09:00-12:00", "13:30-17:30")
_EPOCH = np.datetime64("1970-01-01", "D")

SOURCE_NOTICE = "State Council notice (chinese-calendar package)"
SOURCE_COMPUTED = "statutory holidays computed for the year (holidays package), no 调休: provisional"
SOURCE_CONFIG = "calendar: section of targets.yaml"


class CalendarError(ValueError):
    """A date the calendar does not cover, or a bad calendar definition."""


@dataclass(frozen=True)
class YearListing:
    """One year's days off and makeup working days, and where they came from."""

    year: int
    holidays: tuple[tuple[date, str], ...]
    workdays: tuple[tuple[date, str], ...]
    source: str
    provisional: bool


def _span_seconds(span: str) -> tuple[int, int]:
    start, end = span.split("-")

    def to_seconds(hhmm: str) -> int:
        return int(hhmm[:2]) * 3600 + int(hhmm[3:5]) * 60

    return to_seconds(start), to_seconds(end)


def _computed_holidays(first_year: int, last_year: int) -> dict[date, str]:
    if last_year < first_year:
        return {}
    rules = holiday_rules.country_holidays("CN", years=range(first_year, last_year + 1), observed=False)
    return {day: str(name) for day, name in rules.items()}


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
        self.first = FIRST_DAY
        self.notices_last = max(NOTICES_LAST, covered_until or NOTICES_LAST)
        self.last = max(COMPUTED_LAST, self.notices_last)
        self._first_day = int((np.datetime64(self.first, "D") - _EPOCH).astype(int))
        days = np.arange(np.datetime64(self.first, "D"), np.datetime64(self.last, "D") + 1)
        is_work = ((days.astype(np.int64) + 3) % 7) < 5     # 1970-01-01 was a Thursday
        self._computed = _computed_holidays(NOTICES_LAST.year + 1, self.last.year)
        self._extra_holidays, self._extra_workdays = frozenset(extra_holidays), frozenset(extra_workdays)
        for day in (*(d for d in chinese_calendar.holidays if self.first <= d <= NOTICES_LAST), *self._computed):
            is_work[(day - self.first).days] = False
        for day in chinese_calendar.workdays:
            if self.first <= day <= NOTICES_LAST:
                is_work[(day - self.first).days] = True
        for day in self._extra_holidays:
            is_work[self._index(day)] = False
        for day in self._extra_workdays:
            is_work[self._index(day)] = True
        self._is_work = is_work
        # working days strictly before day i, and up to and including it
        self._work_before = np.concatenate(([0], np.cumsum(is_work)))[:-1].astype(np.int64)
        self._work_through = self._work_before + is_work
        # for each day, the index of the first working day on or after it (len when there is none)
        n = len(is_work)
        candidates = np.where(is_work, np.arange(n), n)
        self._next_work = np.minimum.accumulate(candidates[::-1])[::-1]
        hours = {k: tuple(v) for k, v in (office_hours or {}).items()}
        self._stated_hours = frozenset(hours)      # the jurisdictions whose office hours were given
        hours.setdefault("default", DEFAULT_OFFICE_HOURS)
        self._office = {k: np.array([_span_seconds(s) for s in v], dtype=np.int64) for k, v in hours.items()}

    @classmethod
    def from_spec(cls, spec: CalendarSpec) -> WorkCalendar:
        return cls(spec.holidays, spec.workdays, spec.covered_until, spec.office_hours, spec.timezone)

    # -- provenance ------------------------------------------------------------------------
    def is_provisional(self, day: date) -> bool:
        """Whether `day`'s working status rests on computed holidays rather than a published notice."""
        return day > self.notices_last

    def year_listing(self, year: int) -> YearListing:
        first, last = date(year, 1, 1), date(year, 12, 31)
        for day in (first, last):
            self._index(day)   # raises CalendarError for a year outside the calendar

        def in_year(d: date) -> bool:
            return first <= d <= last
        if last <= NOTICES_LAST:
            off = {d: n for d, n in chinese_calendar.holidays.items() if in_year(d)}
            on = {d: n for d, n in chinese_calendar.workdays.items() if in_year(d)}
            source = SOURCE_NOTICE
        else:
            off = {d: n for d, n in self._computed.items() if in_year(d)}
            on, source = {}, SOURCE_COMPUTED
        extra_off = {d: SOURCE_CONFIG for d in self._extra_holidays if in_year(d)}
        extra_on = {d: SOURCE_CONFIG for d in self._extra_workdays if in_year(d)}
        if extra_off or extra_on:
            source += f"; amended by the {SOURCE_CONFIG}"
        off = {d: n for d, n in (off | extra_off).items() if not self.is_workday(d)}
        on = {d: n for d, n in (on | extra_on).items() if self.is_workday(d)}
        return YearListing(year, tuple(sorted(off.items())), tuple(sorted(on.items())), source,
                           self.is_provisional(last))

    # -- single days -------------------------------------------------------------------
    def _index(self, day: date) -> int:
        if not self.first <= day <= self.last:
            raise CalendarError(f"{day.isoformat()} is outside the working-day calendar ({self.first} to {self.last})")
        return (day - self.first).days

    def is_workday(self, day: date) -> bool:
        return bool(self._is_work[self._index(day)])

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n >= 0; n == 0 returns day itself)."""
        i = self._index(day)
        if n <= 0:
            return day
        target = self._work_through[i] + n
        j = int(np.searchsorted(self._work_through, target))
        if j >= len(self._is_work):
            raise CalendarError(f"{n} working days after {day} is beyond {self.last}")
        return self.first + timedelta(days=j)

    # -- vectorised --------------------------------------------------------------------
    def _day_indices(self, moments: np.ndarray) -> np.ndarray:
        days: np.ndarray = moments.astype("datetime64[D]").astype(np.int64) - self._first_day
        if days.size and (days.min() < 0 or days.max() >= len(self._is_work)):
            bad = moments[(days < 0) | (days >= len(self._is_work))][0]
            raise CalendarError(f"{str(bad)[:10]} is outside the working-day calendar ({self.first} to {self.last})")
        return days

    def provisional_among(self, moments: np.ndarray) -> bool:
        """Whether any of `moments` falls on a day whose status is provisional."""
        valid = moments[~np.isnat(moments)]
        return bool(valid.size) and bool(valid.max().astype("datetime64[D]") > np.datetime64(self.notices_last, "D"))

    def working_days_between(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Working days after each start's day up to and including each end's day (int64)."""
        s, e = self._day_indices(start), self._day_indices(end)
        days: np.ndarray = self._work_through[e] - self._work_through[s]
        return days

    def acceptance_days(self, moments: np.ndarray, jurisdiction: str | None = None) -> np.ndarray:
        """The day index on which each submission counts as accepted: its own day when it came on
        a working day before closing time, else the next working day (at its opening)."""
        days = self._day_indices(moments)
        closing = int(self.office_spans(jurisdiction)[:, 1].max())
        second_of_day = (moments.astype("datetime64[s]") - moments.astype("datetime64[D]")).astype(np.int64)
        in_time = self._is_work[days] & (second_of_day < closing)
        following = self._next_work[np.minimum(days + 1, len(self._is_work) - 1)]
        accepted: np.ndarray = np.where(in_time, days, following)
        return accepted

    def acceptance_dates(self, moments: np.ndarray, jurisdiction: str | None = None) -> np.ndarray:
        """The day each submission counts as accepted (see `acceptance_days`), as datetime64[D]."""
        dates: np.ndarray = (self.acceptance_days(moments, jurisdiction) + self._first_day).astype("datetime64[D]")
        return dates

    def office_hours_per_day(self, jurisdiction: str | None = None) -> float:
        """The office hours of one working day (7 for 09:00-12:00, 13:30-17:30)."""
        spans = self.office_spans(jurisdiction)
        return float((spans[:, 1] - spans[:, 0]).sum()) / 3600.0

    def working_days_from_acceptance(self, submitted: np.ndarray, completed: np.ndarray,
                                     jurisdiction: str | None = None) -> np.ndarray:
        """受理之日起: working days after the acceptance day up to and including the completion day;
        0 means done on the day of acceptance (即办/当场). Done before the acceptance day counts 0."""
        accepted = self.acceptance_days(submitted, jurisdiction)
        done = self._day_indices(completed)
        days: np.ndarray = np.maximum(self._work_through[done] - self._work_through[accepted], 0)
        return days

    def due_days_from_acceptance(self, submitted: np.ndarray, n_days: np.ndarray,
                                 jurisdiction: str | None = None) -> np.ndarray:
        """The day each case falls due under a 受理之日起 N个工作日 limit: the n-th working day after its
        acceptance day (n = 0: the acceptance day itself; n is floored). As datetime64[D]."""
        accepted = self.acceptance_days(submitted, jurisdiction)
        target = self._work_through[accepted] + np.floor(n_days).astype(np.int64)
        due = np.minimum(np.searchsorted(self._work_through, target), len(self._is_work) - 1)
        days: np.ndarray = (due + self._first_day).astype("datetime64[D]")
        return days

    def after_working_hours(self, start: np.ndarray, hours: np.ndarray,
                            jurisdiction: str | None = None) -> np.ndarray:
        """The moment `hours` office hours after each start (a start outside office hours counts from
        the next opening), as datetime64[s] local time: when a N个工作小时 limit runs out."""
        spans = self.office_spans(jurisdiction)
        per_day = int((spans[:, 1] - spans[:, 0]).sum())
        target = self._working_seconds_at(start, spans) + np.round(np.asarray(hours, dtype=np.float64) * 3600)
        target = target.astype(np.int64)
        day = np.minimum(np.searchsorted(self._work_through * per_day, target), len(self._is_work) - 1)
        remaining = target - self._work_before[day] * per_day
        second = np.full(len(start), int(spans[-1, 1]), dtype=np.int64)
        placed = np.zeros(len(start), dtype=bool)
        for a, b in spans:
            here = ~placed & (remaining <= b - a)
            second[here] = a + remaining[here]
            placed |= here
            remaining = np.where(placed, remaining, remaining - (b - a))
        moments: np.ndarray = ((day + self._first_day).astype("datetime64[D]").astype("datetime64[s]")
                               + second.astype("timedelta64[s]"))
        return moments

    def last_days_of_periods(self, starts: np.ndarray, n_days: float | np.ndarray) -> np.ndarray:
        """N日/N天 periods (民法典 201, 203): the day of the event is day 0, the period ends on day N,
        or on the first working day after it when day N is a rest day or holiday. As datetime64[D]."""
        nominal = self._day_indices(starts) + np.floor(n_days).astype(np.int64)
        capped = np.minimum(nominal, len(self._is_work) - 1)
        last_days: np.ndarray = (self._next_work[capped] + self._first_day).astype("datetime64[D]")
        return last_days

    def extend_past_rest_days(self, days: np.ndarray) -> np.ndarray:
        """民法典 第二百零三条: a period whose last day is a rest day or holiday ends on the first working
        day after it. `days` and the result are datetime64[D]."""
        index = np.minimum(self._day_indices(days), len(self._is_work) - 1)
        extended: np.ndarray = (self._next_work[index] + self._first_day).astype("datetime64[D]")
        return extended

    def closing_time(self, jurisdiction: str | None = None) -> int | None:
        """Seconds after midnight when business stops, where office hours are stated for the
        jurisdiction (or as the catalogue's `default`); None where they are not (the day ends at 24:00)."""
        if jurisdiction not in self._stated_hours and "default" not in self._stated_hours:
            return None
        return int(self.office_spans(jurisdiction)[:, 1].max())

    def office_spans(self, jurisdiction: str | None = None) -> np.ndarray:
        return self._office.get(jurisdiction or "default", self._office["default"])

    def _working_seconds_at(self, moments: np.ndarray, spans: np.ndarray) -> np.ndarray:
        days = self._day_indices(moments)
        per_day = int((spans[:, 1] - spans[:, 0]).sum())
        second_of_day = (moments.astype("datetime64[s]") - moments.astype("datetime64[D]")).astype(np.int64)
        within = np.zeros(moments.shape, dtype=np.int64)
        for a, b in spans:
            within += np.clip(second_of_day - a, 0, b - a)
        result: np.ndarray = self._work_before[days] * per_day + self._is_work[days] * within
        return result

    def working_hours_between(self, start: np.ndarray, end: np.ndarray, jurisdiction: str | None = None) -> np.ndarray:
        """Office hours on working days between each start and end (float hours): a submission
        outside office hours starts counting at the next opening."""
        spans = self.office_spans(jurisdiction)
        hours: np.ndarray = (self._working_seconds_at(end, spans) - self._working_seconds_at(start, spans)) / 3600.0
        return hours

    def local(self, moment: datetime) -> datetime:
        """`moment` as a naive local time (case timestamps are naive local times)."""
        return moment.astimezone(self.timezone).replace(tzinfo=None) if moment.tzinfo else moment
