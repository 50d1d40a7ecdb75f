"""WorkCalendar against slow, obviously correct references built on chinese_calendar, plus known days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import chinese_calendar
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.calendar import CalendarError, WorkCalendar

CALENDAR = WorkCalendar()                  # built once: hypothesis reuses it across examples
OFFICE = {"default": ["09:00-12:00", "13:30-17:30"], "上海市浦东新区": ["08:30-11:30", "13:00-17:00", "18:00-20:00"]}
WITH_OFFICE = WorkCalendar(office_hours=OFFICE)
SPECIAL_DAYS = sorted(set(chinese_calendar.holidays) | set(chinese_calendar.workdays))
FIRST, LAST = datetime(2004, 1, 1), datetime(2026, 12, 31, 23, 59, 59)


# -- references: one day at a time -----------------------------------------------------------

is_workday = cache(chinese_calendar.is_workday)

def days_reference(start: datetime, end: datetime) -> int:
    """Working days after start's day up to and including end's day; negative when end is earlier."""
    low, high, sign = (start.date(), end.date(), 1) if end >= start else (end.date(), start.date(), -1)
    count, day = 0, low + timedelta(days=1)
    while day <= high:
        count += is_workday(day)
        day += timedelta(days=1)
    return sign * count


def spans_of(spans: list[str]) -> list[tuple[time, time]]:
    return [(time.fromisoformat(span.split("-")[0]), time.fromisoformat(span.split("-")[1])) for span in spans]


def hours_reference(start: datetime, end: datetime, spans: list[tuple[time, time]]) -> float:
    """Office hours on working days between start and end: clip each day's spans to [start, end]."""
    low, high, sign = (start, end, 1) if end >= start else (end, start, -1)
    seconds, day = 0.0, low.date()
    while day <= high.date():
        if is_workday(day):
            for a, b in spans:
                open_, close = max(low, datetime.combine(day, a)), min(high, datetime.combine(day, b))
                seconds += max(0.0, (close - open_).total_seconds())
        day += timedelta(days=1)
    return sign * seconds / 3600


def as_array(moments: list[datetime]) -> np.ndarray:
    return np.array(moments, dtype="datetime64[s]")


# -- strategies: any second 2004-2026, with holidays and 调休 days over-represented ---------------

any_moment = st.datetimes(min_value=FIRST, max_value=LAST).map(lambda t: t.replace(microsecond=0))
special_moment = st.builds(
    lambda day, seconds: datetime.combine(day, time()) + timedelta(seconds=seconds),
    st.sampled_from(SPECIAL_DAYS), st.integers(0, 86399))
moment = st.one_of(any_moment, special_moment)


@st.composite
def pairs(draw) -> tuple[datetime, datetime]:
    """A start and an end: mostly weeks apart (the realistic case), sometimes years or reversed."""
    start = draw(moment)
    if draw(st.integers(0, 3)):
        end = start + timedelta(seconds=draw(st.integers(-3 * 86400, 90 * 86400)))
        end = min(max(end, FIRST), LAST)
    else:
        end = draw(moment)
    return start, end


pair_lists = st.lists(pairs(), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(pair_lists)
def test_working_days_between_matches_a_day_by_day_count(cases):
    starts, ends = zip(*cases)
    got = CALENDAR.working_days_between(as_array(list(starts)), as_array(list(ends)))
    assert got.dtype == np.int64
    assert got.tolist() == [days_reference(s, e) for s, e in cases]


@settings(max_examples=200, deadline=None)
@given(pair_lists, st.sampled_from(sorted(OFFICE)))
def test_working_hours_between_matches_clipping_each_days_office_hours(cases, jurisdiction):
    starts, ends = zip(*cases)
    got = WITH_OFFICE.working_hours_between(as_array(list(starts)), as_array(list(ends)), jurisdiction)
    want = [hours_reference(s, e, spans_of(OFFICE[jurisdiction])) for s, e in cases]
    assert got.tolist() == pytest.approx(want, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SPECIAL_DAYS + [date(2023, 10, 2), date(2024, 5, 20)]), st.integers(0, 40))
def test_add_working_days_lands_on_the_nth_working_day(day, n):
    if day > date(2026, 11, 1):
        day = date(2026, 11, 1)
    result = CALENDAR.add_working_days(day, n)
    if n == 0:
        assert result == day
        return
    assert chinese_calendar.is_workday(result)
    assert days_reference(datetime.combine(day, time()), datetime.combine(result, time())) == n
    # and it is the first such day: the day before holds only n - 1
    assert days_reference(datetime.combine(day, time()), datetime.combine(result - timedelta(days=1), time())) == n - 1


# -- known days ------------------------------------------------------------------------------

def days_between(start: str, end: str, calendar: WorkCalendar = CALENDAR) -> int:
    return int(calendar.working_days_between(as_array([datetime.fromisoformat(start)]),
                                             as_array([datetime.fromisoformat(end)]))[0])


def test_national_day_2023_counts_the_makeup_saturday_and_sunday():
    # 09-29 to 10-06 off (Mid-Autumn and National Day); Saturday 10-07 and Sunday 10-08 are worked
    assert CALENDAR.is_workday(date(2023, 10, 7)) and CALENDAR.is_workday(date(2023, 10, 8))
    assert not CALENDAR.is_workday(date(2023, 9, 29))
    assert days_between("2023-09-28T10:00", "2023-10-06T10:00") == 0
    assert days_between("2023-09-28T10:00", "2023-10-09T10:00") == 3


def test_spring_festival_2024_skips_the_holiday_and_counts_the_makeup_sundays():
    # 02-10 to 02-17 off; Sundays 02-04 and 02-18 are worked
    assert CALENDAR.is_workday(date(2024, 2, 4)) and CALENDAR.is_workday(date(2024, 2, 18))
    assert days_between("2024-02-03T09:00", "2024-02-04T09:00") == 1
    assert days_between("2024-02-09T09:00", "2024-02-17T18:00") == 0
    assert days_between("2024-02-08T09:00", "2024-02-19T09:00") == 3     # 02-09, 02-18, 02-19


def test_same_day_is_zero_working_days_and_the_clock_starts_the_next_day():
    assert days_between("2024-05-20T09:00", "2024-05-20T17:00") == 0
    assert days_between("2024-05-20T23:59", "2024-05-21T00:01") == 1
    assert days_between("2024-05-24T09:00", "2024-05-27T09:00") == 1     # Friday -> Monday


def test_working_hours_on_a_makeup_sunday_count_and_on_a_holiday_do_not():
    hours = CALENDAR.working_hours_between(
        as_array([datetime(2024, 2, 18, 8), datetime(2024, 2, 12, 8)]),
        as_array([datetime(2024, 2, 18, 20), datetime(2024, 2, 12, 20)]))
    assert hours.tolist() == [7.0, 0.0]


def test_office_hours_differ_per_jurisdiction_and_unknown_ones_use_the_default():
    start, end = as_array([datetime(2024, 5, 20, 0)]), as_array([datetime(2024, 5, 21, 0)])
    assert WITH_OFFICE.working_hours_between(start, end, "上海市浦东新区").tolist() == [9.0]
    assert WITH_OFFICE.working_hours_between(start, end, "重庆市渝中区").tolist() == [7.0]
    assert WITH_OFFICE.working_hours_between(start, end).tolist() == [7.0]


def test_working_hours_clip_to_office_hours_within_a_day():
    start, end = as_array([datetime(2024, 5, 20, 11, 30)]), as_array([datetime(2024, 5, 20, 14, 0)])
    assert CALENDAR.working_hours_between(start, end).tolist() == [1.0]   # 11:30-12:00 and 13:30-14:00


def test_extra_holidays_and_workdays_override_the_statutory_calendar():
    calendar = WorkCalendar(extra_holidays=[date(2024, 5, 21)], extra_workdays=[date(2024, 5, 25)])
    assert not calendar.is_workday(date(2024, 5, 21))
    assert calendar.is_workday(date(2024, 5, 25))
    assert days_between("2024-05-20T09:00", "2024-05-27T09:00", calendar) == 5   # 22, 23, 24, 25, 27


def test_a_years_notice_in_the_calendar_section_makes_it_published_not_provisional():
    calendar = WorkCalendar(extra_holidays=[date(2027, 1, 1)], extra_workdays=[date(2027, 1, 9)],
                            covered_until=date(2027, 12, 31))
    assert not calendar.is_workday(date(2027, 1, 1))          # a Friday made a holiday
    assert calendar.is_workday(date(2027, 1, 9))              # a Saturday made a working day
    assert not calendar.is_workday(date(2027, 1, 10))         # an ordinary Sunday
    assert days_between("2026-12-31T09:00", "2027-01-11T09:00", calendar) == 7   # 4-8, 9, 11
    assert calendar.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert not calendar.is_provisional(date(2027, 12, 31)) and calendar.is_provisional(date(2028, 1, 1))
    assert not calendar.year_listing(2027).provisional
    assert "targets.yaml" in calendar.year_listing(2027).source


def test_a_year_without_a_notice_uses_the_statutory_holidays_without_makeup_days_and_is_provisional():
    assert CALENDAR.is_provisional(date(2027, 1, 1)) and not CALENDAR.is_provisional(date(2026, 12, 31))
    # 全国年节及纪念日放假办法 (2025): 春节 is 除夕 to 初三; 2027's 除夕 is Friday 02-05
    for day in (date(2027, 1, 1), date(2027, 2, 5), date(2027, 2, 8), date(2027, 5, 1), date(2027, 10, 1)):
        assert not CALENDAR.is_workday(day), day
    assert CALENDAR.is_workday(date(2027, 2, 9))             # no guessed 调休 day off
    assert not CALENDAR.is_workday(date(2027, 2, 20))        # nor a guessed make-up Saturday
    listing = CALENDAR.year_listing(2027)
    assert listing.provisional and listing.workdays == ()
    assert date(2027, 2, 5) in {d for d, _ in listing.holidays}
    assert days_between("2027-02-04T09:00", "2027-02-09T09:00") == 1
    assert CALENDAR.provisional_among(as_array([datetime(2027, 1, 4, 9)]))
    assert not CALENDAR.provisional_among(as_array([datetime(2026, 12, 31, 9)]))


def test_a_published_year_lists_its_makeup_days_from_the_notice():
    listing = CALENDAR.year_listing(2024)
    assert not listing.provisional and "State Council" in listing.source
    assert date(2024, 2, 4) in {d for d, _ in listing.workdays}      # 春节 调休 Sunday
    assert date(2024, 2, 12) in {d for d, _ in listing.holidays}


def test_acceptance_after_closing_or_on_a_rest_day_moves_to_the_next_working_day():
    late = CALENDAR.working_days_from_acceptance(as_array([datetime(2024, 5, 24, 17, 45)]),
                                                 as_array([datetime(2024, 5, 27, 9, 5)]))
    assert late.tolist() == [0]                                         # 即办: Friday evening, Monday morning
    early = CALENDAR.working_days_from_acceptance(as_array([datetime(2024, 5, 20, 7, 0)]),
                                                  as_array([datetime(2024, 5, 21, 9, 0)]))
    assert early.tolist() == [1]                                        # before opening: that same day


def test_a_day_period_ending_on_a_holiday_ends_on_the_next_working_day():
    last = CALENDAR.last_days_of_periods(as_array([datetime(2024, 9, 11, 10)]), 20)
    assert str(last[0]) == "2024-10-08"                                 # day 20 is 10-01, 国庆 until 10-07
    ordinary = CALENDAR.last_days_of_periods(as_array([datetime(2024, 5, 8, 10)]), 20)
    assert str(ordinary[0]) == "2024-05-28"


@pytest.mark.parametrize("day", [date(2003, 12, 31), date(2100, 1, 1)])
def test_a_date_outside_coverage_raises_calendar_error(day):
    with pytest.raises(CalendarError, match=f"{day} is outside the working-day calendar"):
        CALENDAR.is_workday(day)
    moment = as_array([datetime.combine(day, time(10))])
    inside = as_array([datetime(2010, 1, 4, 10)])
    with pytest.raises(CalendarError, match=str(day)):
        CALENDAR.working_days_between(inside, moment)
    with pytest.raises(CalendarError, match=str(day)):
        CALENDAR.working_hours_between(moment, inside)
    with pytest.raises(CalendarError):
        CALENDAR.add_working_days(day, 1)


def test_add_working_days_past_the_end_of_coverage_raises():
    with pytest.raises(CalendarError, match="beyond 2099-12-31"):
        CALENDAR.add_working_days(date(2099, 12, 20), 30)


def test_add_working_days_from_a_holiday_counts_from_the_next_working_day():
    assert CALENDAR.add_working_days(date(2023, 10, 1), 1) == date(2023, 10, 7)
    assert CALENDAR.add_working_days(date(2023, 9, 28), 3) == date(2023, 10, 9)
    assert CALENDAR.add_working_days(date(2023, 9, 28), 0) == date(2023, 9, 28)


def test_empty_arrays_give_empty_results():
    empty = np.array([], dtype="datetime64[s]")
    assert CALENDAR.working_days_between(empty, empty).shape == (0,)
    assert CALENDAR.working_hours_between(empty, empty).shape == (0,)


def test_local_turns_an_aware_moment_into_naive_shanghai_time():
    assert CALENDAR.local(datetime(2024, 1, 1, 16, tzinfo=UTC)) == datetime(2024, 1, 2, 0)
    assert CALENDAR.local(datetime(2024, 1, 1, 16)) == datetime(2024, 1, 1, 16)


def acceptance_reference(start: datetime, end: datetime, closing: time = time(17, 30)) -> int:
    """受理之日起: accepted the same day before closing on a working day, else on the next working day."""
    day = start.date()
    if not (is_workday(day) and start.time() < closing):
        day += timedelta(days=1)
        while not is_workday(day):
            day += timedelta(days=1)
    return max(0, days_reference(datetime.combine(day, time()), end))


@settings(max_examples=200, deadline=None)
@given(pair_lists)
def test_working_days_from_acceptance_matches_a_day_by_day_count(cases):
    cases = [(s, e) for s, e in cases if s.date() < date(2026, 12, 20)]
    if not cases:
        return
    starts, ends = zip(*cases)
    got = CALENDAR.working_days_from_acceptance(as_array(list(starts)), as_array(list(ends)))
    assert got.tolist() == [acceptance_reference(s, e) for s, e in cases]
