"""Periods of months and years (民法典 第二百零二条) and the last day's cut-off (第二百零三条)."""

from __future__ import annotations

import numpy as np
import pytest

from monitor.calendar import WorkCalendar
from monitor.periods import cutoffs, elapsed_months, months_later


def days(*texts: str) -> np.ndarray:
    return np.array(texts, dtype="datetime64[D]")


@pytest.mark.parametrize("start, months, last", [
    ("2025-07-15", 1, "2025-08-15"),     # the corresponding day
    ("2025-01-31", 1, "2025-02-28"),     # no February 31: the month's last day
    ("2024-01-31", 1, "2024-02-29"),     # a leap year
    ("2025-03-31", 1, "2025-04-30"),
    ("2024-02-29", 12, "2025-02-28"),    # one year from a leap day
    ("2025-11-30", 3, "2026-02-28"),     # across a year end
    ("2025-01-31", 0, "2025-01-31"),
])
def test_months_later_is_the_corresponding_day_or_the_last_day_of_the_month(start: str, months: int,
                                                                            last: str) -> None:
    assert str(months_later(days(start), months)[0]) == last


def test_elapsed_months_count_whole_months_by_the_same_rule_plus_the_fraction_of_the_next() -> None:
    got = elapsed_months(days("2025-01-31", "2025-01-15", "2025-07-15", "2025-07-15"),
                         days("2025-02-28", "2025-02-01", "2025-08-14", "2025-07-15"))
    assert got.tolist() == pytest.approx([1.0, 17 / 31, 30 / 31, 0.0])


def test_a_last_day_ends_at_closing_time_where_office_hours_are_stated_else_at_24_00() -> None:
    stated = WorkCalendar(office_hours={"某区": ["09:00-12:00", "13:30-17:30"]})
    assert stated.closing_time("某区") == 17 * 3600 + 30 * 60
    assert stated.closing_time("另一区") is None               # hours stated for another jurisdiction only
    assert WorkCalendar().closing_time("某区") is None          # built-in default hours: not a stated business day
    assert WorkCalendar(office_hours={"default": ["08:30-17:00"]}).closing_time("某区") == 17 * 3600
    assert str(cutoffs(days("2025-02-28"), 17 * 3600 + 1800)[0]) == "2025-02-28T17:30:00"
    assert str(cutoffs(days("2025-02-28"), None)[0]) == "2025-02-28T23:59:59"


def test_a_last_day_on_a_holiday_moves_to_the_next_working_day() -> None:
    calendar = WorkCalendar()
    moved = calendar.extend_past_rest_days(days("2024-10-01", "2025-03-01", "2025-02-28"))
    assert [str(d) for d in moved] == ["2024-10-08", "2025-03-03", "2025-02-28"]
