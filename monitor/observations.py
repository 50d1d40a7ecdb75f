"""What feeds deliver: values and per-case records, as the collectors produce and the evaluator reads them.

Times of values are timezone-aware. Case timestamps are numpy datetime64[s] arrays in the
calendar's local time (naive), so that a day index is a plain integer division.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

import numpy as np


@dataclass(frozen=True)
class ValuePoint:
    series: str
    data_time: datetime
    value: float
    source: str | None = None      # the submitted file it came from: a file of the same name replaces it


@dataclass(frozen=True)
class PauseIntervals:
    """Spans during which cases were suspended (暂停/挂起 to 恢复, 特别程序开始 to 特别程序结束), several
    per case: `case` holds the row of the CaseRecords each belongs to; `end` is NaT while it goes on."""

    case: np.ndarray    # intp, rows of the CaseRecords
    start: np.ndarray   # datetime64[s], local time
    end: np.ndarray     # datetime64[s], local time; NaT: still suspended

    def __len__(self) -> int:
        return int(self.case.shape[0])

    def of_rows(self, rows: np.ndarray, n_cases: int) -> PauseIntervals:
        """The intervals of the given rows (indices or a mask) of `n_cases` cases, renumbered as those rows."""
        picked = np.flatnonzero(rows) if rows.dtype == bool else np.asarray(rows, dtype=np.intp)
        position = np.full(n_cases, -1, dtype=np.intp)
        position[picked] = np.arange(len(picked))
        new = position[self.case]
        kept = new >= 0
        return PauseIntervals(new[kept], self.start[kept], self.end[kept])

    @classmethod
    def stacked(cls, parts: Sequence[PauseIntervals | None], sizes: Sequence[int]) -> PauseIntervals | None:
        """The intervals of batches of `sizes` cases each, as one (None when no batch has any)."""
        if all(p is None for p in parts):
            return None
        offsets = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.intp)
        present = [(p, o) for p, o in zip(parts, offsets) if p is not None]
        return cls(np.concatenate([p.case + o for p, o in present]).astype(np.intp),
                   np.concatenate([p.start for p, _ in present]), np.concatenate([p.end for p, _ in present]))


@dataclass(frozen=True)
class CaseRecords:
    series: str
    data_time: datetime
    submitted: np.ndarray          # datetime64[s], local time
    completed: np.ndarray          # datetime64[s], local time; NaT for open cases
    ids: np.ndarray | None = None  # str, the cases' ids when the feed gives them
    paused: np.ndarray | None = None  # float, total time suspended (听证/检测/专家评审), in `paused_unit`
    source: str | None = None      # the submitted file they came from: a file of the same name replaces them
    paused_unit: str | None = None    # the unit of `paused` as the feed states it; None: each commitment's own
    pauses: PauseIntervals | None = None   # suspended spans, when the feed gives start and end times
    items: np.ndarray | None = None   # str, each case's 事项 (service or matter name) when the feed gives it
    rejected: tuple[tuple[str, int], ...] = ()   # rows of this series the collector rejected: (reason, count)

    def __len__(self) -> int:
        return int(self.submitted.shape[0])

    @classmethod
    def join(cls, batches: Sequence[CaseRecords], newest_id_wins: bool = False) -> CaseRecords:
        """Several batches of one series as one. With `newest_id_wins` (batches newest first), a case
        id seen in a newer batch replaces its older records: a case open last month and closed
        since is one case, not an overdue one plus a closed one."""
        def stacked(name: str) -> np.ndarray | None:
            parts = [getattr(b, name) for b in batches]
            return None if any(p is None for p in parts) else np.concatenate(parts)

        sizes = [len(b) for b in batches]
        # a batch without totals had none suspended; the newest stated unit stands for all (it is configuration)
        totals = None if all(b.paused is None for b in batches) else np.concatenate(
            [np.zeros(len(b)) if b.paused is None else b.paused for b in batches])
        joined = cls(batches[0].series, max(b.data_time for b in batches), np.concatenate([b.submitted for b in batches]),
                     np.concatenate([b.completed for b in batches]), stacked("ids"), totals,
                     paused_unit=next((b.paused_unit for b in batches if b.paused is not None), None),
                     pauses=PauseIntervals.stacked([b.pauses for b in batches], sizes),
                     items=stacked("items"), rejected=_summed(b.rejected for b in batches))
        if not newest_id_wins or joined.ids is None:
            return joined
        _, first = np.unique(joined.ids, return_index=True)
        return joined.take(np.sort(first))

    def take(self, rows: np.ndarray) -> CaseRecords:
        """The given rows (indices or a mask) of these records."""
        return CaseRecords(self.series, self.data_time, self.submitted[rows], self.completed[rows],
                           None if self.ids is None else self.ids[rows],
                           None if self.paused is None else self.paused[rows], self.source, self.paused_unit,
                           None if self.pauses is None else self.pauses.of_rows(np.asarray(rows), len(self)),
                           None if self.items is None else self.items[rows], self.rejected)


def _summed(counts: Iterable[tuple[tuple[str, int], ...]]) -> tuple[tuple[str, int], ...]:
    total: dict[str, int] = {}
    for pairs in counts:
        for reason, n in pairs:
            total[reason] = total.get(reason, 0) + n
    return tuple(sorted(total.items()))


def utc_bound(moment: datetime) -> datetime:
    """A bound that stored times (aware, in UTC) are compared with, as the same instant in UTC: ordering
    two aware times of different zones converts both at every comparison, in one zone it does not
    (the order is the same either way). A naive one stays as it is."""
    return moment if moment.tzinfo is UTC or moment.tzinfo is None else moment.astimezone(UTC)


class DataWanted(NamedTuple):
    """What one commitment reads of its series: values and case batches since `since` (None: all of
    them); with `newest_by`, only the newest value at or before that moment (the rest would be read
    for nothing: a latest-value verdict looks at no other)."""

    series: str
    since: datetime | None
    newest_by: datetime | None = None


@dataclass(frozen=True)
class MeasureData:
    """Everything the evaluator needs for one commitment: the series' values (oldest first) and cases."""

    values: tuple[ValuePoint, ...] = ()
    cases: CaseRecords | None = None

    def newest_time(self, not_after: datetime | None = None) -> datetime | None:
        """The newest data time, ignoring values dated after `not_after`. Case records are dated by
        their own times, so a batch fetched later still counts, as of `not_after`."""
        bound = None if not_after is None else utc_bound(not_after)
        times = [v.data_time for v in self.values if bound is None or v.data_time <= bound]
        if self.cases is not None:
            times.append(self.cases.data_time if not_after is None else min(self.cases.data_time, not_after))
        return max(times) if times else None


class Handover(Protocol):
    """What a collection still has to do once its data is stored, or not (a drop folder files its files)."""

    def committed(self) -> None: ...   # the data is durable: finish (move the files read)
    def abandoned(self) -> None: ...   # nothing was stored: leave everything for the next run


@dataclass
class CollectionResult:
    """The outcome of one fetch of one feed: ok with data, or an error of a named category."""

    feed: str
    fetched_at: datetime
    ok: bool
    values: list[ValuePoint] = field(default_factory=list)
    cases: list[CaseRecords] = field(default_factory=list)
    error_category: str | None = None     # timeout, connect, http_status, decode, schema, too_large, config
    error: str | None = None
    rows_accepted: int = 0
    rows_rejected: dict[str, int] = field(default_factory=dict)
    rows_skipped: dict[str, int] = field(default_factory=dict)   # not data and not a problem: `footer` lines
    bytes_read: int = 0
    duration_seconds: float = 0.0
    handover: Handover | None = field(default=None, repr=False, compare=False)
    # one receipt per submitted file read (monitor.reporting.FileReceipt): mailed and recorded once stored
    receipts: list[Any] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def failure(cls, feed: str, fetched_at: datetime, category: str, error: str) -> CollectionResult:
        return cls(feed=feed, fetched_at=fetched_at, ok=False, error_category=category, error=error)
