"""When a promise is due: the document's year and period, and deadline phrases near a number.

年内 / 年底前 / 今年 → the end of the document's year; 到2020年底 → 2020-12-31; 10月底前 → the last
day of October of the document's year; 2021年12月底 → 2021-12-31; 十四五期间 → 2025-12-31.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

_FULL_DATE = re.compile(r"((?:19|20)\d\d)(?:年(1[0-2]|0?[1-9])月([0-3]?\d)日|-(\d\d)-(\d\d))")
_PERIOD = re.compile(r"((?:19|20)\d\d)\s*[—–\-~至到]\s*((?:19|20)\d\d)年")
_YEAR = re.compile(r"(?<![0-9〔\[])((?:19|20)\d\d)年")
_FIVE_YEAR_PLANS = {"十三五": 2020, "十四五": 2025, "十五五": 2030, "十六五": 2035}

# Phrases, most specific first. Each gives (year or None for the document's year, month or None).
_DEADLINE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?P<year>(?:19|20)\d\d)年(?:底|末)?(?P<month>1[0-2]|[1-9])月(?:份|底|末)?"),
    re.compile(r"(?P<year>(?:19|20)\d\d)年(?:底|末|前|内|之前)"),
    re.compile(r"(?:到|至|在|于)(?P<year>(?:19|20)\d\d)年"),
    re.compile(r"(?P<plan>十三五|十四五|十五五|十六五)(?:期间|末|时期)?"),
    re.compile(r"(?<![0-9个])(?P<month>1[0-2]|[1-9])月(?:份|底|末)?(?:前|之前|中旬|上旬|下旬)?"),
    re.compile(r"(?P<this>年内|年底|年末|今年|全年|当年|本年度?|年度内)"),
)


@dataclass(frozen=True)
class DocumentDates:
    year: int | None
    period_end_year: int | None


def document_dates(text: str, year: int | None = None) -> DocumentDates:
    """The document's year (given, else its issue date, else its most cited year) and the last
    year of its period when the title names one (2019—2020年)."""
    head = text[:1500]
    found_year = year
    if found_year is None:
        dates = [int(m.group(1)) for m in _FULL_DATE.finditer(text)]
        if dates:
            found_year = dates[0] if _FULL_DATE.search(head) else Counter(dates).most_common(1)[0][0]
    if found_year is None:
        years = [int(m.group(1)) for m in _YEAR.finditer(text)]
        found_year = Counter(years).most_common(1)[0][0] if years else None
    if found_year is None:
        # the latest document the plan cites (〔2023〕1号) is the best remaining guess
        cited = [int(y) for y in re.findall(r"[〔\[]((?:19|20)\d\d)[〕\]]", text)]
        found_year = max(cited) if cited else None
    period = _PERIOD.search(head)
    end_year = int(period.group(2)) if period else found_year
    return DocumentDates(found_year, end_year)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _phrase_date(match: re.Match[str], doc_year: int | None) -> date | None:
    groups = match.groupdict()
    if groups.get("plan"):
        return date(_FIVE_YEAR_PLANS[groups["plan"]], 12, 31)
    year = int(groups["year"]) if groups.get("year") else doc_year
    if year is None:
        return None
    if groups.get("month"):
        return _month_end(year, int(groups["month"]))
    return date(year, 12, 31)


def find_deadline(text: str, start: int, end: int, doc_year: int | None) -> tuple[date | None, int, int]:
    """The deadline phrase of the sentence text[start:end] and its span (closest to the number
    first: the caller passes the phrase around the number before the whole sentence)."""
    for pattern in _DEADLINE_PATTERNS:
        match = pattern.search(text, start, end)
        if match:
            return _phrase_date(match, doc_year), match.start(), match.end()
    return None, -1, -1


def default_deadline(kind: str, dates: DocumentDates) -> date | None:
    """A standing duty (a time limit) has no deadline; other targets are due at the end of the
    plan's period, when the document says which year that is."""
    if kind == "case_duration" or dates.period_end_year is None:
        return None
    return date(dates.period_end_year, 12, 31)
