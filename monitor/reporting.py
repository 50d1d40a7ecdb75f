"""Progress reports (进展填报): periods, due days and who reports what, from the catalogue alone.

A `reports` feed's commitments are those whose measure names it; each agency reports on the ones
it leads. A period is written `YYYY-MM`: the month reported on (quarterly: the quarter's last
month). Its report is due by `due_day` of the month after the period; the template goes out
`remind_working_days` working days before (by the work calendar), the reminder on the due day,
and the operators' list of agencies past due (催报) after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from monitor.calendar import CalendarError, WorkCalendar
from monitor.model import Catalogue, Commitment
from monitor.spec.feeds import ReportsFeed

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = PERIOD_RE.match(text.strip())
        if not match:
            raise ValueError(f"a period is written YYYY-MM, got {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def zh(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self, months: int = 1) -> Period:
        index = self.year * 12 + self.month - 1 + months
        return Period(index // 12, index % 12 + 1)

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


def reports_feeds(catalogue: Catalogue) -> list[ReportsFeed]:
    return [f for f in catalogue.feeds.values() if isinstance(f, ReportsFeed)]


def reported_commitments(catalogue: Catalogue, feed_id: str, agency_id: str | None = None) -> list[Commitment]:
    """The commitments the feed's reports carry (of one lead agency), in catalogue order."""
    return [c for c in catalogue.evaluated_commitments(feed_id)
            if agency_id is None or (c.agency is not None and c.agency.id == agency_id)]


def due_commitments(catalogue: Catalogue, feed_id: str, agency_id: str, period: Period) -> list[Commitment]:
    """What the agency's report for `period` carries: its commitments not settled before the period
    (a target whose deadline passed earlier is no longer reported on)."""
    return [c for c in reported_commitments(catalogue, feed_id, agency_id)
            if c.deadline is None or c.deadline >= period.first_day]


def agencies_due(catalogue: Catalogue, feed_id: str, period: Period) -> list[str]:
    """The agencies asked for a report for `period`: those with a commitment it carries."""
    return [a for a in reporting_agencies(catalogue, feed_id) if due_commitments(catalogue, feed_id, a, period)]


def reporting_agencies(catalogue: Catalogue, feed_id: str) -> list[str]:
    """The agencies that report on the feed: every lead agency of one of its commitments."""
    return list(dict.fromkeys(c.agency.id for c in reported_commitments(catalogue, feed_id) if c.agency is not None))


def feed_of_agency(catalogue: Catalogue, agency_id: str) -> ReportsFeed | None:
    """The reports feed an agency reports on (the first, when a catalogue has several)."""
    for feed in reports_feeds(catalogue):
        if agency_id in reporting_agencies(catalogue, feed.id):
            return feed
    return None


def is_reported_period(feed: ReportsFeed, period: Period) -> bool:
    return feed.frequency == "monthly" or period.month % 3 == 0


def due_date(feed: ReportsFeed, period: Period) -> date:
    """The last day the period's report is on time: `due_day` of the month after the period."""
    following = period.next()
    return date(following.year, following.month, feed.due_day)


def send_date(feed: ReportsFeed, period: Period, calendar: WorkCalendar) -> date:
    """When the template goes out: `remind_working_days` working days before the due day."""
    due = due_date(feed, period)
    day, left = due, feed.remind_working_days
    try:
        while left > 0:
            day -= timedelta(days=1)
            if calendar.is_workday(day):
                left -= 1
    except CalendarError:   # beyond the calendar's years: plain days
        return due - timedelta(days=feed.remind_working_days)
    return day


def period_due_around(feed: ReportsFeed, today: date) -> Period:
    """The period whose due day is the next on or after `today` (the one being collected now)."""
    period = Period(today.year, today.month).next(-1)
    while not is_reported_period(feed, period) or due_date(feed, period) < today:
        period = period.next()
    return period


def last_due_period(feed: ReportsFeed, today: date) -> Period | None:
    """The latest period whose due day has passed (before `today`); None before any."""
    period = Period(today.year, today.month).next(-1)
    for _ in range(5):
        if is_reported_period(feed, period) and due_date(feed, period) < today:
            return period
        period = period.next(-1)
    return None


def period_in_text(text: str) -> Period | None:
    """A period written in a template's title or a file name: 2026-11, 2026年11月, 202611."""
    for pattern in (r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?", r"(?<!\d)(\d{4})(\d{2})(?!\d)"):
        for match in re.finditer(pattern, text):
            year, month = int(match.group(1)), int(match.group(2))
            if 2000 <= year <= 2100 and 1 <= month <= 12:
                return Period(year, month)
    return None


def late_reason(due: date) -> str:
    """The no_data reason of a commitment whose report is past due (late, not missed)."""
    return f"未按期填报（应于{due.year}年{due.month}月{due.day}日前填报）"


@dataclass(frozen=True)
class Entry:
    commitment: str
    value: float
    as_of: date
    note: str | None
    evidence: str | None


@dataclass
class FileReceipt:
    """One file's outcome, as the collector found it; mailed and recorded once the store committed."""

    feed: str
    file: str
    agency: str | None                 # the submitting agency (a report's, or the case file's feed's)
    accepted: bool
    problems: list[str] = field(default_factory=list)     # every problem, in Chinese, in the agency's words
    period: str | None = None
    entries: list[Entry] = field(default_factory=list)    # an accepted report's figures
    series: list[str] = field(default_factory=list)       # the series an accepted case file fed
