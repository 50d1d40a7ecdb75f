"""Turn raw per-case rows into validated CaseRecords, counting rejected rows by reason."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

import numpy as np

from monitor.observations import CaseRecords


def parse_local_times(values: Sequence[object], tz: ZoneInfo) -> np.ndarray:
    """ISO-8601 strings (with or without offset; empty/None = NaT) as local naive datetime64[s].

    Values that cannot be read become NaT and are reported by the caller as unparseable.
    """
    out = np.empty(len(values), dtype="datetime64[s]")
    for i, value in enumerate(values):
        out[i] = _one_local_time(value, tz)
    return out


def _one_local_time(value: object, tz: ZoneInfo) -> np.datetime64:
    if value is None or value == "":
        return np.datetime64("NaT", "s")
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
    except ValueError:
        return np.datetime64("NaT", "s")
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz).replace(tzinfo=None)
    return np.datetime64(moment, "s")


def build_case_records(series: str, data_time: datetime, submitted_raw: Sequence[object],
                       completed_raw: Sequence[object], tz: ZoneInfo) -> tuple[CaseRecords, dict[str, int]]:
    """Validate rows: unparseable submission times and completions before submissions are rejected."""
    submitted = parse_local_times(submitted_raw, tz)
    completed = parse_local_times(completed_raw, tz)
    given_completed = np.array([v not in (None, "") for v in completed_raw], dtype=bool)
    return validate_cases(series, data_time, submitted, completed, given_completed)


def validate_cases(series: str, data_time: datetime, submitted: np.ndarray, completed: np.ndarray,
                   given_completed: np.ndarray) -> tuple[CaseRecords, dict[str, int]]:
    rejected: dict[str, int] = {}
    bad_submitted = np.isnat(submitted)
    bad_completed = given_completed & np.isnat(completed)
    backwards = ~bad_submitted & ~np.isnat(completed) & (completed < submitted)
    for reason, mask in (("unparseable_submitted", bad_submitted), ("unparseable_completed", bad_completed & ~bad_submitted),
                         ("end_before_start", backwards)):
        count = int(mask.sum())
        if count:
            rejected[reason] = count
    keep = ~(bad_submitted | bad_completed | backwards)
    return CaseRecords(series, data_time, submitted[keep], completed[keep]), rejected


def count_rejections(into: dict[str, int], more: Mapping[str, int] | Iterable[tuple[str, int]]) -> None:
    items = more.items() if isinstance(more, Mapping) else more
    for reason, count in items:
        into[reason] = into.get(reason, 0) + count
