"""Periods counted by date (民法典 第二百零一条 to 第二百零三条), vectorised over cases.

- 第二百零一条: the day of the event is not counted; the period starts the next day.
- 第二百零二条: a period of months or years ends on the corresponding day of its last month (accepted
  2025-07-15, one month: 2025-08-15); a last month without that day ends on its last day (2025-01-31,
  one month: 2025-02-28).
- 第二百零三条: a last day that is a rest day or holiday moves to the next working day (the calendar
  does that); the last day ends at 24:00, or at closing time where the service has office hours.

Days are datetime64[D], moments datetime64[s], both local.
"""

from __future__ import annotations

import numpy as np

DAY_SECONDS = 86400
DAYS_PER_MONTH_FRACTION = 30     # a fraction of a month (1.5个月, or suspended time in months) counts 30 days a month


def months_later(days: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """The corresponding day `months` months after each of `days`, or the last day of that month
    when it has no such day (第二百零二条)."""
    days = days.astype("datetime64[D]")
    month_of = days.astype("datetime64[M]")
    day_in_month = (days - month_of.astype("datetime64[D]")).astype(np.int64)
    target_month = month_of + np.asarray(months, dtype=np.int64)
    last_of_target = (target_month + 1).astype("datetime64[D]") - 1
    result: np.ndarray = np.minimum(target_month.astype("datetime64[D]") + day_in_month, last_of_target)
    return result


def elapsed_months(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Months from each start's date to each end's date, counted as 第二百零二条 counts them: whole
    months up to the last corresponding day on or before the end, plus the fraction of the next month."""
    start_days, end_days = starts.astype("datetime64[D]"), ends.astype("datetime64[D]")
    whole = (end_days.astype("datetime64[M]") - start_days.astype("datetime64[M]")).astype(np.int64)
    whole = np.where(months_later(start_days, whole) > end_days, whole - 1, whole)
    whole = np.maximum(whole, 0)
    reached, following = months_later(start_days, whole), months_later(start_days, whole + 1)
    fraction = (end_days - reached).astype(np.int64) / np.maximum((following - reached).astype(np.int64), 1)
    result: np.ndarray = whole + np.clip(fraction, 0.0, None)
    return result


def month_period_ends(starts: np.ndarray, months: float, suspended_months: np.ndarray) -> np.ndarray:
    """The nominal last day of an N-month period from each start (before the rest-day extension);
    suspended time and a fraction of a month add DAYS_PER_MONTH_FRACTION days a month."""
    whole = int(np.floor(months))
    extra_days = np.rint((months - whole + suspended_months) * DAYS_PER_MONTH_FRACTION).astype(np.int64)
    result: np.ndarray = months_later(starts, whole) + extra_days
    return result


def cutoffs(last_days: np.ndarray, closing_seconds: int | None) -> np.ndarray:
    """The last moment of each period (inclusive): closing time on its last day where office hours are
    known, else the day's last second (二十四时)."""
    within = DAY_SECONDS - 1 if closing_seconds is None else closing_seconds
    result: np.ndarray = last_days.astype("datetime64[D]").astype("datetime64[s]") + np.timedelta64(within, "s")
    return result
