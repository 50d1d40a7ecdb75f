"""The evaluator, kind by kind and status by status, on commitments loaded through the real loader."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import yaml

from monitor.calendar import WorkCalendar
from monitor.evaluate import Evaluation, evaluate
from monitor.loader import ConfigError, load_catalogue
from monitor.model import Commitment, build_catalogue
from monitor.observations import CaseRecords, MeasureData, ValuePoint
from monitor.spec import CatalogueSpec

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 6, 7, 18, 0, tzinfo=SH)      # a Friday; 2024-06-10 is the Dragon Boat holiday
FRESH = NOW - timedelta(hours=1)

# The document, agency, feed and calendar every test commitment hangs from. The seed file is
# written with the commitment's quote.
HEADER = """\
version: 1
calendar:
  office_hours:
    重庆市渝中区: ["08:30-12:00", "14:00-17:00"]
documents:
  - id: doc2024
    source: seed.txt
    title: 渝中区2024年优化营商环境实施方案
    jurisdiction: 重庆市渝中区
    issuer: 重庆市渝中区人民政府办公室
    issued: 2024-03-01
    period: {start: 2024-01-01, end: 2024-12-31}
agencies:
  - id: doc2024.market
    name: 区市场监管局
    jurisdiction: 重庆市渝中区
feeds:
  - id: demo
    kind: demo
    max_age: 2d
"""


def commitment_fields(**fields: Any) -> dict[str, Any]:
    base = {"id": "doc2024.promise", "document": "doc2024", "clause": "（一）1.", "quote": "承诺",
            "measured": {"zh": "办理时间", "en": "processing time"}, "agency": "doc2024.market"}
    merged = base | fields
    if isinstance(merged.get("measure"), dict):   # every test commitment reads the demo feed
        merged["measure"] = {"feed": "demo"} | merged["measure"]
    else:
        merged.setdefault("measure", {"feed": "demo"})
    return merged


def load_commitment(tmp_path: Path, **fields: Any) -> Commitment:
    """Write targets.yaml with one commitment and load it with the real loader."""
    body = yaml.safe_dump({"commitments": [commitment_fields(**fields)]}, allow_unicode=True, sort_keys=False)
    path = tmp_path / "targets.yaml"
    path.write_text(HEADER + body, encoding="utf-8")
    (tmp_path / "seeds").mkdir(exist_ok=True)
    (tmp_path / "seeds" / "seed.txt").write_text(commitment_fields(**fields)["quote"], encoding="utf-8")
    return load_catalogue(path).commitments["doc2024.promise"]


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    spec = CatalogueSpec.model_validate(yaml.safe_load(HEADER)).calendar
    return WorkCalendar.from_spec(spec)


# -- data builders ---------------------------------------------------------------------------

# Working days after Monday 2024-05-20 (no holiday between 2024-05-06 and 2024-06-09).
COMPLETED_AFTER_WORKING_DAYS = {
    1: "2024-05-21", 2: "2024-05-22", 3: "2024-05-23", 4: "2024-05-24", 5: "2024-05-27",
    6: "2024-05-28", 7: "2024-05-29", 8: "2024-05-30", 9: "2024-05-31", 10: "2024-06-03",
}


def cases(pairs: list[tuple[str, str | None]], data_time: datetime = FRESH) -> MeasureData:
    submitted = np.array([s for s, _ in pairs], dtype="datetime64[s]")
    completed = np.array([c if c is not None else "NaT" for _, c in pairs], dtype="datetime64[s]")
    return MeasureData(cases=CaseRecords("series", data_time, submitted, completed))


def cases_taking(working_days: list[int]) -> MeasureData:
    """Cases submitted Monday 2024-05-20 09:00 and completed the given number of working days later."""
    return cases([("2024-05-20T09:00", COMPLETED_AFTER_WORKING_DAYS[d] + "T16:00") for d in working_days])


ONE_TO_TEN = cases_taking(list(range(1, 11)))   # share <= 8: 80%, mean 5.5, max 10, p90 9.1


def values(*points: tuple[datetime, float]) -> MeasureData:
    return MeasureData(values=tuple(ValuePoint("series", t, v) for t, v in points))


def on(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SH)


def latest(value: float, at: datetime = FRESH) -> MeasureData:
    """A series whose newest point, at `at`, is `value` (an older point must be ignored)."""
    return values((at - timedelta(days=1), -999.0), (at, value))


@dataclass(frozen=True)
class Case:
    fields: dict[str, Any]
    data: MeasureData
    status: str
    actual: float | None = None
    target: float | None = None
    margin: float | None = None
    expected: float | None = None
    cases: int | None = None
    reason: tuple[str, ...] = ()
    now: datetime = NOW
    extra: dict[str, Any] = field(default_factory=dict)


def check(evaluation: Evaluation, case: Case) -> None:
    assert evaluation.status == case.status, evaluation.reason
    for name in ("actual", "target", "margin", "expected"):
        want = getattr(case, name)
        if want is not None:
            assert getattr(evaluation, name) == pytest.approx(want, abs=1e-9), name
    if case.cases is not None:
        assert evaluation.cases == case.cases
    for words in case.reason:
        assert words in evaluation.reason
    for name, want in case.extra.items():
        assert getattr(evaluation, name) == want, name


def run(tmp_path: Path, calendar: WorkCalendar, case: Case) -> Evaluation:
    evaluation = evaluate(load_commitment(tmp_path, **case.fields), case.data, case.now, calendar)
    check(evaluation, case)
    return evaluation


def measure(**fields: Any) -> dict[str, Any]:
    return {"feed": "demo", "series": "series"} | fields


# -- case_duration -----------------------------------------------------------------------------

DAYS = {"kind": "case_duration", "unit": "个工作日"}

CASE_DURATION = {
    "share_within_exactly_at_min_share_is_met_with_no_warn_band": Case(
        DAYS | {"op": "<=", "value": 8, "measure": measure(aggregate="share_within", min_share=80)},
        ONE_TO_TEN, "met", actual=80, target=80, margin=0, cases=10,
        reason=("80.0% of 10 cases took <= 8 个工作日", "keeps the promise")),
    "share_within_above_min_share_is_met": Case(
        DAYS | {"op": "<=", "value": 9, "measure": measure(aggregate="share_within", min_share=80, warn_margin=0)},
        ONE_TO_TEN, "met", actual=90, target=80, margin=10, cases=10, reason=("90.0% of 10 cases",)),
    "share_within_below_min_share_of_standing_duty_is_missed": Case(
        DAYS | {"op": "<=", "value": 5, "measure": measure(aggregate="share_within")},
        ONE_TO_TEN, "missed", actual=50, target=100, margin=-50, reason=("breaks the promise (>= 100 %)",)),
    "share_within_a_range_counts_cases_inside_it": Case(
        DAYS | {"op": "range", "value": 3, "value_max": 6,
                "measure": measure(aggregate="share_within", min_share=40, warn_margin=0)},
        ONE_TO_TEN, "met", actual=40, target=40, margin=0, reason=("took range 3-6 个工作日",)),
    "share_within_strict_limit_excludes_cases_at_the_limit": Case(
        DAYS | {"op": "<", "value": 8, "measure": measure(aggregate="share_within", min_share=70, warn_margin=0)},
        ONE_TO_TEN, "met", actual=70, margin=0),
    "mean_under_limit_is_met": Case(
        DAYS | {"op": "<=", "value": 6, "measure": measure(aggregate="mean")},
        ONE_TO_TEN, "met", actual=5.5, target=6, margin=0.5, cases=10,
        reason=("the mean duration of 10 cases, 5.5 个工作日,", "keeps the promise (<= 6 个工作日)")),
    "mean_close_to_limit_is_at_risk": Case(
        DAYS | {"op": "<=", "value": 5.6, "measure": measure(aggregate="mean", warn_margin=0.5)},
        ONE_TO_TEN, "at_risk", actual=5.5, margin=0.1, reason=("by only 0.1",)),
    "mean_in_range_is_met": Case(
        DAYS | {"op": "range", "value": 5, "value_max": 6, "measure": measure(aggregate="mean", warn_margin=0)},
        ONE_TO_TEN, "met", actual=5.5, margin=0.5),
    "max_at_limit_is_met": Case(
        DAYS | {"op": "<=", "value": 10, "measure": measure(aggregate="max", warn_margin=0)},
        ONE_TO_TEN, "met", actual=10, margin=0),
    "max_over_limit_is_missed": Case(
        DAYS | {"op": "<=", "value": 9, "measure": measure(aggregate="max")},
        ONE_TO_TEN, "missed", actual=10, margin=-1, reason=("breaks the promise (<= 9 个工作日)",)),
    "p90_is_interpolated_and_met": Case(
        DAYS | {"op": "<=", "value": 9.5, "measure": measure(aggregate="p90", warn_margin=0)},
        ONE_TO_TEN, "met", actual=9.1, margin=0.4, reason=("the p90 duration of 10 cases, 9.1 个工作日",)),
    "p90_over_limit_is_missed": Case(
        DAYS | {"op": "<=", "value": 9, "measure": measure(aggregate="p90")},
        ONE_TO_TEN, "missed", actual=9.1),
    "not_kept_before_deadline_is_at_risk": Case(
        DAYS | {"op": "<=", "value": 3, "deadline": "2024-12-31", "measure": measure(aggregate="max")},
        ONE_TO_TEN, "at_risk", actual=10, margin=-7, reason=("does not yet keep", "deadline 2024-12-31")),
    "not_kept_after_deadline_is_missed": Case(
        DAYS | {"op": "<=", "value": 3, "deadline": "2024-05-31", "measure": measure(aggregate="max")},
        # judged as of 2024-05-31: the case done on 06-03 was then open for 9 working days
        ONE_TO_TEN, "missed", actual=9, reason=("deadline 2024-05-31 has passed",), extra={"overdue_open": 1}),
    "holiday_and_weekend_are_not_counted": Case(
        DAYS | {"op": "<=", "value": 1, "measure": measure(aggregate="max", warn_margin=0)},
        # Friday 06-07 -> Tuesday 06-11 over a weekend and the Dragon Boat holiday (06-10)
        cases([("2024-06-07T10:00", "2024-06-11T10:00")], datetime(2024, 6, 11, 11, tzinfo=SH)), "met", actual=1,
        now=datetime(2024, 6, 11, 12, tzinfo=SH)),
    "open_case_past_its_limit_is_late_and_cases_outside_the_window_are_left_out": Case(
        DAYS | {"op": "<=", "value": 2, "measure": measure(aggregate="max", window="30d")},
        cases([("2024-05-20T09:00", "2024-05-22T10:00"), ("2024-05-20T09:00", None),
               ("2024-01-02T09:00", "2024-01-31T10:00"), ("2024-06-07T09:00", "2024-06-11T10:00")]),
        "missed", actual=14, cases=2, reason=("1 case(s) still open past the limit",), extra={"overdue_open": 1}),
    "open_case_within_its_limit_is_not_counted": Case(
        DAYS | {"op": "<=", "value": 2, "measure": measure(aggregate="max", window="30d")},
        cases([("2024-05-20T09:00", "2024-05-22T10:00"), ("2024-06-05T09:00", None)]),
        "met", actual=2, cases=1, extra={"overdue_open": 0}),
    "working_hours_use_the_jurisdictions_office_hours": Case(
        # Monday 09:00 -> Tuesday 10:00 under 08:30-12:00 and 14:00-17:00: 3 + 3 + 1.5 hours
        {"kind": "case_duration", "unit": "个工作小时", "op": "<=", "value": 8,
         "measure": measure(aggregate="mean", warn_margin=0)},
        cases([("2024-05-20T09:00", "2024-05-21T10:00")]), "met", actual=7.5, margin=0.5),
    "calendar_hours_ignore_the_calendar": Case(
        {"kind": "case_duration", "unit": "小时", "op": "<=", "value": 72,
         "measure": measure(aggregate="max", warn_margin=0)},
        cases([("2024-06-07T10:00", "2024-06-09T22:00")], datetime(2024, 6, 10, 8, tzinfo=SH)), "met", actual=60, margin=12,
        now=datetime(2024, 6, 10, 9, tzinfo=SH)),
    "natural_days_count_local_dates": Case(
        {"kind": "case_duration", "unit": "天", "op": "<=", "value": 3, "measure": measure(aggregate="mean")},
        cases([("2024-06-07T10:00", "2024-06-09T22:00"), ("2024-06-07T10:00", "2024-06-08T10:00")],
              datetime(2024, 6, 10, 8, tzinfo=SH)),
        "met", actual=1.5, margin=1.5, now=datetime(2024, 6, 10, 9, tzinfo=SH)),
}


@pytest.mark.parametrize("case", CASE_DURATION.values(), ids=CASE_DURATION.keys())
def test_case_duration(tmp_path, calendar, case):
    run(tmp_path, calendar, case)


def test_share_within_counts_exactly_57_of_100_cases_as_57_percent(tmp_path, calendar):
    # 57/100*100 is 56.99999999999999 in floating point: a share exactly at min_share must be kept
    data = cases_taking([1] * 57 + [10] * 43)
    case = Case(DAYS | {"op": "<=", "value": 1, "measure": measure(aggregate="share_within", min_share=57,
                                                                     warn_margin=0)},
                data, "met", actual=57, margin=0, cases=100)
    evaluation = run(tmp_path, calendar, case)
    assert evaluation.actual == 57.0


# -- share and value ---------------------------------------------------------------------------

LATEST_VALUE = {
    "share_floor_above_target_is_met_using_the_latest_point": Case(
        {"kind": "share", "op": ">=", "value": 90, "unit": "%"}, latest(96), "met", actual=96, target=90,
        margin=6, reason=("the latest value, 96 %,", "keeps the promise (>= 90 %)")),
    "share_floor_just_above_target_is_met_with_no_warn_band": Case(
        {"kind": "share", "op": ">=", "value": 90, "unit": "%"}, latest(92), "met", margin=2),
    "share_floor_within_an_opted_in_warn_margin_is_at_risk": Case(
        {"kind": "share", "op": ">=", "value": 90, "unit": "%", "measure": measure(warn_margin=5)}, latest(92),
        "at_risk", margin=2, reason=("by only 2",)),
    "full_coverage_reached_exactly_is_met_not_at_risk": Case(
        {"kind": "share", "op": ">=", "value": 100, "unit": "%"}, latest(100), "met", margin=0),
    "share_floor_short_before_deadline_is_at_risk": Case(
        {"kind": "share", "op": ">=", "value": 90, "unit": "%", "deadline": "2024-12-31"}, latest(80),
        "at_risk", margin=-10, reason=("does not yet keep the promise (>= 90 %); deadline 2024-12-31",)),
    "share_floor_short_after_deadline_is_missed": Case(
        {"kind": "share", "op": ">=", "value": 90, "unit": "%", "deadline": "2024-05-31"}, latest(80, on("2024-05-31")),
        "missed", margin=-10, reason=("breaks the promise", "deadline 2024-05-31 has passed")),
    "share_cap_below_target_is_met": Case(
        {"kind": "share", "op": "<=", "value": 5, "unit": "%"}, latest(3), "met", margin=2),
    "share_cap_exceeded_is_missed": Case(
        {"kind": "share", "op": "<", "value": 5, "unit": "%"}, latest(5), "missed", margin=0),
    "value_floor_reached_is_met": Case(
        {"kind": "value", "op": ">=", "value": 1800, "unit": "亿元"}, latest(1900), "met", margin=100),
    "value_floor_short_is_missed": Case(
        {"kind": "value", "op": ">", "value": 1800, "unit": "亿元"}, latest(1700), "missed", margin=-100),
    "value_cap_kept_is_met": Case(
        {"kind": "value", "op": "<=", "value": 20, "unit": "个工作日"}, latest(15), "met", margin=5),
    "value_cap_broken_is_missed": Case(
        {"kind": "value", "op": "<=", "value": 20, "unit": "个工作日"}, latest(21), "missed", margin=-1),
    "value_in_range_is_met": Case(
        {"kind": "value", "op": "range", "value": 6, "value_max": 15, "unit": "个工作日"}, latest(10),
        "met", margin=4, reason=("range 6-15 个工作日",)),
    "value_near_range_edge_is_met_with_no_warn_band": Case(
        {"kind": "value", "op": "range", "value": 6, "value_max": 15, "unit": "个工作日"}, latest(14.9),
        "met", margin=0.1),
    "value_outside_range_is_missed": Case(
        {"kind": "value", "op": "range", "value": 6, "value_max": 15, "unit": "个工作日"}, latest(16),
        "missed", margin=-1),
    "value_equal_to_zero_is_met": Case(
        {"kind": "value", "op": "==", "value": 0, "unit": "个工作日"}, latest(0), "met", margin=0),
    "value_not_equal_is_missed": Case(
        {"kind": "value", "op": "==", "value": 0, "unit": "个工作日"}, latest(0.5), "missed", margin=-0.5),
    "value_equal_within_float_rounding_is_met": Case(
        {"kind": "value", "op": "==", "value": 0.3, "unit": "%"}, latest(0.1 + 0.2), "met", margin=0),
}


@pytest.mark.parametrize("case", LATEST_VALUE.values(), ids=LATEST_VALUE.keys())
def test_share_and_value(tmp_path, calendar, case):
    run(tmp_path, calendar, case)


# -- cumulative --------------------------------------------------------------------------------

TEN_FIRMS = {"kind": "cumulative", "op": ">=", "value": 10, "unit": "家", "start": "2024-01-01",
             "deadline": "2024-12-31", "measure": measure()}
MID_YEAR = datetime(2024, 7, 1, 12, tzinfo=SH)       # 182.5 of 366 days into the year
PACE = 10 * 182 / 366                                # whole days: Jan 1 to Jun 30 have elapsed
SUM = TEN_FIRMS | {"measure": measure(aggregate="sum")}


CUMULATIVE = {
    "running_total_ahead_of_pace_is_on_track": Case(
        TEN_FIRMS, values((on("2024-07-01", 9), 6)), "on_track", actual=6, target=10, margin=-4, expected=PACE,
        now=MID_YEAR, reason=("on pace, not yet reached (expected 4.973 by now, target 10 by 2024-12-31)",)),
    "running_total_behind_pace_before_deadline_is_at_risk": Case(
        TEN_FIRMS, values((on("2024-07-01", 9), 3)), "at_risk", actual=3, margin=-7, expected=PACE,
        now=MID_YEAR, reason=("behind pace: expected 4.973 by now for 10 by 2024-12-31",)),
    "running_total_reached_is_met": Case(
        TEN_FIRMS, values((on("2024-07-01", 9), 10)), "met", actual=10, margin=0, now=MID_YEAR,
        reason=("keeps the target (>= 10)",)),
    "short_after_deadline_is_missed_with_the_total_at_the_deadline": Case(
        # the total reported after the deadline (9) does not count for the 2024 promise
        TEN_FIRMS, values((on("2024-12-31"), 8), (on("2025-01-09"), 9)), "missed", actual=8, margin=-2,
        expected=10, now=on("2025-01-10"), reason=("fell short of >= 10 by the deadline 2024-12-31",)),
    "sum_adds_increments_since_start": Case(
        SUM, values((on("2023-12-30"), 5), (on("2024-02-01"), 2), (on("2024-04-01"), 3), (on("2024-07-01", 9), 1)),
        "on_track", actual=6, margin=-4, expected=PACE, now=MID_YEAR),
    "sum_behind_pace_is_at_risk": Case(
        SUM, values((on("2024-02-01"), 1), (on("2024-07-01", 9), 1)), "at_risk", actual=2, now=MID_YEAR),
    "sum_after_deadline_leaves_out_later_increments": Case(
        SUM, values((on("2024-03-01"), 4), (on("2024-12-31"), 5), (on("2025-01-09"), 7)), "missed",
        actual=9, now=on("2025-01-10")),
    "verdict_after_the_deadline_stands_when_the_feed_has_gone_quiet": Case(
        TEN_FIRMS, values((on("2024-12-31"), 8)), "missed", actual=8, now=on("2025-03-01"),
        reason=("fell short of >= 10 by the deadline 2024-12-31",)),
    "sum_with_no_increment_since_start_is_no_data": Case(
        SUM, values((on("2023-12-30"), 5)), "no_data", now=on("2024-01-01"),
        reason=("no increments since 2024-01-01",)),
}


@pytest.mark.parametrize("case", CUMULATIVE.values(), ids=CUMULATIVE.keys())
def test_cumulative(tmp_path, calendar, case):
    run(tmp_path, calendar, case)


def test_cumulative_day_boundaries_are_local_time_when_data_times_are_utc(tmp_path, calendar):
    # The store hands back data times in UTC. An increment dated local midnight on the start day
    # (2023-12-31T16:00Z) belongs to the count; one dated local midnight the day after the
    # deadline (2024-12-31T16:00Z) does not.
    utc = UTC
    first_day = datetime(2024, 1, 1, tzinfo=SH).astimezone(utc)
    after_deadline = datetime(2025, 1, 1, tzinfo=SH).astimezone(utc)
    data = values((first_day, 4), (datetime(2024, 6, 1, tzinfo=utc), 3), (after_deadline, 5))
    commitment = load_commitment(tmp_path, **SUM)
    evaluation = evaluate(commitment, data, datetime(2025, 1, 2, tzinfo=utc), calendar)
    assert (evaluation.status, evaluation.actual) == ("missed", 7)


# -- reduction ---------------------------------------------------------------------------------

REDUCTION = {
    "percent_reduction_from_baseline_reached_is_met": Case(
        {"kind": "reduction", "op": ">=", "value": 60, "unit": "%", "baseline": {"value": 45, "unit": "天"},
         "measure": measure(warn_margin=0)},
        latest(18), "met", actual=60, target=60, margin=0,
        reason=("the reduction from the baseline 45 天 to 18, 60 %,",)),
    "percent_reduction_short_of_target_is_missed": Case(
        {"kind": "reduction", "op": ">=", "value": 60, "unit": "%", "baseline": {"value": 45, "unit": "天"}},
        latest(27), "missed", actual=40, margin=-20),
    "percent_reduction_short_before_deadline_is_at_risk": Case(
        {"kind": "reduction", "op": ">=", "value": 60, "unit": "%", "deadline": "2024-12-31",
         "baseline": {"value": 45, "unit": "天"}},
        latest(27), "at_risk", actual=40),
    "percent_reduction_exactly_at_target_is_kept_despite_float_rounding": Case(
        # (100 - 43) / 100 * 100 is 56.99999999999999 in floating point
        {"kind": "reduction", "op": ">=", "value": 57, "unit": "%", "baseline": {"value": 100, "unit": "天"},
         "measure": measure(warn_margin=0)},
        latest(43), "met", actual=57, margin=0),
    "absolute_reduction_in_days_is_met": Case(
        {"kind": "reduction", "op": ">=", "value": 5, "unit": "天", "baseline": {"value": 20, "unit": "天"}},
        latest(14), "met", actual=6, margin=1, reason=("6 天",)),
    "absolute_reduction_short_is_missed": Case(
        {"kind": "reduction", "op": ">=", "value": 5, "unit": "天", "baseline": {"value": 20, "unit": "天"}},
        latest(17), "missed", actual=3, margin=-2),
    "absolute_reduction_converts_the_baseline_unit": Case(
        {"kind": "reduction", "op": ">=", "value": 1, "unit": "天", "baseline": {"value": 72, "unit": "小时"},
         "measure": measure(warn_margin=0)},
        latest(48), "met", actual=1, margin=0),
    "baseline_from_the_feed_on_the_plan_start": Case(
        {"kind": "reduction", "op": ">=", "value": 30, "unit": "%", "baseline": {"date": "2024-01-01"}},
        values((on("2023-12-31"), 40), (on("2024-03-01"), 30), (FRESH, 16)), "met", actual=60, margin=30,
        reason=("the reduction from the feed's value on 2024-01-01 40",)),
    "baseline_from_the_feed_missing_is_no_data": Case(
        {"kind": "reduction", "op": ">=", "value": 30, "unit": "%", "baseline": {"date": "2024-01-01"}},
        values((on("2024-03-01"), 30), (FRESH, 16)), "no_data", reason=("no value on or before the baseline date",)),
    "zero_baseline_for_a_relative_reduction_is_an_error": Case(
        {"kind": "reduction", "op": ">=", "value": 30, "unit": "%", "baseline": {"value": 0, "unit": "天"}},
        latest(0), "error", reason=("non-zero baseline",)),
    "baseline_in_another_dimension_is_an_error": Case(
        {"kind": "reduction", "op": ">=", "value": 5, "unit": "天", "baseline": {"value": 20, "unit": "家"}},
        latest(10), "error", reason=("cannot convert",)),
}


@pytest.mark.parametrize("case", REDUCTION.values(), ids=REDUCTION.keys())
def test_reduction(tmp_path, calendar, case):
    run(tmp_path, calendar, case)


# -- milestone ---------------------------------------------------------------------------------

MILESTONE = {"kind": "milestone", "op": ">=", "value": 100, "unit": "%", "deadline": "2024-10-31"}
BEFORE, AFTER = datetime(2024, 10, 31, 23, tzinfo=SH), datetime(2024, 11, 1, 1, tzinfo=SH)

MILESTONES = {
    "done_before_deadline_is_met": Case(
        MILESTONE, latest(100, BEFORE), "met", actual=100, margin=0, now=BEFORE),
    "done_by_the_deadline_is_settled_met": Case(
        MILESTONE, latest(100, BEFORE), "met", now=AFTER + timedelta(days=60),
        extra={"settled_on": datetime(2024, 10, 31).date()}),
    "done_only_after_the_deadline_is_missed": Case(
        MILESTONE, values((BEFORE, 80), (AFTER, 100)), "missed", actual=80, now=AFTER + timedelta(days=1)),
    "not_done_before_deadline_is_at_risk": Case(
        MILESTONE, latest(60, BEFORE), "at_risk", actual=60, margin=-40, now=BEFORE,
        reason=("does not yet keep the promise (>= 100 %); deadline 2024-10-31",)),
    "not_done_after_deadline_is_missed": Case(
        MILESTONE, latest(60, BEFORE), "missed", margin=-40, now=AFTER,
        reason=("deadline 2024-10-31 has passed",)),
}


@pytest.mark.parametrize("case", MILESTONES.values(), ids=MILESTONES.keys())
def test_milestone(tmp_path, calendar, case):
    run(tmp_path, calendar, case)


def test_deadline_is_judged_in_the_calendars_time_zone(tmp_path, calendar):
    # 2024-10-31T17:00Z is already 2024-11-01 01:00 in Shanghai: the deadline has passed
    now = datetime(2024, 10, 31, 17, tzinfo=UTC)
    data = values((datetime(2024, 10, 31, 15, 59, tzinfo=UTC), 60))
    evaluation = evaluate(load_commitment(tmp_path, **MILESTONE), data, now, calendar)
    assert evaluation.status == "missed"


# -- no_data and error -------------------------------------------------------------------------

MAX_ONE_DAY = DAYS | {"op": "<=", "value": 1, "measure": measure(aggregate="max")}
SHARE = {"kind": "share", "op": ">=", "value": 90, "unit": "%"}

NO_DATA_AND_ERRORS = {
    "no_data_when_the_feed_delivered_nothing": Case(
        SHARE, MeasureData(), "no_data", reason=("no data yet from feed 'demo' (series 'doc2024.promise')",),
        extra={"data_time": None, "actual": None}),
    "no_data_when_the_newest_point_is_older_than_max_age": Case(
        SHARE, values((NOW - timedelta(days=2, seconds=1), 95)), "no_data",
        reason=("2天1秒 old, older than the feed's max_age of 2天",),
        extra={"data_time": NOW - timedelta(days=2, seconds=1), "actual": None}),
    "data_exactly_max_age_old_is_still_used": Case(
        SHARE | {"measure": measure(warn_margin=0)}, values((NOW - timedelta(days=2), 95)), "met", actual=95),
    "no_data_when_stale_case_records": Case(
        MAX_ONE_DAY, cases([("2024-05-20T09:00", "2024-05-21T10:00")], data_time=NOW - timedelta(days=3)),
        "no_data", reason=("older than the feed's max_age",)),
    "no_data_when_no_case_completed_in_the_window": Case(
        MAX_ONE_DAY, cases([("2024-01-02T09:00", "2024-01-03T10:00"), ("2024-06-07T09:00", None)]),
        "no_data", reason=("no case completed in the last 90 days and none open past its limit",)),
    "no_data_when_the_series_has_values_but_no_cases": Case(
        MAX_ONE_DAY, latest(3), "no_data", reason=("no case records in series 'series'",)),
    "no_data_when_the_series_has_cases_but_no_values": Case(
        SHARE, cases([("2024-05-20T09:00", "2024-05-21T10:00")]), "no_data", reason=("no value in the series",)),
    "error_when_a_case_date_is_outside_the_calendar": Case(
        MAX_ONE_DAY | {"measure": measure(aggregate="max", window="10000d")},
        cases([("2003-12-30T09:00", "2004-01-05T10:00")]), "error",
        reason=("2003-12-30 is outside the working-day calendar (2004-01-01 to 2099-12-31)",)),
    "a_year_past_the_published_notices_is_judged_provisionally": Case(
        MAX_ONE_DAY, cases([("2027-01-04T09:00", "2027-01-05T10:00")], data_time=datetime(2027, 1, 6, tzinfo=SH)),
        "met", actual=1, now=datetime(2027, 1, 6, 1, tzinfo=SH), extra={"provisional": True}),
    "error_when_a_case_duration_aggregate_does_not_apply": Case(
        DAYS | {"op": "<=", "value": 1, "measure": measure(aggregate="sum")},
        cases([("2024-05-20T09:00", "2024-05-21T10:00")]), "error", reason=("aggregate 'sum'",)),
}


@pytest.mark.parametrize("case", NO_DATA_AND_ERRORS.values(), ids=NO_DATA_AND_ERRORS.keys())
def test_no_data_and_error(tmp_path, calendar, case):
    evaluation = run(tmp_path, calendar, case)
    if case.status in ("no_data", "error"):
        assert evaluation.commitment == "doc2024.promise" and evaluation.evaluated_at == case.now


def test_case_duration_in_a_non_time_unit_is_an_error(calendar):
    # The loader refuses this commitment, so build it from the spec directly: the evaluator must
    # still say so rather than crash when handed one.
    spec = yaml.safe_load(HEADER) | {"commitments": [commitment_fields(
        kind="case_duration", op="<=", value=5, unit="家", measure=measure(aggregate="max"))]}
    commitment = build_catalogue(CatalogueSpec.model_validate(spec)).commitments["doc2024.promise"]
    evaluation = evaluate(commitment, cases([("2024-05-20T09:00", "2024-05-21T10:00")]), NOW, calendar)
    assert evaluation.status == "error"
    assert "a case_duration needs a time unit, got '家'" in evaluation.reason


def test_loader_refuses_a_case_duration_in_a_non_time_unit(tmp_path):
    with pytest.raises(ConfigError, match="a case_duration needs a time unit"):
        load_commitment(tmp_path, kind="case_duration", op="<=", value=5, unit="家")


def test_calendar_extension_lets_cases_beyond_2026_be_judged(tmp_path):
    extended = WorkCalendar(extra_holidays=[], covered_until=datetime(2027, 12, 31).date())
    now = datetime(2027, 1, 8, 18, tzinfo=SH)
    commitment = load_commitment(tmp_path, **MAX_ONE_DAY | {"measure": measure(aggregate="max", warn_margin=0)})
    data = cases([("2027-01-04T09:00", "2027-01-05T10:00")], data_time=now)   # Monday -> Tuesday
    evaluation = evaluate(commitment, data, now, extended)
    assert (evaluation.status, evaluation.actual) == ("met", 1)


def test_the_data_read_for_a_settled_target_reaches_back_from_its_deadline_not_from_now(tmp_path, calendar):
    from monitor.evaluate import data_needed_since
    now = datetime(2026, 6, 1, tzinfo=SH)
    settled = load_commitment(tmp_path, kind="share", op=">=", value=90, unit="%", deadline="2024-05-31",
                              measure=measure(window="30d"))
    assert data_needed_since(settled, now, calendar) == datetime(2024, 5, 1, 23, 59, 59, 999999, tzinfo=SH)
    held = load_commitment(tmp_path, kind="share", op=">=", value=90, unit="%", deadline="2024-12-31",
                           throughout=True, start="2024-01-01")
    assert data_needed_since(held, now, calendar) == datetime(2024, 1, 1, tzinfo=SH)
    from_feed = load_commitment(tmp_path, kind="reduction", op=">=", value=30, unit="%", baseline={"date": "2024-01-01"})
    assert data_needed_since(from_feed, now, calendar) is None


def test_the_ids_a_verdict_names_are_bounded_however_long_the_feeds_ids(tmp_path, calendar):
    """Issue 20, point 1: 50 open cases with 100,000-character ids added 5 MB to every stored verdict."""
    import json

    from monitor.evaluate import OVERDUE_ID_CHARS, OVERDUE_IDS_CHARS
    from monitor.store import verdict_columns
    c = load_commitment(tmp_path, **(DAYS | {"op": "<=", "value": 2, "measure": measure(aggregate="max", window="30d")}))
    ids = np.array([f"{i:02d}" + "案" * 100_000 for i in range(50)])
    submitted = np.full(50, np.datetime64("2024-05-20T09:00", "s"))
    data = MeasureData(cases=CaseRecords("series", FRESH, submitted, np.full(50, np.datetime64("NaT", "s")), ids))
    verdict = evaluate(c, data, NOW, calendar)
    assert verdict.status == "missed" and verdict.overdue_open == 50   # the count stays complete
    assert verdict.overdue_case_ids[0].startswith("00案") and verdict.overdue_case_ids[0].endswith("…")
    assert all(len(i) <= OVERDUE_ID_CHARS for i in verdict.overdue_case_ids)
    assert sum(len(i) for i in verdict.overdue_case_ids) <= OVERDUE_IDS_CHARS
    assert all(len(k.id or "") <= OVERDUE_ID_CHARS for k in verdict.offending_cases)   # the late cases kept too
    assert len(json.dumps(verdict_columns(verdict), ensure_ascii=False, default=str)) < 60_000
