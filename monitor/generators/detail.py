"""The commitment detail dashboard: one commitment in depth, chosen by document, agency and commitment."""

from __future__ import annotations

from monitor import names
from monitor.generators import panels as p
from monitor.model import Catalogue
from monitor.vocabulary import PRODUCT_NAME

UID = "commitment-detail"
ONE = 'commitment="$commitment"'


def _variables() -> list[p.Json]:
    return [
        p.query_variable("document", "Document 文件", f"label_values({names.METRIC_STATUS}, document)",
                         include_all=True),
        p.query_variable("agency", "Agency 单位",
                         f'label_values({names.METRIC_STATUS}{{document=~"$document"}}, agency)', include_all=True),
        p.query_variable("commitment", "Commitment 承诺",
                         f'label_values({names.METRIC_STATUS}{{document=~"$document", agency=~"$agency"}}, '
                         f'commitment)'),
    ]


def _provenance() -> p.Json:
    rename = {"document_title": "Document 文件", "clause": "Clause 条款", "quote": "Quote 原文",
              "measured": "Measured 指标", "promise": "Promise 承诺", "agency_name": "Lead agency 牵头单位"}
    return p.table("Promise and provenance 承诺原文", [p.target(f"{names.METRIC_INFO}{{{ONE}}}", instant=True,
                                                          table=True)],
                   w=24, h=4, transformations=[p.organize(
                       rename, exclude=("Time", "Value", "__name__", "commitment", "document", "instance", "job"),
                       order=tuple(rename))],
                   overrides=[{"matcher": {"id": "byName", "options": "quote"},
                               "properties": [{"id": "custom.width", "value": 520},
                                              {"id": "custom.cellOptions", "value": {"type": "auto",
                                                                                     "wrapText": True}}]}],
                   description="The exact quote, clause and document of the promise, from targets.yaml.")


def _verdict_tiles(catalogue: Catalogue) -> list[p.Json]:
    status = p.stat("Status 状态", p.status_code_expr(ONE), mappings=p.status_mappings(),
                    steps=p.thresholds((None, "transparent")), text_mode="value",
                    description="The daemon's current verdict.")
    actual = p.stat("Actual 实际", f"{names.METRIC_ACTUAL}{{{ONE}}}", colour_mode="value", decimals=2,
                    legend="{{unit}}", text_mode="value_and_name",
                    description="The actual value in the unit of the target (% for shares within a time limit).")
    target = p.stat("Target 目标", f"{names.METRIC_TARGET}{{{ONE}}}", colour_mode="value", decimals=2,
                    legend="{{unit}}", text_mode="value_and_name",
                    description="The promised value (the lower bound of a range; the minimum share for "
                                "per-case time limits).")
    margin = p.stat("Margin 余量", f"{names.METRIC_MARGIN}{{{ONE}}}", decimals=2,
                    steps=p.thresholds((None, "red"), (0, "green")),
                    description="Distance from breaking the promise, in the target's unit; negative when broken.")
    deadline = p.stat("Deadline 期限", f"{names.METRIC_DEADLINE}{{{ONE}}} * 1000", colour_mode="none",
                      unit="dateTimeAsLocalNoDateIfToday",
                      description=f"End of the deadline day ({catalogue.calendar.timezone}). Standing duties have none.")
    age = p.stat("Data age 数据时效", f"time() - {names.METRIC_DATA_AS_OF}{{{ONE}}}", unit="s", colour_mode="value",
                 steps=p.thresholds((None, "green"), (_longest_max_age(catalogue), "red")),
                 description="Time since the newest data the verdict used; red past the longest feed max_age.")
    return [status, actual, target, margin, deadline, age]


def _longest_max_age(catalogue: Catalogue) -> float:
    return max((f.max_age.total_seconds() for f in catalogue.feeds.values()), default=2 * 86400.0)


def _over_time() -> p.Json:
    return p.timeseries("Actual against target 实际与目标", [
        p.target(f"{names.METRIC_ACTUAL}{{{ONE}}}", "A", "actual"),
        p.target(f"{names.METRIC_TARGET}{{{ONE}}}", "B", "target"),
        p.target(f"{names.METRIC_EXPECTED}{{{ONE}}}", "C", "expected to date (paced targets)"),
    ], w=24, h=9, decimals=2, overrides=[
        {"matcher": {"id": "byName", "options": "target"}, "properties": [
            {"id": "color", "value": {"mode": "fixed", "fixedColor": "red"}},
            {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}}]},
        {"matcher": {"id": "byName", "options": "expected to date (paced targets)"}, "properties": [
            {"id": "color", "value": {"mode": "fixed", "fixedColor": "orange"}},
            {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [4, 6]}}]},
        {"matcher": {"id": "byName", "options": "actual"}, "properties": [
            {"id": "color", "value": {"mode": "fixed", "fixedColor": "blue"}}]}],
        description="The actual over time against the promise; cumulative targets also show the linear "
                    "expected-to-date pace (at risk when the actual is below it).")


def _per_case() -> list[p.Json]:
    case_duration = f'{ONE}, kind="case_duration"'
    quantile_legend = "q{{" + names.QUANTILE_LABEL + "}}"
    share = p.stat("Share within the limit 按时办结率", f"{names.METRIC_ACTUAL}{{{case_duration}}}", w=6, h=7,
                   unit="percent", decimals=1, colour_mode="value",
                   description="Per-case promises: the % of cases in the window that kept the time limit "
                               "(empty for other kinds).")
    cases = p.stat("Cases in window 办件数", f"{names.METRIC_CASES}{{{ONE}}}", w=6, h=7, colour_mode="none",
                   description="Completed cases in the measure's window.")
    distribution = p.panel("bargauge", "Case durations: median, p90, p95, max 办理时长分布",
                           [p.target(f"{names.METRIC_CASE_DURATION}{{{ONE}}}", legend=quantile_legend, instant=True)],
                           w=12, h=7, decimals=1, steps=p.thresholds((None, "blue")),
                           options={"orientation": "horizontal", "displayMode": "gradient", "showUnfilled": True,
                                    "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}},
                           description="Quantiles of case durations in the commitment's own unit "
                                       "(working days, working hours, days...). q1 is the longest case.")
    trend = p.timeseries("Case durations over time", [
        p.target(f"{names.METRIC_CASE_DURATION}{{{ONE}}}", "A", quantile_legend)], w=24, h=8, decimals=1,
        description="How the duration quantiles moved.")
    return [share, cases, distribution, trend]


def _history() -> p.Json:
    return p.panel("state-timeline", "Verdict history 状态历史",
                   [p.target(p.status_code_expr(ONE), legend="{{commitment}}")], w=24, h=4,
                   mappings=p.status_mappings(), steps=p.thresholds((None, "transparent")),
                   options={"showValue": "auto", "mergeValues": True, "rowHeight": 0.9, "alignValue": "left",
                            "legend": {"showLegend": False}, "tooltip": {"mode": "single"}})


def build(catalogue: Catalogue) -> p.Json:
    panels = [
        p.row("Promise 承诺"), _provenance(), *_verdict_tiles(catalogue), _history(),
        p.row("Over time 趋势"), _over_time(),
        p.row("Per-case promises (办结时限) 按件承诺"), *_per_case(),
    ]
    return p.dashboard(UID, f"{PRODUCT_NAME}：承诺详情 Commitment detail",
                       "One commitment in depth: its promise and provenance, the verdict, the actual against the "
                       "target over time, and case durations for per-case time limits. Generated by `monitor grafana`.",
                       panels, variables=_variables(), time_from="now-7d")
