"""Per-commitment detail metrics the dashboards need beyond the verdict gauges.

For monitor/metrics.py to yield from `CommitmentCollector.collect` (one line:
`yield from detail_families(catalogue, board)`):
- commitment_info{commitment,document,document_title,clause,quote,measured,promise,agency_name} 1:
  the provenance of each promise, for the detail dashboard (quotes are too long and free-form for
  the labels of every series, so they live on one info series, the usual Prometheus pattern).
- commitment_cases_in_window and commitment_case_duration{quantile}: per-case promises, read from
  `Evaluation.cases` and an optional `Evaluation.duration_quantiles` ((quantile, value), ...).
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

import numpy as np
from prometheus_client.core import GaugeMetricFamily

from monitor import names
from monitor.model import Catalogue, Commitment


def promise_text(c: Commitment) -> str:
    value = f"{c.value:g}" + (f"-{c.value_max:g}" if c.value_max is not None else "")
    deadline = f" by {c.deadline.isoformat()}" if c.deadline else ""
    return f"{c.measured_zh} {c.op} {value} {c.unit}{deadline}"


def info_labels(c: Commitment) -> list[str]:
    return [c.id, c.document.id, c.document.title, c.clause, c.quote, c.measured_zh, promise_text(c),
            c.agency.name if c.agency else ""]


def duration_quantiles(durations: np.ndarray) -> tuple[tuple[float, float], ...]:
    """The quantiles of names.CASE_DURATION_QUANTILES over case durations, for Evaluation.duration_quantiles."""
    if len(durations) == 0:
        return ()
    qs = names.CASE_DURATION_QUANTILES
    values = np.quantile(np.asarray(durations, dtype=np.float64), qs)
    return tuple((q, float(v)) for q, v in zip(qs, values))


def detail_families(catalogue: Catalogue, board: Mapping[str, Any]) -> Iterator[GaugeMetricFamily]:
    from monitor.metrics import commitment_labels   # the exporter's own label values, so joins line up

    labels = list(names.COMMITMENT_LABELS)
    info = GaugeMetricFamily(names.METRIC_INFO, "Provenance of the commitment (document, clause, exact quote)",
                             labels=list(names.INFO_LABELS))
    cases = GaugeMetricFamily(names.METRIC_CASES, "Completed cases in the measure's window", labels=labels)
    durations = GaugeMetricFamily(names.METRIC_CASE_DURATION,
                                  "Quantiles of case durations in the window, in the commitment's unit",
                                  labels=labels + [names.QUANTILE_LABEL])
    for c in catalogue.evaluated_commitments():
        info.add_metric(info_labels(c), 1.0)
        ev = board.get(c.id)
        if ev is None or c.kind != "case_duration":
            continue
        values = commitment_labels(c)
        if ev.cases is not None:
            cases.add_metric(values, float(ev.cases))
        for q, v in getattr(ev, "duration_quantiles", ()) or ():
            durations.add_metric(values + [f"{q:g}"], v)
    yield from (info, cases, durations)
