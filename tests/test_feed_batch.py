"""A feed's per-case commitments evaluated in one batch give exactly the verdicts `evaluate` gives
commitment by commitment, field by field: on the shipped catalogue over the demo data, and on a
synthetic feed of many distinct series (units, limits, comparisons, aggregates, windows, suspended
time, open cases, empty and stale series, settled deadlines, provisional holidays, errors)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import numpy as np
import pytest

from monitor import feed_batch
from monitor.calendar import WorkCalendar
from monitor.evaluate import data_wanted, evaluate
from monitor.observations import MeasureData
from tests.synthetic_case_feed import data_of, distinct_feed
from tests.test_shared_verdicts import _stored_demo

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
NEXT_YEAR = datetime(2027, 1, 20, 9, 30, tzinfo=UTC)   # past the packaged notices: provisional days


def _counting_fallbacks(monkeypatch) -> list[str]:
    calls: list[str] = []
    alone = evaluate

    def counting(c, *args):
        calls.append(c.id)
        return alone(c, *args)
    monkeypatch.setattr(feed_batch, "evaluate", counting)
    return calls


def _differences(alone, batched) -> list[str]:
    found = []
    for a, b in zip(alone, batched, strict=True):
        for field in dataclasses.fields(a):
            x, y = getattr(a, field.name), getattr(b, field.name)
            if x != y or type(x) is not type(y):
                found.append(f"{a.commitment}.{field.name}: {x!r} != {y!r}"[:400])
    return found


def test_the_shipped_catalogue_on_the_demo_data_gets_the_verdicts_evaluate_gives(shipped_on_demo, tmp_path,
                                                                                 monkeypatch):
    calendar = WorkCalendar.from_spec(shipped_on_demo.calendar)
    store = _stored_demo(shipped_on_demo, calendar, tmp_path)
    commitments = shipped_on_demo.evaluated_commitments("demo")
    wanted = {c.id: data_wanted(c, NOW, calendar) for c in commitments}
    data = store.feed_data("demo", wanted.values(), shipped_on_demo.feeds["demo"].accumulates_cases)
    pairs = [(c, data[wanted[c.id]]) for c in commitments]
    alone = [evaluate(c, d, NOW, calendar) for c, d in pairs]
    fallbacks = _counting_fallbacks(monkeypatch)
    batched = feed_batch.evaluate_all(pairs, NOW, calendar)
    assert _differences(alone, batched) == []
    per_case = {c.id for c, d in pairs if c.kind == "case_duration" and d.cases is not None and len(d.cases)}
    assert len(per_case) >= 30 and not per_case & set(fallbacks)     # the batch judged every one of them
    assert any(e.offending_cases for e in batched if e.commitment in per_case)


@pytest.mark.parametrize(("now", "rows_per_pass"), [(NOW, feed_batch.BATCH_ROWS), (NEXT_YEAR, 5000)])
def test_a_feed_of_distinct_series_gets_the_verdicts_evaluate_gives(shipped_catalogue, now, rows_per_pass,
                                                                   monkeypatch):
    calendar = WorkCalendar.from_spec(shipped_catalogue.calendar)
    monkeypatch.setattr(feed_batch, "BATCH_ROWS", rows_per_pass)    # 5000: the feed in a dozen passes
    commitments, data = distinct_feed(shipped_catalogue, 600, now)
    # comparisons the synthetic feed does not otherwise use, and a unit the batch leaves to evaluate
    commitments = [dataclasses.replace(c, op="range", value_max=c.value * 3) if k % 29 == 1 else
                   dataclasses.replace(c, op="==") if k % 31 == 2 else
                   dataclasses.replace(c, unit="个月", value=1.0) if k % 47 == 3 else c
                   for k, c in enumerate(commitments)]
    pairs = [(c, data_of(data)(c)) for c in commitments]
    alone = [evaluate(c, d, now, calendar) for c, d in pairs]
    fallbacks = _counting_fallbacks(monkeypatch)
    batched = feed_batch.evaluate_all(pairs, now, calendar)
    assert _differences(alone, batched) == []
    statuses = {e.status for e in alone}
    assert statuses >= {"met", "missed", "at_risk", "no_data", "error"}
    provisional = sum(e.provisional for e in alone)     # in 2026, periods that end in 2027
    assert 0 < provisional and (provisional > len(alone) / 2) == (now == NEXT_YEAR)
    assert any(e.paused_cases for e in alone) and any(e.settled_on for e in alone)
    assert any(e.overdue_case_ids for e in alone) and sum(len(e.offending_cases) for e in alone) > 1000
    assert {e.case_counts.window_days for e in alone if e.case_counts} == {30, 90, 365}
    assert len(fallbacks) < len(commitments) / 4      # no data, stale data, months, and the unit errors


def test_more_late_cases_than_a_verdict_keeps_and_a_case_outside_the_calendar(shipped_catalogue):
    calendar = WorkCalendar.from_spec(shipped_catalogue.calendar)
    commitments, data = distinct_feed(shipped_catalogue, 10, NOW, cases=2500, variety=False)
    early = commitments[0]    # a working-day limit: its series has a case from before the calendar begins
    cases = data[early.measure.series].cases
    assert cases is not None
    submitted = cases.submitted.copy()
    completed = cases.completed.copy()
    submitted[0], completed[0] = np.datetime64("2003-06-02T10:00:00"), np.datetime64("NaT")   # still open
    data[early.measure.series] = MeasureData(cases=dataclasses.replace(cases, submitted=submitted, completed=completed))
    pairs = [(c, data[c.measure.series]) for c in commitments]
    alone = [evaluate(c, d, NOW, calendar) for c, d in pairs]
    assert _differences(alone, feed_batch.evaluate_all(pairs, NOW, calendar)) == []
    assert alone[0].status == "error" and "2003-06-02" in alone[0].reason
    assert max(e.offending_total or 0 for e in alone) > 500 and max(len(e.offending_cases) for e in alone) == 500


def test_the_synthetic_feed_gives_each_commitment_a_series_of_its_own(shipped_catalogue):
    commitments, data = distinct_feed(shipped_catalogue, 20, NOW, seed=3)
    assert len({c.measure.series for c in commitments}) == 20 and set(data) <= {c.measure.series for c in commitments}
