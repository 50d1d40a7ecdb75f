"""Retention on SQLite and PostgreSQL: evaluations thinned to transitions and daily snapshots,
observations kept while a commitment reads them, sent notifications pruned; --dry-run deletes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy

import alerts.tables  # noqa: F401 - the notification tables
from alerts.tables import DeliveryAttempt, Notification
from monitor import migrations
from monitor.calendar import WorkCalendar
from monitor.evaluate import Evaluation
from monitor.observations import CollectionResult, ValuePoint
from monitor.service.retention import Retention, observation_horizons, prune
from monitor.store import Store, make_engine

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
RETENTION = Retention(evaluations_days=2, observations_days=7, notifications_days=30)


def open_store(url: str) -> Store:
    engine = make_engine(url)
    migrations.upgrade(engine)
    return Store(engine)


def history(store: Store, commitment: str) -> list[tuple[datetime, str]]:
    return [(row.evaluated_at, row.status) for row in reversed(store.history(commitment, 10_000))]


def test_old_evaluations_keep_their_transitions_and_one_snapshot_a_day(database_url, shipped_catalogue):
    store = open_store(database_url)
    calendar = WorkCalendar.from_spec(shipped_catalogue.calendar)
    start = NOW - timedelta(days=4)
    statuses = ["met"] * 30 + ["missed"] * 5 + ["met"] * 61   # hourly for four days
    for hour, status in enumerate(statuses):
        store.save_evaluations([Evaluation("doc.c", start + timedelta(hours=hour), status)])
    before = history(store, "doc.c")
    dry = prune(store.engine, shipped_catalogue, calendar, NOW, RETENTION, dry_run=True)
    assert history(store, "doc.c") == before
    report = prune(store.engine, shipped_catalogue, calendar, NOW, RETENTION)
    assert report.rows["evaluation"] == dry.rows["evaluation"] > 0
    after = history(store, "doc.c")
    cutoff = NOW - timedelta(days=2)
    assert [row for row in before if row[0] >= cutoff] == [row for row in after if row[0] >= cutoff]
    old = [row for row in after if row[0] < cutoff]
    transitions = [row for i, row in enumerate(before) if row[0] < cutoff and (i == 0 or before[i - 1][1] != row[1])]
    last_of_day = {row[0].date(): row for row in before if row[0] < cutoff}
    assert set(old) == set(transitions) | set(last_of_day.values())
    assert prune(store.engine, shipped_catalogue, calendar, NOW, RETENTION).rows.get("evaluation", 0) == 0


def test_observations_stay_while_a_commitment_reads_them_and_the_newest_always_stays(database_url,
                                                                                     shipped_catalogue):
    store = open_store(database_url)
    calendar = WorkCalendar.from_spec(shipped_catalogue.calendar)
    c = next(c for c in shipped_catalogue.evaluated_commitments() if c.kind == "value")
    floor = NOW - timedelta(days=7)
    horizon = observation_horizons(shipped_catalogue, calendar, NOW, floor)[(c.measure.feed, c.measure.series)]
    days = range(0, 200, 5)
    for series in (c.measure.series, "nobody.reads.this"):
        store.save_collection(CollectionResult(c.measure.feed, NOW, True, values=[
            ValuePoint(series, NOW - timedelta(days=d), float(d)) for d in days]))
    unread_old = CollectionResult("gone", NOW, True, values=[ValuePoint("x", NOW - timedelta(days=100), 1.0)])
    store.save_collection(unread_old)
    prune(store.engine, shipped_catalogue, calendar, NOW, RETENTION)
    kept = [v.data_time for v in store.measure_data(c.measure.feed, c.measure.series).values]
    assert kept == sorted(NOW - timedelta(days=d) for d in days if horizon is None or NOW - timedelta(days=d) >= horizon)
    unread = [v.data_time for v in store.measure_data(c.measure.feed, "nobody.reads.this").values]
    assert unread == sorted(NOW - timedelta(days=d) for d in days if d <= 7)
    assert [v.value for v in store.measure_data("gone", "x").values] == [1.0]   # the newest point stays


def test_sent_notifications_go_after_their_days_and_pending_ones_stay(database_url, shipped_catalogue):
    store = open_store(database_url)
    calendar = WorkCalendar.from_spec(shipped_catalogue.calendar)
    with sqlalchemy.orm.Session(store.engine) as session:
        for i, (state, sent_days_ago) in enumerate([("sent", 40), ("sent", 10), ("pending", None), ("failed", None)]):
            sent_at = NOW - timedelta(days=sent_days_ago) if sent_days_ago else None
            note = Notification(created_at=NOW - timedelta(days=50), group_key=f"g{i}", kind="alert", channel="email",
                                state=state, due_at=NOW - timedelta(days=50), sent_at=sent_at)
            session.add(note)
            session.flush()
            assert note.id is not None
            session.add(DeliveryAttempt(notification_id=note.id, at=NOW - timedelta(days=45), worker="w",
                                        transport="maildir", outcome="sent"))
        session.commit()
    report = prune(store.engine, shipped_catalogue, calendar, NOW, RETENTION, dry_run=True)
    assert (report.rows["notification"], report.rows["delivery_attempt"]) == (1, 1)
    prune(store.engine, shipped_catalogue, calendar, NOW, RETENTION)
    with sqlalchemy.orm.Session(store.engine) as session:
        left = sorted((n.state, n.group_key) for n in session.query(Notification))
        attempts = session.query(DeliveryAttempt).count()
    assert left == [("failed", "g3"), ("pending", "g2"), ("sent", "g1")] and attempts == 3


def test_prune_dry_run_command_says_what_would_go_and_deletes_nothing(tmp_path, repo_root):
    import os
    import subprocess
    import sys
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    store = open_store(url)
    now = datetime.now(UTC)
    for hour in range(100):
        store.save_evaluations([Evaluation("doc.c", now - timedelta(days=5, hours=hour), "met",
                                           actual=float(hour))])   # each actual differs: each is recorded
    env = {**os.environ, "MONITOR_DATABASE_URL": url, "MONITOR_TARGETS": str(repo_root / "targets.yaml")}
    run = subprocess.run([sys.executable, "-m", "monitor", "prune", "--dry-run"], env=env, capture_output=True,
                         text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    import re
    found = re.search(r"^evaluation: would delete (\d+) row", run.stdout, re.M)
    assert found is not None, run.stdout
    doomed = int(found.group(1))
    assert 93 <= doomed <= 95   # 100 hourly rows over five or six UTC days keep the first and each day's last
    assert len(store.history("doc.c", 1000)) == 100
