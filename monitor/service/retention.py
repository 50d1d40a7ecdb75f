"""Retention: what the store keeps, set by the operator and applied by the daemon (and `monitor prune`).

- The store records evaluations only when they change, plus a daily snapshot (monitor.store.
  verdict_changed). Recorded rows younger than `evaluations_days` are all kept. Older ones are thinned to the
  transitions (a row whose status differs from the commitment's previous row, and the first row)
  plus the last row of each UTC day per commitment: the history of every change, and a daily
  snapshot for charts.
- Value observations are kept as long as a commitment needs them: for each series, from the
  earliest time any commitment measuring it reads (its window, `max_age`, cumulative period, or
  the data as of a settled deadline: `data_needed_since`), and never less than
  `observations_days`; the newest point of every series is always kept. Series that no commitment
  reads are kept `observations_days`. Case batches have their own bounds (store.CASE_BLOBS_KEPT).
- Delivered notifications (and their delivery attempts) are deleted `notifications_days` after
  they were sent; pending and failed ones are never deleted here.

Every deletion runs in short statements (a chunk of series or commitments each), so a prune never
holds SQLite's write lock for long. `dry_run` counts what would go and deletes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.engine import Connection, Engine

from monitor import names
from monitor.calendar import WorkCalendar
from monitor.evaluate import data_needed_since
from monitor.model import Catalogue
from monitor.store import UTCDateTime

log = logging.getLogger("monitor.retention")
CHUNK = 500


@dataclass(frozen=True)
class Retention:
    evaluations_days: float = 2.0
    observations_days: float = 7.0
    notifications_days: float = 30.0


@dataclass
class PruneReport:
    dry_run: bool
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, count: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + max(count, 0)

    def lines(self) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        return [f"{table}: {verb} {count} row(s)" for table, count in sorted(self.rows.items())] or ["nothing to prune"]


def observation_horizons(catalogue: Catalogue, calendar: WorkCalendar, now: datetime,
                         floor: datetime) -> dict[tuple[str, str], datetime | None]:
    """For each (feed, series) a commitment reads: keep what is newer than this (None: everything)."""
    horizons: dict[tuple[str, str], datetime | None] = {}
    for c in catalogue.evaluated_commitments():
        key = (c.measure.feed, c.measure.series)
        since = data_needed_since(c, now, calendar)
        since = None if since is None else min(since, floor)
        if key not in horizons:
            horizons[key] = since
        elif horizons[key] is not None:
            horizons[key] = None if since is None else min(since, horizons[key])  # type: ignore[type-var]
    return horizons


def _day(engine: Engine, column: str) -> str:
    if engine.dialect.name == "postgresql":
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    return f"substr({column}, 1, 10)"


def _sql(statement: str) -> TextClause:
    """A text statement with its times bound as the store writes them, and `:chunk` as a list."""
    params = [bindparam(name, type_=UTCDateTime()) for name in ("cutoff", "floor", "horizon")
              if f":{name}" in statement]
    if ":chunk" in statement:
        params.append(bindparam("chunk", expanding=True))
    return text(statement).bindparams(*params)


def _run(connection: Connection, statement: TextClause, params: list[dict[str, Any]] | dict[str, Any],
         dry_run: bool) -> int:
    """Delete (or count, when dry_run) with one statement per parameter set; the rows it touched."""
    total = 0
    for one in params if isinstance(params, list) else [params]:
        result = connection.execute(statement, one)
        total += (result.scalar() or 0) if dry_run else (result.rowcount or 0)
    return total


def prune(engine: Engine, catalogue: Catalogue, calendar: WorkCalendar, now: datetime,
          retention: Retention, *, dry_run: bool = False) -> PruneReport:
    report = PruneReport(dry_run)
    _prune_evaluations(engine, now - timedelta(days=retention.evaluations_days), report)
    _prune_observations(engine, catalogue, calendar, now, now - timedelta(days=retention.observations_days), report)
    _prune_notifications(engine, now - timedelta(days=retention.notifications_days), report)
    if not dry_run:
        log.info("pruned", extra={f"{table}_rows": rows for table, rows in sorted(report.rows.items())})
    return report


def _prune_evaluations(engine: Engine, cutoff: datetime, report: PruneReport) -> None:
    table = names.TABLE_EVALUATION
    with engine.connect() as connection:
        commitments = [row[0] for row in connection.execute(
            _sql(f"SELECT DISTINCT commitment FROM {table} WHERE evaluated_at < :cutoff"), {"cutoff": cutoff})]
    doomed = f"""
        SELECT id FROM (
          SELECT id, status,
                 LAG(status) OVER (PARTITION BY commitment ORDER BY evaluated_at, id) AS previous_status,
                 ROW_NUMBER() OVER (PARTITION BY commitment, {_day(engine, 'evaluated_at')}
                                    ORDER BY evaluated_at DESC, id DESC) AS from_last
          FROM {table} WHERE commitment IN :chunk AND evaluated_at < :cutoff
        ) AS thinned
        WHERE previous_status IS NOT NULL AND previous_status = status AND from_last > 1"""
    verb = f"SELECT count(*) FROM ({doomed}) AS doomed" if report.dry_run else \
        f"DELETE FROM {table} WHERE id IN (SELECT id FROM ({doomed}) AS doomed)"
    statement = _sql(verb)
    for start in range(0, len(commitments), CHUNK):
        with engine.begin() as connection:
            report.add(table, _run(connection, statement,
                                   {"chunk": commitments[start:start + CHUNK], "cutoff": cutoff}, report.dry_run))


def _prune_observations(engine: Engine, catalogue: Catalogue, calendar: WorkCalendar, now: datetime,
                        floor: datetime, report: PruneReport) -> None:
    table = names.TABLE_OBSERVATION
    horizons = observation_horizons(catalogue, calendar, now, floor)
    with engine.connect() as connection:
        stored = connection.execute(_sql(f"SELECT DISTINCT feed, series FROM {table} "
                                         f"WHERE cases IS NULL AND data_time < :floor"), {"floor": floor}).all()
    groups: dict[tuple[str, datetime], list[str]] = {}
    for feed, series in stored:
        horizon = horizons.get((feed, series), floor)   # a series nobody reads: the floor
        if horizon is not None:
            groups.setdefault((feed, horizon), []).append(series)
    condition = f"""FROM {table} WHERE feed = :feed AND series IN :chunk AND cases IS NULL
        AND data_time < :horizon
        AND data_time < (SELECT max(newest.data_time) FROM {table} AS newest
                         WHERE newest.feed = {table}.feed AND newest.series = {table}.series
                         AND newest.cases IS NULL)"""
    statement = _sql(("SELECT count(*) " if report.dry_run else "DELETE ") + condition)
    for (feed, horizon), series in groups.items():
        for start in range(0, len(series), CHUNK):
            with engine.begin() as connection:
                report.add(table, _run(connection, statement, {"feed": feed, "chunk": series[start:start + CHUNK],
                                                               "horizon": horizon}, report.dry_run))


def _prune_notifications(engine: Engine, cutoff: datetime, report: PruneReport) -> None:
    notifications, attempts = names.TABLE_NOTIFICATION, names.TABLE_DELIVERY_ATTEMPT
    with engine.connect() as connection:
        if not engine.dialect.has_table(connection, notifications):
            return
        ids = [row[0] for row in connection.execute(_sql(
            f"SELECT id FROM {notifications} WHERE state = 'sent' AND sent_at < :cutoff"), {"cutoff": cutoff})]
    for start in range(0, len(ids), CHUNK):
        chunk = {"chunk": ids[start:start + CHUNK]}
        with engine.begin() as connection:
            for table, column in ((attempts, "notification_id"), (notifications, "id")):
                if table == attempts and not engine.dialect.has_table(connection, attempts):
                    continue
                verb = "SELECT count(*)" if report.dry_run else "DELETE"
                statement = _sql(f"{verb} FROM {table} WHERE {column} IN :chunk")
                report.add(table, _run(connection, statement, chunk, report.dry_run))
