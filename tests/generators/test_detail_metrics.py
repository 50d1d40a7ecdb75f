"""The detail metrics the dashboards need: provenance as an info series, case counts and durations."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from prometheus_client import generate_latest

from monitor import names
from monitor.evaluate import duration_quantiles
from monitor.service.commitment_metrics import promise_text
from tests.generators.exporter_fixture import full_registry, synthetic_board


def test_every_evaluated_commitment_has_an_info_series_with_its_exact_quote(shipped_catalogue):
    registry = full_registry(shipped_catalogue)
    for c in shipped_catalogue.evaluated_commitments():
        labels = {"commitment": c.id, "document": c.document.id, "document_title": c.document.title,
                  "clause": c.clause, "quote": c.quote, "measured": c.measured_zh, "promise": promise_text(c),
                  "agency_name": c.agency.name if c.agency else ""}
        assert registry.get_sample_value(names.METRIC_INFO, labels) == 1.0, c.id


def test_case_metrics_exist_only_for_per_case_promises(shipped_catalogue):
    text = generate_latest(full_registry(shipped_catalogue)).decode()
    per_case = {c.id for c in shipped_catalogue.evaluated_commitments() if c.kind == "case_duration"}
    with_cases = {line.split('commitment="')[1].split('"')[0] for line in text.splitlines()
                  if line.startswith(names.METRIC_CASE_DURATION + "{")}
    assert with_cases == per_case
    assert 'case_quantile="0.95"' in text and 'case_quantile="1"' in text
    assert ' quantile="' not in text and '{quantile="' not in text and ',quantile="' not in text   # promtool: summaries only


def test_duration_quantiles_cover_median_to_longest_case():
    quantiles = dict(duration_quantiles(np.array([1.0, 2.0, 3.0, 4.0, 10.0])))
    assert quantiles[0.5] == 3.0 and quantiles[1.0] == 10.0
    assert tuple(quantiles) == names.CASE_DURATION_QUANTILES
    assert duration_quantiles(np.array([])) == ()


def test_promise_reads_like_the_plan(shipped_catalogue):
    c = next(c for c in shipped_catalogue.evaluated_commitments() if c.deadline and c.kind == "cumulative")
    assert promise_text(c).startswith(c.measured_zh) and c.deadline.isoformat() in promise_text(c)


def test_the_alert_families_the_dashboards_read_come_from_the_real_exporter(shipped_catalogue):
    """Per channel and per severity, as AlertMetrics serves them (a hand-made gauge without the
    channel label once stood in for them here)."""
    registry = full_registry(shipped_catalogue)
    families = {f.name: f for f in registry.collect()}
    for name in (names.METRIC_OUTBOX_BACKLOG, names.METRIC_NOTIFICATIONS_SENT, names.METRIC_NOTIFICATIONS_FAILED):
        family = families[name.removesuffix("_total")]
        assert {tuple(s.labels) for s in family.samples if not s.name.endswith("_created")} == {(names.CHANNEL_LABEL,)}
    backlog = registry.get_sample_value(names.METRIC_OUTBOX_BACKLOG, {names.CHANNEL_LABEL: "email"})
    assert backlog is not None and backlog > 0
    statuses = [e.status for e in synthetic_board(shipped_catalogue, datetime.now(UTC)).values()]
    assert registry.get_sample_value(names.METRIC_ALERTS_FIRING, {"severity": "critical"}) == statuses.count("missed")
