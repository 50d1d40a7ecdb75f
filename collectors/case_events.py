"""Cases as approval systems record them: one row per event, each case assembled from its events.

The e-supervision exchange formats (行政审批电子监察, 权力阳光) keep 受理, 补交受理 (after 补正),
特别程序开始 and 特别程序结束 (suspended time, with the 特别程序's kind) and 审批结果 as rows of their
own, sharing the case's id. A case is accepted at its 受理, or at its last 补交受理; it is suspended
between each 特别程序开始 and the 特别程序结束 that follows it (of the same kind, when the feed names
the kinds); it is completed at its 审批结果, and open without one. A 特别程序 still going on stops an
open case's clock.

Rows that cannot be used are rejected with a reason and named in a drop folder's report; the case
itself stays, without them, unless it cannot be dated at all:
- unparseable_time, too_old, in_future: the row's time; missing_id: no case id;
- no_acceptance: a case with no 受理 (all its rows); result_before_acceptance: its 审批结果 came
  before any 受理 (all its rows);
- before_acceptance: a 补交受理 or 特别程序 event before the case's first 受理; after_result: an event
  after its 审批结果; repeated_result: a second 审批结果 (the first one completes the case);
- end_without_start: a 特别程序结束 with no 特别程序开始 before it; start_without_end: a 特别程序开始
  followed by another start; pause_not_ended: a 特别程序开始 never ended in a completed case.
Events of other kinds (承办, 审核, 决定…) are skipped and counted as `other_event`.
Everything is computed on arrays sorted once by case and time (no loop over cases).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from collectors.records import as_text, parse_local_times
from collectors.timebounds import IN_FUTURE, TOO_OLD, TimeWindow
from monitor.observations import CaseRecords, PauseIntervals
from monitor.spec.case_series import EVENT_KINDS
from monitor.spec.feeds import SeriesSpec

ACCEPTED, RESUBMITTED, PAUSE_START, PAUSE_END, RESULT = range(5)   # the order of EVENT_KINDS
OTHER = -1
_NEVER = np.iinfo(np.int64).max
_NAT = np.datetime64("NaT", "s")


@dataclass(frozen=True)
class EventProblem:
    row: int               # among the rows given
    column: str | None
    reason: str
    value: object = None   # the case's id and the event's word, or the unreadable time


@dataclass
class EventCases:
    cases: CaseRecords
    accepted: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    problems: list[EventProblem] = field(default_factory=list)


def case_events(spec: SeriesSpec, column: Callable[[str], Sequence[Any] | np.ndarray], n: int, data_time: datetime,
                tz: ZoneInfo, window: TimeWindow) -> EventCases:
    """The cases of `n` event rows; `column(name)` gives a column's cells for those rows."""
    events = spec.events
    assert events is not None and spec.id_field is not None
    id_text, id_given = as_text(column(spec.id_field))
    ids = np.strings.strip(id_text)
    kind_text = np.strings.strip(as_text(column(events.kind))[0])
    words = events.word_map()
    found, inverse = np.unique(kind_text, return_inverse=True)
    codes = np.array([EVENT_KINDS.index(words[w]) if w in words else OTHER for w in found.tolist()],
                     dtype=np.int8)[inverse.reshape(-1)] if n else np.zeros(0, dtype=np.int8)
    time_raw = column(events.time)
    times = parse_local_times(as_text(time_raw)[0], tz)
    flags = _Flags(n)
    low, high = window.local_bounds(tz)
    known = ~np.isnat(times)
    read = codes != OTHER
    for name, mask, col in (("missing_id", read & ~id_given, spec.id_field),
                            ("unparseable_time", read & ~known, events.time),
                            (TOO_OLD, read & known & (times < low), events.time),
                            (IN_FUTURE, read & known & (times > high), events.time)):
        flags.flag(mask, name, col)
    out = EventCases(CaseRecords(spec.name, data_time, np.zeros(0, "datetime64[s]"), np.zeros(0, "datetime64[s]"),
                                 np.zeros(0, dtype=str)))
    if (~read).any():
        out.skipped["other_event"] = int((~read).sum())
    usable = np.flatnonzero(read & flags.clear())
    procedure = (np.strings.strip(as_text(column(events.procedure))[0]) if events.procedure
                 else np.full(n, "", dtype=str))
    cases = _assemble(ids[usable], codes[usable], times[usable], procedure[usable], usable, flags, events.kind)
    out.cases = CaseRecords(spec.name, data_time, cases.submitted, cases.completed, cases.ids,
                            pauses=cases.pauses)
    bad = read & ~flags.clear()
    out.accepted = int((read & ~bad).sum())
    out.rejected = flags.counts()
    raw = np.asarray(time_raw, dtype=object)
    for i in np.flatnonzero(bad):
        reason, about = flags.of(int(i))
        timing = reason in ("unparseable_time", TOO_OLD, IN_FUTURE)
        value = raw[i] if timing else f"办件 {ids[i]}，{kind_text[i]}"   # the case, named for the agency
        out.problems.append(EventProblem(int(i), about, reason, value))
    return out


class _Flags:
    """Each row's reason for not being used (the first one found stands), and the column it is about;
    kept as small integer codes, so that flagging a million rows costs a few array operations."""

    def __init__(self, n: int) -> None:
        self.code = np.zeros(n, dtype=np.int16)
        self.column = np.zeros(n, dtype=np.int16)
        self.reasons: list[str] = [""]
        self.columns: list[str | None] = []

    def flag(self, mask: np.ndarray, reason: str, column: str | None) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)
        if column not in self.columns:
            self.columns.append(column)
        new = mask & (self.code == 0)
        self.code[new] = self.reasons.index(reason)
        self.column[new] = self.columns.index(column)

    def clear(self) -> np.ndarray:
        cleared: np.ndarray = self.code == 0
        return cleared

    def counts(self) -> dict[str, int]:
        found = np.bincount(self.code, minlength=len(self.reasons))
        return {self.reasons[i]: int(found[i]) for i in range(1, len(self.reasons)) if found[i]}

    def of(self, row: int) -> tuple[str, str | None]:
        return self.reasons[self.code[row]], self.columns[self.column[row]]


@dataclass(frozen=True)
class _Assembled:
    ids: np.ndarray
    submitted: np.ndarray
    completed: np.ndarray
    pauses: PauseIntervals


def _assemble(ids: np.ndarray, codes: np.ndarray, times: np.ndarray, procedure: np.ndarray, rows: np.ndarray,
              flags: _Flags, kind_column: str) -> _Assembled:
    """Cases from usable events; `rows` maps each event to its row, flagged when it is not used."""
    names, case = np.unique(ids, return_inverse=True)
    case = case.reshape(-1)
    n_cases = len(names)
    order = np.lexsort((rows, times, case))
    case, codes, rows, procedure = case[order], codes[order], rows[order], procedure[order]
    seconds = times[order].astype(np.int64)

    def first(kind_mask: np.ndarray) -> np.ndarray:
        """Per case, the earliest time among the events in `kind_mask` (_NEVER when none)."""
        out = np.full(n_cases, _NEVER, dtype=np.int64)
        np.minimum.at(out, case[kind_mask], seconds[kind_mask])
        return out

    def flag(at: np.ndarray, name: str) -> None:
        """Flag the events at `at` (a mask over the sorted events, or their positions)."""
        mask = np.zeros(len(flags.code), dtype=bool)
        mask[rows[at]] = True
        flags.flag(mask, name, kind_column)

    result_at = first(codes == RESULT)
    first_accepted = first(codes == ACCEPTED)
    accepting = (codes == ACCEPTED) | (codes == RESUBMITTED)
    flag((codes == RESULT) & (seconds > result_at[case]), "repeated_result")
    before = (codes != ACCEPTED) & (codes != RESULT) & (seconds < first_accepted[case])
    before &= first_accepted[case] != _NEVER          # a case without a 受理 is rejected whole, below
    flag(before, "before_acceptance")
    after = (codes != RESULT) & (seconds > result_at[case])
    flag(after, "after_result")
    used = ~before & ~after & ((codes != RESULT) | (seconds == result_at[case]))
    accepted_at = np.full(n_cases, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(accepted_at, case[used & accepting], seconds[used & accepting])
    has_acceptance = accepted_at != np.iinfo(np.int64).min
    any_acceptance = np.zeros(n_cases, dtype=bool)
    any_acceptance[case[accepting]] = True
    no_acceptance = ~any_acceptance
    result_first = ~has_acceptance & any_acceptance
    flag(no_acceptance[case], "no_acceptance")
    flag(result_first[case], "result_before_acceptance")
    kept_case = has_acceptance
    used &= kept_case[case]

    # 特别程序: within a case (and a kind, when named) an end closes the start just before it
    pausing = used & ((codes == PAUSE_START) | (codes == PAUSE_END))
    p_idx = np.flatnonzero(pausing)
    kinds = np.unique(procedure[p_idx], return_inverse=True)[1].reshape(-1) if len(p_idx) else np.zeros(0, np.int64)
    group = case[p_idx].astype(np.int64) * (int(kinds.max()) + 1 if len(kinds) else 1) + kinds
    in_order = np.lexsort((p_idx, group))       # p_idx is already by case and time: stable within a group
    p_idx, group = p_idx[in_order], group[in_order]
    is_start = codes[p_idx] == PAUSE_START
    same_as_next = np.concatenate((group[1:] == group[:-1], [False]))
    next_is_end = np.concatenate((~is_start[1:], [False])) & same_as_next
    prev_is_start = np.concatenate(([False], is_start[:-1] & (group[1:] == group[:-1])))
    paired = is_start & next_is_end
    still_open = is_start & ~same_as_next
    completed_case = result_at[case[p_idx]] != _NEVER
    flag(p_idx[~is_start & ~prev_is_start], "end_without_start")
    flag(p_idx[is_start & same_as_next & ~next_is_end], "start_without_end")
    flag(p_idx[still_open & completed_case], "pause_not_ended")

    counted = paired | (still_open & ~completed_case)
    starts = p_idx[counted]
    ends = np.where(paired, np.concatenate((p_idx[1:], [-1])), -1)[counted]
    renumber = np.cumsum(kept_case) - 1
    pause_case = renumber[case[starts]]
    pause_end = np.where(ends >= 0, seconds[np.maximum(ends, 0)], np.iinfo(np.int64).min)
    pauses = PauseIntervals(pause_case.astype(np.intp), seconds[starts].astype("datetime64[s]"),
                            np.where(ends >= 0, pause_end.astype("datetime64[s]"), _NAT))
    completed = np.where(result_at == _NEVER, _NAT, result_at.astype("datetime64[s]"))
    return _Assembled(names[kept_case].astype(str), accepted_at[kept_case].astype("datetime64[s]"),
                      completed[kept_case], pauses)
