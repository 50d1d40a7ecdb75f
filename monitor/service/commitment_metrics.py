"""The per-commitment Prometheus families, from the current catalogue and verdict board.

`CommitmentCollector` yields metric families from the current catalogue and verdict board, so a
commitment removed from targets.yaml vanishes from /metrics by construction. The daemon does not
render them on each scrape: `metrics_snapshot.MetricsSnapshot` renders them after each cycle and
each reload, and a scrape copies those bytes (beside the daemon's self-metrics, daemon_metrics.py,
rendered fresh).

The sample budget (`MONITOR_METRICS_DETAIL`): `full` exports every per-commitment family (about a
dozen samples per commitment: the status one-hot over six statuses, actual, target, margin,
expected, times, provenance, case quantiles); `status` exports one sample per commitment, its
current status (`commitment_status{...,status="missed"} 1`), which is what alert rules and status
panels read; the figures behind a verdict stay on the pages and /api. `auto` (the default) is
`full` up to FULL_DETAIL_MAX_COMMITMENTS evaluated commitments and `status` beyond.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, time
from typing import Literal

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from monitor import names
from monitor.evaluate import Evaluation
from monitor.model import Catalogue, Commitment
from monitor.units import UnitError, normalise

STATUS_ONLY_HELP = "1 for the commitment's current status (detail 'status': the other statuses are not exported)"
FULL_DETAIL_MAX_COMMITMENTS = 5_000    # full detail: ~12 samples each, ~60,000 samples, ~15 MB at most
Detail = Literal["auto", "full", "status"]


def exported_unit(c: Commitment) -> str:
    """The unit of the exported actual and target: % for a share of cases within a limit."""
    if c.kind == "case_duration" and c.measure.aggregate == "share_within":
        return "%"
    try:
        return normalise(c.unit)
    except UnitError:
        return c.unit


def commitment_labels(c: Commitment) -> list[str]:
    return [c.id, c.document.id, c.document.jurisdiction, c.agency.id if c.agency else "", c.kind, exported_unit(c)]


def promise_text(c: Commitment) -> str:
    """The promise as the plan states it, for the info series (e.g. 企业开办时间 <= 1 个工作日)."""
    value = f"{c.value:g}" + (f"-{c.value_max:g}" if c.value_max is not None else "")
    deadline = f" by {c.deadline.isoformat()}" if c.deadline else ""
    return f"{c.measured_zh} {c.op} {value} {c.unit}{deadline}"


def info_labels(c: Commitment) -> list[str]:
    return [c.id, c.document.id, c.document.title, c.clause, c.quote, c.measured_zh, promise_text(c),
            c.agency.name if c.agency else ""]


class CommitmentCollector(Collector):
    def __init__(self, catalogue: Callable[[], Catalogue], board: Callable[[], Mapping[str, Evaluation]],
                 detail: Detail = "full", feeds: Callable[[], frozenset[str] | None] = lambda: None):
        self._catalogue = catalogue
        self._board = board
        self.detail = detail
        self._feeds = feeds    # replicas: only the commitments of the feeds this one holds (None: all)
        self._templates: tuple[Catalogue, Mapping[str, str]] | None = None

    def _exported(self, catalogue: Catalogue) -> list[Commitment]:
        feeds = self._feeds()
        commitments = catalogue.evaluated_commitments()
        return commitments if feeds is None else [c for c in commitments if c.measure.feed in feeds]

    def describe(self) -> list[Metric]:
        return []   # families depend on the catalogue; register without a describe-time collect

    def effective_detail(self, catalogue: Catalogue) -> Literal["full", "status"]:
        if self.detail != "auto":
            return self.detail
        evaluated = sum(1 for _ in catalogue.evaluated_commitments())
        return "full" if evaluated <= FULL_DETAIL_MAX_COMMITMENTS else "status"

    def collect(self) -> Iterator[GaugeMetricFamily]:
        catalogue, board = self._catalogue(), self._board()
        if self.effective_detail(catalogue) == "status":
            yield self._status_only(catalogue, board)
            return
        labels = list(names.COMMITMENT_LABELS)
        status = GaugeMetricFamily(names.METRIC_STATUS, "1 for the commitment's current status, 0 for the others",
                                   labels=labels + [names.STATUS_LABEL, names.PROVISIONAL_LABEL])
        overdue = GaugeMetricFamily(names.METRIC_OVERDUE_OPEN, "Cases still open past the per-case limit",
                                    labels=labels)
        gauges = {
            "actual": GaugeMetricFamily(names.METRIC_ACTUAL, "Actual value, in the unit of the target", labels=labels),
            "target": GaugeMetricFamily(names.METRIC_TARGET, "Promised value (lower bound for ranges)", labels=labels),
            "margin": GaugeMetricFamily(names.METRIC_MARGIN, "Distance from breaking the promise; negative when broken",
                                        labels=labels),
            "expected": GaugeMetricFamily(names.METRIC_EXPECTED, "Expected-to-date value of a paced target",
                                          labels=labels),
        }
        evaluated_at = GaugeMetricFamily(names.METRIC_LAST_EVALUATION, "When the commitment was last evaluated",
                                         labels=labels)
        data_as_of = GaugeMetricFamily(names.METRIC_DATA_AS_OF, "Time of the newest data used", labels=labels)
        deadline = GaugeMetricFamily(names.METRIC_DEADLINE, "Deadline of the commitment (end of day in the calendar's time zone)",
                                     labels=labels)
        # quotes are too long and free-form for every series' labels: they live on one info series
        info = GaugeMetricFamily(names.METRIC_INFO, "Provenance of the commitment (document, clause, exact quote)",
                                 labels=list(names.INFO_LABELS))
        cases = GaugeMetricFamily(names.METRIC_CASES, "Completed cases in the measure's window", labels=labels)
        durations = GaugeMetricFamily(names.METRIC_CASE_DURATION,
                                      "Quantiles of case durations in the window, in the commitment's unit",
                                      labels=labels + [names.QUANTILE_LABEL])
        for c in self._exported(catalogue):
            values = commitment_labels(c)
            info.add_metric(info_labels(c), 1.0)
            ev = board.get(c.id)
            current = ev.status if ev else "no_data"
            provisional = "true" if ev and ev.provisional else "false"
            for s in names.STATUSES:
                status.add_metric(values + [s, provisional], 1.0 if s == current else 0.0)
            if c.deadline:
                end = datetime.combine(c.deadline, time.max).replace(tzinfo=catalogue.calendar_zone)
                deadline.add_metric(values, end.timestamp())
            if ev is None:
                continue
            for field, family in gauges.items():
                value = getattr(ev, field)
                if value is not None:
                    family.add_metric(values, float(value))
            evaluated_at.add_metric(values, ev.evaluated_at.timestamp())
            if ev.data_time:
                data_as_of.add_metric(values, ev.data_time.timestamp())
            if c.kind == "case_duration" and ev.cases is not None:
                cases.add_metric(values, float(ev.cases))
            if ev.overdue_open is not None:
                overdue.add_metric(values, float(ev.overdue_open))
            for quantile, duration in ev.duration_quantiles:
                durations.add_metric(values + [f"{quantile:g}"], duration)
        yield status
        yield from gauges.values()
        yield from (evaluated_at, data_as_of, deadline, info, cases, overdue, durations)

    def _status_only(self, catalogue: Catalogue, board: Mapping[str, Evaluation]) -> GaugeMetricFamily:
        """One sample per commitment: its current status (the other statuses are absent, not 0)."""
        status = GaugeMetricFamily(names.METRIC_STATUS, STATUS_ONLY_HELP,
                                   labels=list(names.COMMITMENT_LABELS) + [names.STATUS_LABEL, names.PROVISIONAL_LABEL])
        for c in self._exported(catalogue):
            ev = board.get(c.id)
            status.add_metric(commitment_labels(c) + [ev.status if ev else "no_data",
                                                      "true" if ev and ev.provisional else "false"], 1.0)
        return status

    def render(self) -> bytes:
        """The exposition of `collect`. Detail `status` (the large catalogues) is written here, from
        label sets made once per catalogue: prometheus_client checks and escapes every label of every
        sample on each rendering, seconds a cycle at 100,000 commitments; the text is the same."""
        catalogue, board = self._catalogue(), self._board()
        if self.effective_detail(catalogue) != "status":
            registry = CollectorRegistry(auto_describe=False)
            registry.register(self)
            return generate_latest(registry)
        templates = self._status_templates(catalogue)
        lines = [f"# HELP {names.METRIC_STATUS} {STATUS_ONLY_HELP}\n# TYPE {names.METRIC_STATUS} gauge\n"]
        for c in self._exported(catalogue):
            ev = board.get(c.id)
            lines.append(templates[c.id].format(status=ev.status if ev else "no_data",
                                                provisional="true" if ev and ev.provisional else "false"))
        return "".join(lines).encode()

    def _status_templates(self, catalogue: Catalogue) -> Mapping[str, str]:
        """Each commitment's status line with `{status}` and `{provisional}` to fill, labels in the
        order prometheus_client writes them (sorted by name), made once per catalogue."""
        cached = self._templates
        if cached is None or cached[0] is not catalogue:
            templates = {}
            for c in catalogue.evaluated_commitments():
                labels = {name: _label_value(value).replace("{", "{{").replace("}", "}}")
                          for name, value in zip(names.COMMITMENT_LABELS, commitment_labels(c))}
                labels |= {names.STATUS_LABEL: "{status}", names.PROVISIONAL_LABEL: "{provisional}"}
                templates[c.id] = (names.METRIC_STATUS + "{{" + ",".join(f'{k}="{labels[k]}"' for k in sorted(labels))
                                   + "}} 1.0\n")
            cached = self._templates = (catalogue, templates)
        return cached[1]


def _label_value(text: str) -> str:
    """A label value as the text exposition format writes it."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
