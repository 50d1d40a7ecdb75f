"""/metrics content: per-commitment verdicts read fresh from the board, self-metrics, promtool-clean."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from alerts.metrics import AlertMetrics
from alerts.pipeline import AlertPipeline
from monitor import names
from monitor.evaluate import Evaluation
from monitor.observations import CollectionResult
from monitor.service.commitment_metrics import CommitmentCollector, exported_unit
from monitor.service.daemon_metrics import DaemonMetrics
from tests.needs import tool

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def exporter(shipped_catalogue):
    registry = CollectorRegistry()
    state = {"catalogue": shipped_catalogue, "board": {}}
    registry.register(CommitmentCollector(lambda: state["catalogue"], lambda: state["board"]))
    return registry, state, DaemonMetrics(registry)


def labels_for(commitment, status=None):
    labels = {"commitment": commitment.id, "document": commitment.document.id,
              "jurisdiction": commitment.document.jurisdiction, "agency": commitment.agency.id,
              "kind": commitment.kind, "unit": exported_unit(commitment)}
    return {**labels, "status": status, "provisional": "false"} if status else labels


def test_status_gauge_is_one_for_the_current_status_and_zero_for_the_others(exporter, shipped_catalogue):
    registry, state, _ = exporter
    c = next(c for c in shipped_catalogue.evaluated_commitments() if c.kind == "value")
    state["board"] = {c.id: Evaluation(c.id, NOW, "missed", actual=12.0, target=9.0, op="<=", unit=c.unit,
                                       margin=-3.0, data_time=NOW)}
    values = {s: registry.get_sample_value(names.METRIC_STATUS, labels_for(c, s)) for s in names.STATUSES}
    assert values == {"met": 0.0, "on_track": 0.0, "at_risk": 0.0, "missed": 1.0, "no_data": 0.0, "error": 0.0}
    assert registry.get_sample_value(names.METRIC_ACTUAL, labels_for(c)) == 12.0
    assert registry.get_sample_value(names.METRIC_MARGIN, labels_for(c)) == -3.0
    assert registry.get_sample_value(names.METRIC_DATA_AS_OF, labels_for(c)) == NOW.timestamp()


def test_an_on_track_verdict_has_its_own_status_value(exporter, shipped_catalogue):
    registry, state, _ = exporter
    c = next(c for c in shipped_catalogue.evaluated_commitments() if c.kind == "cumulative")
    state["board"] = {c.id: Evaluation(c.id, NOW, "on_track", actual=5.0, target=10.0, op=">=", unit=c.unit,
                                       margin=-5.0, expected=4.0, data_time=NOW)}
    values = {s: registry.get_sample_value(names.METRIC_STATUS, labels_for(c, s)) for s in names.STATUSES}
    assert values["on_track"] == 1.0 and values["met"] == 0.0 and values["at_risk"] == 0.0


def test_commitments_without_a_verdict_show_no_data_and_removed_ones_vanish(exporter, shipped_catalogue):
    registry, state, _ = exporter
    c = shipped_catalogue.evaluated_commitments()[0]
    assert registry.get_sample_value(names.METRIC_STATUS, labels_for(c, "no_data")) == 1.0
    from dataclasses import replace
    state["catalogue"] = replace(shipped_catalogue, commitments={})
    assert registry.get_sample_value(names.METRIC_STATUS, labels_for(c, "no_data")) is None


def test_unmonitorable_commitments_are_not_exported(exporter, shipped_catalogue):
    registry, _, _ = exporter
    text = generate_latest(registry).decode()
    parameter = next(c for c in shipped_catalogue.commitments.values() if not c.monitorable)
    assert f'commitment="{parameter.id}"' not in text


def test_collection_results_feed_the_self_metrics(exporter):
    registry, _, metrics = exporter
    ok = CollectionResult("feed_a", NOW, True, rows_accepted=10, rows_rejected={"end_before_start": 2},
                          bytes_read=500, duration_seconds=0.2)
    metrics.record_collection(ok)
    metrics.record_collection(CollectionResult.failure("feed_a", NOW, "timeout", "slow"))
    get = registry.get_sample_value
    assert get(names.METRIC_COLLECTIONS, {"feed": "feed_a", "result": "ok"}) == 1
    assert get(names.METRIC_COLLECTIONS, {"feed": "feed_a", "result": "timeout"}) == 1
    assert get(names.METRIC_ROWS_REJECTED, {"feed": "feed_a", "reason": "end_before_start"}) == 2
    assert get(names.METRIC_FEED_UP, {"feed": "feed_a"}) == 0
    assert get(names.METRIC_FEED_LAST_SUCCESS, {"feed": "feed_a"}) == NOW.timestamp()


def promtool() -> str:
    """promtool's path; a skip locally when absent, a failure under CI (which installs it)."""
    return tool("promtool", "prometheus")


class _AlertStats(AlertPipeline):
    """A pipeline answering only stats(), with no outbox behind it."""

    def __init__(self) -> None:
        pass

    def stats(self) -> dict[str, dict[str, int]]:
        return {"backlog": {"email": 2}, "sent": {"email": 5}, "failed": {"webhook": 1}, "firing": {"critical": 3}}


def test_promtool_accepts_an_exposition_with_every_metric_family(exporter, shipped_catalogue):
    registry, state, metrics = exporter
    registry.register(AlertMetrics(_AlertStats()))
    statuses = iter(names.STATUSES * len(shipped_catalogue.commitments))
    state["board"] = {c.id: Evaluation(c.id, NOW, next(statuses), actual=1.0, target=1.0, op=">=", unit=c.unit,
                                       margin=0.0, expected=1.0, data_time=NOW, cases=10,
                                       duration_quantiles=((0.5, 1.0), (0.9, 2.0), (0.95, 2.5), (1.0, 4.0)),
                                       overdue_open=1, provisional=True)
                      for c in shipped_catalogue.evaluated_commitments()}
    metrics.record_collection(CollectionResult("demo", NOW, True, rows_accepted=1, rows_rejected={"bad_time": 1},
                                               duration_seconds=0.1))
    metrics.record_catalogue(shipped_catalogue)
    metrics.scheduler_misses.labels("demo", "missed").inc()
    metrics.reloads.labels("success").inc()
    metrics.evaluations.labels("met").inc()
    exposition = generate_latest(registry)
    exposed = {family.name for family in text_string_to_metric_families(exposition.decode())}
    declared = {value.removesuffix("_total") for key, value in vars(names).items() if key.startswith("METRIC_")}
    assert declared <= exposed, f"not in the exposition: {sorted(declared - exposed)}"
    assert f'{names.QUANTILE_LABEL}="0.95"' in exposition.decode()
    run = subprocess.run([promtool(), "check", "metrics"], input=exposition, capture_output=True)
    assert run.returncode == 0 and not run.stdout.strip() and not run.stderr.strip(), run.stdout + run.stderr


def test_promtool_rejects_a_gauge_with_a_quantile_label():
    """The check above can fail: the exposition the daemon used to serve is what promtool refused."""
    registry = CollectorRegistry()
    Gauge("commitment_case_duration", "old form", ["quantile"], registry=registry).labels("0.5").set(1)
    run = subprocess.run([promtool(), "check", "metrics"], input=generate_latest(registry), capture_output=True)
    assert b'non-summary metrics should not have "quantile" label' in run.stdout + run.stderr


def test_share_of_cases_within_a_limit_is_exported_in_percent_with_duration_quantiles(exporter, shipped_catalogue):
    registry, state, _ = exporter
    c = next(c for c in shipped_catalogue.evaluated_commitments()
             if c.kind == "case_duration" and c.measure.aggregate == "share_within")
    state["board"] = {c.id: Evaluation(c.id, NOW, "met", actual=97.0, target=95.0, op=">=", unit="%", margin=2.0,
                                       cases=120, duration_quantiles=((0.5, 1.0), (1.0, 4.0)))}
    labels = labels_for(c)
    assert labels["unit"] == "%"
    assert registry.get_sample_value(names.METRIC_CASES, labels) == 120
    assert registry.get_sample_value(names.METRIC_CASE_DURATION, {**labels, names.QUANTILE_LABEL: "1"}) == 4.0


def test_status_detail_exports_one_sample_per_commitment_its_current_status(shipped_catalogue):
    registry = CollectorRegistry()
    c = next(c for c in shipped_catalogue.evaluated_commitments() if c.kind == "value")
    board = {c.id: Evaluation(c.id, NOW, "missed", actual=12.0, target=9.0, op="<=", unit=c.unit, margin=-3.0)}
    registry.register(CommitmentCollector(lambda: shipped_catalogue, lambda: board, detail="status"))
    families = list(text_string_to_metric_families(generate_latest(registry).decode()))
    assert [f.name for f in families] == [names.METRIC_STATUS]
    assert len(families[0].samples) == len(shipped_catalogue.evaluated_commitments())
    assert registry.get_sample_value(names.METRIC_STATUS, labels_for(c, "missed")) == 1.0
    assert registry.get_sample_value(names.METRIC_STATUS, labels_for(c, "met")) is None
    run = subprocess.run([promtool(), "check", "metrics"], input=generate_latest(registry), capture_output=True)
    assert run.returncode == 0 and not run.stdout.strip() and not run.stderr.strip(), run.stdout + run.stderr


def test_the_status_detail_written_directly_is_what_prometheus_client_writes(shipped_catalogue):
    import dataclasses
    commitments = shipped_catalogue.evaluated_commitments()
    awkward = dataclasses.replace(commitments[0], unit='个"工作日\\\n')   # a quote, a backslash, a line break
    catalogue = dataclasses.replace(shipped_catalogue, commitments={**shipped_catalogue.commitments, awkward.id: awkward})
    board = {commitments[1].id: Evaluation(commitments[1].id, NOW, "missed", provisional=True),
             commitments[2].id: Evaluation(commitments[2].id, NOW, "met")}
    collector = CommitmentCollector(lambda: catalogue, lambda: board, detail="status")
    registry = CollectorRegistry()
    registry.register(collector)
    assert collector.render() == generate_latest(registry)
    assert b'provisional="true"' in collector.render() and b'\\"' in collector.render()


def test_auto_detail_is_full_for_a_small_catalogue_and_status_beyond_the_budget(shipped_catalogue, monkeypatch):
    from monitor.service import commitment_metrics
    collector = CommitmentCollector(lambda: shipped_catalogue, lambda: {}, detail="auto")
    assert collector.effective_detail(shipped_catalogue) == "full"
    monkeypatch.setattr(commitment_metrics, "FULL_DETAIL_MAX_COMMITMENTS", 10)
    assert collector.effective_detail(shipped_catalogue) == "status"


def test_a_scrape_serves_the_last_rendering_until_the_next_cycle_renders_again(shipped_catalogue):
    from monitor.service.metrics_snapshot import MetricsSnapshot
    c = shipped_catalogue.evaluated_commitments()[0]
    board: dict = {}
    snapshot = MetricsSnapshot(CommitmentCollector(lambda: shipped_catalogue, lambda: board, detail="status"))
    first = snapshot.exposition()   # rendered on demand when nothing was rendered yet
    board[c.id] = Evaluation(c.id, NOW, "missed")
    assert snapshot.exposition() == first and snapshot.renders == 1
    snapshot.refresh()
    assert f'commitment="{c.id}"'.encode() in snapshot.exposition()
    assert b'status="missed"' in snapshot.exposition() and snapshot.renders == 2
    # kept deflated only (22 MB of text at 100,000 commitments): the plain text is inflated per asking
    assert not [v for v in vars(snapshot).values() if isinstance(v, bytes)]
    assert snapshot.compressed().length == len(snapshot.exposition()) > len(snapshot.compressed().deflated)


def test_cycles_close_together_render_once_and_the_deferred_rendering_follows(shipped_catalogue):
    from monitor.service.metrics_snapshot import MetricsSnapshot
    now = [100.0]
    snapshot = MetricsSnapshot(CommitmentCollector(lambda: shipped_catalogue, lambda: {}, detail="status"),
                               clock=lambda: now[0])
    snapshot.changed()
    assert snapshot.renders == 1
    now[0] += 0.5
    snapshot.changed()
    snapshot.changed()
    snapshot.flush_if_due()
    assert snapshot.renders == 1            # within the spacing: deferred
    now[0] += 1.0
    snapshot.flush_if_due()
    assert snapshot.renders == 2            # the deferred rendering, once
    now[0] += 5.0
    snapshot.flush_if_due()
    assert snapshot.renders == 2            # nothing changed since
