"""Cases assembled from their events (collectors/case_events.py): hand-made sequences, and the
vectorised assembly against a plain case-by-case reading of random event lists."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.series import Table, extract_table
from tests.collectors.helpers import NOW, TZ, feed

T = np.datetime64
KINDS = ("受理", "补交受理", "特别程序开始", "特别程序结束", "审批结果")


def assemble(rows, procedure=True):
    events = {"kind": "k", "time": "t"} | ({"procedure": "p"} if procedure else {})
    spec = feed(kind="http_csv", url="http://x",
                series=[{"name": "s", "type": "cases", "id_field": "id", "events": events}])
    table = Table({"id": [r[0] for r in rows], "k": [r[1] for r in rows], "t": [r[2] for r in rows],
                   "p": [r[3] if len(r) > 3 else "" for r in rows]}, len(rows))
    out = extract_table(spec.series, table, NOW, TZ, keep_problems=True)
    return out.cases[0], out


def test_a_start_followed_by_another_start_is_flagged_and_the_later_one_pairs_with_the_end():
    case, out = assemble([("A", "受理", "2024-06-03 09:00"), ("A", "特别程序开始", "2024-06-04 09:00"),
                          ("A", "特别程序开始", "2024-06-05 09:00"), ("A", "特别程序结束", "2024-06-06 09:00"),
                          ("A", "审批结果", "2024-06-07 09:00")], procedure=False)
    assert (case.pauses.start[0], case.pauses.end[0]) == (T("2024-06-05T09:00"), T("2024-06-06T09:00"))
    assert out.rejected == {"start_without_end": 1} and out.problems[0].row == 1


def test_pauses_of_different_kinds_may_overlap_when_the_feed_names_the_kinds():
    case, out = assemble([("A", "受理", "2024-06-03 09:00"), ("A", "特别程序开始", "2024-06-04 09:00", "听证"),
                          ("A", "特别程序开始", "2024-06-05 09:00", "检验检测"), ("A", "特别程序结束", "2024-06-06 09:00", "听证"),
                          ("A", "特别程序结束", "2024-06-07 09:00", "检验检测")])
    assert out.rejected == {}
    assert sorted(zip(case.pauses.start, case.pauses.end)) == [(T("2024-06-04T09:00"), T("2024-06-06T09:00")),
                                                               (T("2024-06-05T09:00"), T("2024-06-07T09:00"))]


def test_a_completed_case_whose_pause_never_ended_gets_no_suspended_time_and_is_reported():
    case, out = assemble([("A", "受理", "2024-06-03 09:00"), ("A", "特别程序开始", "2024-06-04 09:00"),
                          ("A", "审批结果", "2024-06-07 09:00"), ("A", "审批结果", "2024-06-08 09:00")])
    assert len(case.pauses) == 0 and case.completed[0] == T("2024-06-07T09:00")
    assert out.rejected == {"pause_not_ended": 1, "repeated_result": 1}


def test_a_case_decided_at_the_moment_of_acceptance_is_complete_not_out_of_order():
    case, out = assemble([("A", "审批结果", "2024-06-03 09:00"), ("A", "受理", "2024-06-03 09:00")])
    assert out.rejected == {} and (case.submitted[0], case.completed[0]) == (T("2024-06-03T09:00"), T("2024-06-03T09:00"))


def test_unreadable_times_and_missing_ids_are_rejected_by_row_and_other_kinds_skipped():
    case, out = assemble([("A", "受理", "2024-06-03 09:00"), ("A", "审批结果", "昨天"), ("", "受理", "2024-06-03 09:00"),
                          ("A", "承办", "2024-06-04 09:00")])
    assert out.rejected == {"unparseable_time": 1, "missing_id": 1} and out.skipped == {"other_event": 1}
    assert np.isnat(case.completed[0])
    assert [(p.row, p.column, p.value) for p in out.problems][0] == (1, "t", "昨天")


def _plain(rows):
    """Each case read on its own, event by event, as the module's docstring says."""
    flags: dict[int, str] = {}
    cases: dict[str, tuple[datetime, datetime | None, list[tuple[datetime, datetime | None]]]] = {}
    by_case: dict[str, list[tuple[datetime, int, str, str]]] = {}
    for i, (cid, kind, at, proc) in enumerate(rows):
        by_case.setdefault(cid, []).append((at, i, kind, proc))

    def flag(i, reason):
        flags.setdefault(i, reason)
    for cid, events in by_case.items():
        events.sort()
        accepted_first = min((t for t, _, k, _ in events if k == "受理"), default=None)
        result = min((t for t, _, k, _ in events if k == "审批结果"), default=None)
        for t, i, k, _ in events:
            if k == "审批结果" and result is not None and t > result:   # result: the first of these
                flag(i, "repeated_result")
        for t, i, k, _ in events:
            if k not in ("受理", "审批结果") and accepted_first is not None and t < accepted_first:
                flag(i, "before_acceptance")
        for t, i, k, _ in events:
            if k != "审批结果" and result is not None and t > result:
                flag(i, "after_result")
        used = [(t, i, k, p) for t, i, k, p in events if i not in flags]
        accepting = [t for t, _, k, _ in used if k in ("受理", "补交受理")]
        if not accepting:
            reason = "result_before_acceptance" if any(k in ("受理", "补交受理") for _, _, k, _ in events) else "no_acceptance"
            for _, i, _, _ in events:
                flag(i, reason)
            continue
        pauses: list[tuple[datetime, datetime | None]] = []
        for proc in sorted({p for _, _, k, p in used if k.startswith("特别程序")}):
            seq = [(t, i, k) for t, i, k, p in used if k.startswith("特别程序") and p == proc]
            for n, (t, i, k) in enumerate(seq):
                after = seq[n + 1][2] if n + 1 < len(seq) else None
                before = seq[n - 1][2] if n else None
                if k == "特别程序开始":
                    if after == "特别程序结束":
                        pauses.append((t, seq[n + 1][0]))
                    elif after == "特别程序开始":
                        flag(i, "start_without_end")
                    elif result is not None:
                        flag(i, "pause_not_ended")
                    else:
                        pauses.append((t, None))
                elif before != "特别程序开始":
                    flag(i, "end_without_start")
        cases[cid] = (max(accepting), result, sorted(pauses))
    counts: dict[str, int] = {}
    for reason in flags.values():
        counts[reason] = counts.get(reason, 0) + 1
    return cases, counts


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ABCD"), st.sampled_from(KINDS), st.sampled_from(["", "听证", "检测"])),
                max_size=24), st.randoms(use_true_random=False))
def test_assembly_agrees_with_reading_each_case_on_its_own(events, rng: random.Random):
    start = datetime(2024, 6, 3, 9)
    rows = [(cid, kind, start + timedelta(hours=7 * n), proc) for n, (cid, kind, proc) in enumerate(events)]
    rng.shuffle(rows)     # the feed's order is not the events' order
    case, out = assemble([(c, k, t.isoformat(sep=" "), p) for c, k, t, p in rows])
    expected, counts = _plain(rows)
    assert out.rejected == counts
    got = {}
    for n, cid in enumerate(case.ids):
        mine = sorted((s.astype(datetime), None if np.isnat(e) else e.astype(datetime))
                      for c, s, e in zip(case.pauses.case, case.pauses.start, case.pauses.end) if c == n)
        got[str(cid)] = (case.submitted[n].astype(datetime), None if np.isnat(case.completed[n]) else
                         case.completed[n].astype(datetime), mine)
    assert got == expected
