"""Which year the operators' holiday-calendar notice asks for: the year actually provisional.

The State Council publishes each year's holiday notice (放假安排) in the autumn before it. The
packaged notices and `calendar.covered_until` cover days up to some date; the first day after it
starts the provisional years. Verdicts read days up to a little past `now` (a case accepted in late
December is due in January), so the notice names the first uncovered year, and every uncovered year
up to now's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from monitor.calendar import NOTICES_LAST
from monitor.spec import CalendarSpec


def first_provisional_day(spec: CalendarSpec) -> date:
    """The first day whose working status no published notice fixes."""
    return max(NOTICES_LAST, spec.covered_until or NOTICES_LAST) + timedelta(days=1)


def provisional_years(spec: CalendarSpec, now: datetime) -> list[int]:
    """The years to ask the operators for: from the first uncovered year to now's (local) year."""
    first = first_provisional_day(spec).year
    return list(range(first, max(first, now.year) + 1))
