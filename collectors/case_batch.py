"""Many series' per-case rows validated in one pass, exactly as `build_case_records` validates each.

A feed serving hundreds of small case series (the demo feed: 120 cases each) paid numpy's fixed cost
per series for every step (text columns, the time layouts, each check). Here the rows of every series
are joined, their times parsed and checked once, repeated ids found within each series by one sort,
and the rejections counted per series with a bincount; each series then takes its slice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from itertools import chain
from zoneinfo import ZoneInfo

import numpy as np

from collectors.records import (
    ID_CONTROL,
    ID_TOO_LONG,
    MAX_CASE_ID_CHARS,
    _id_keys,
    build_case_records,
    control_characters,
    parse_local_times,
    rejection_checks,
)
from collectors.timebounds import TimeWindow
from monitor.observations import CaseRecords

# Cells of these types turn into text one by one, the same as in a column of their own; anything else
# (a number, a list in a cell) takes its series through `build_case_records` alone.
_PLAIN_CELLS = frozenset({str, type(None)})


@dataclass(frozen=True)
class CaseRows:
    """One series' raw per-case cells, as a feed gives them."""

    series: str
    data_time: datetime
    submitted: Sequence[object]
    completed: Sequence[object]
    ids: Sequence[object] | None = None

    def plain(self) -> bool:
        """Whether every cell is text or missing (what a JSON feed mostly gives): such rows are validated
        together with other series' (`build_case_batches`). Asked by the collector and again by
        `build_case_batches`: looked at once (the cells are not changed in between)."""
        return self._plain

    @cached_property
    def _plain(self) -> bool:
        return all(set(map(type, column)) <= _PLAIN_CELLS
                   for column in (self.submitted, self.completed, self.ids or ()))


def build_case_batches(batches: Sequence[CaseRows], tz: ZoneInfo,
                       window: TimeWindow | None = None) -> list[tuple[CaseRecords, dict[str, int]]]:
    """What `build_case_records` gives for each batch, in order (the same records, rejections and
    reasons, each reason counted in the order of the checks)."""
    if not batches:
        return []
    if not all(b.plain() for b in batches):
        return [build_case_records(b.series, b.data_time, b.submitted, b.completed, tz, b.ids, window)
                for b in batches]
    sizes = np.array([len(b.submitted) for b in batches], dtype=np.intp)
    segment = np.repeat(np.arange(len(batches)), sizes)
    submitted = parse_local_times(_text(chain.from_iterable(b.submitted for b in batches), len(segment)), tz)
    completed_text = _text(chain.from_iterable(b.completed for b in batches), len(segment))
    completed = parse_local_times(completed_text, tz)
    given_completed = (np.strings.str_len(completed_text) > 0) & ~np.strings.isspace(completed_text)
    with_ids = np.array([b.ids is not None for b in batches], dtype=bool)
    id_rows = with_ids[segment]
    keys = _id_keys(np.array(list(chain.from_iterable(b.ids for b in batches if b.ids is not None)), dtype=str))
    bounds = window.local_bounds(tz) if window is not None else None
    checks = rejection_checks(submitted, completed, given_completed, bounds=bounds,
                              more=_id_checks(keys, segment[id_rows], id_rows))
    bad = np.zeros(len(segment), dtype=bool)
    counts = np.zeros((len(batches), len(checks)), dtype=np.int64)
    for k, (_, mask) in enumerate(checks):
        new = mask & ~bad
        counts[:, k] = np.bincount(segment[new], minlength=len(batches))
        bad |= new
    keep = ~bad
    kept_submitted, kept_completed = submitted[keep], completed[keep]
    kept_keys = keys[keep[id_rows]]
    kept = np.bincount(segment[keep], minlength=len(batches))
    ends = np.cumsum(kept).tolist()
    id_ends = np.cumsum(np.where(with_ids, kept, 0)).tolist()
    reasons = [reason for reason, _ in checks]
    out = []
    for i, (batch, per_reason, n) in enumerate(zip(batches, counts.tolist(), kept.tolist())):
        rejected = {reason: count for reason, count in zip(reasons, per_reason) if count}
        ids = kept_keys[id_ends[i] - n:id_ends[i]] if batch.ids is not None else None
        records = CaseRecords(batch.series, batch.data_time, kept_submitted[ends[i] - n:ends[i]],
                              kept_completed[ends[i] - n:ends[i]], ids, rejected=tuple(sorted(rejected.items())))
        out.append((records, rejected))
    return out


def _text(cells: Iterable[object], n: int) -> np.ndarray:
    """Text or missing cells as a text column, a missing one as "" (it reads as None's text does: no time,
    and no completion given), without the slow path a time layout nobody writes would take."""
    objects = np.fromiter(cells, dtype=object, count=n)
    objects[objects == None] = ""  # noqa: E711 - element-wise test for None
    return objects.astype(str)


def _id_checks(keys: np.ndarray, segment: np.ndarray, id_rows: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """`records.id_checks` of every series with ids at once (repeats within a series), as row masks."""
    too_long = np.strings.str_len(keys) > MAX_CASE_ID_CHARS
    control = control_characters(keys) & ~too_long
    repeated = _repeated_within(keys, segment)

    def rows(mask: np.ndarray) -> np.ndarray:
        full = np.zeros(len(id_rows), dtype=bool)
        full[id_rows] = mask
        return full
    return [(ID_TOO_LONG, rows(too_long)), (ID_CONTROL, rows(control)), ("duplicate_id", rows(repeated))]


def _repeated_within(keys: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """True for the second and later occurrence of a key within its segment (the first one is kept)."""
    repeated = np.zeros(len(keys), dtype=bool)
    if len(set(keys.tolist())) == len(keys):   # distinct in the whole feed (a set beats hashing the code points)
        return repeated
    codes = np.unique(keys, return_inverse=True)[1].reshape(-1)
    order = np.lexsort((codes, segment))   # stable: equal keys of a segment in the order given
    later = (codes[order[1:]] == codes[order[:-1]]) & (segment[order[1:]] == segment[order[:-1]])
    repeated[order[1:][later]] = True
    return repeated
