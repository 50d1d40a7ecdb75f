"""The store: observations, every evaluation, the current state per commitment, collection runs.

SQLite by default, any SQLAlchemy URL through MONITOR_DATABASE_URL. The schema is created on
start and upgraded by adding the columns a newer version declares (additive changes only).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict
from datetime import date, datetime, timedelta, timezone
from typing import Iterable, Sequence

import numpy as np
from sqlalchemy import DateTime, Index, LargeBinary, bindparam, delete, event, insert, inspect, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import Column, Field, Session, SQLModel, create_engine, select

from monitor import names
from monitor.evaluate import Evaluation
from monitor.observations import CaseRecords, CollectionResult, MeasureData, ValuePoint

CASE_BLOBS_KEPT = 3                 # snapshot feeds: the newest few batches
CASE_BATCHES_MAX_AGE_DAYS = 400     # accumulating feeds (drop folders): every batch this recent


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes stored as UTC, read back aware on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _time_column(index: bool = False, nullable: bool = False):
    return Field(sa_column=Column(UTCDateTime(), index=index, nullable=nullable))


class Observation(SQLModel, table=True):
    __tablename__ = names.TABLE_OBSERVATION
    __table_args__ = (Index("ix_observation_series_time", "feed", "series", "data_time"),)
    id: int | None = Field(default=None, primary_key=True)
    feed: str
    series: str
    fetched_at: datetime = _time_column()
    data_time: datetime = _time_column()
    value: float | None = None
    n_cases: int | None = None
    cases: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    case_ids: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    case_paused: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    source: str | None = None      # the submitted file (drop folders): a new file of that name replaces these rows


class EvaluationFields(SQLModel):
    """The verdict columns shared by the history and the current state."""

    status: str
    actual: float | None = None
    target: float | None = None
    target_max: float | None = None
    op: str | None = None
    unit: str | None = None
    margin: float | None = None
    expected: float | None = None
    data_time: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    cases: int | None = None
    reason: str = ""
    settled_on: date | None = None
    provisional: bool | None = None
    overdue_open: int | None = None
    overdue_case_ids: str | None = None     # JSON list


class EvaluationRow(EvaluationFields, table=True):
    __tablename__ = names.TABLE_EVALUATION
    __table_args__ = (Index("ix_evaluation_commitment_time", "commitment", "evaluated_at"),)
    id: int | None = Field(default=None, primary_key=True)
    commitment: str
    evaluated_at: datetime = _time_column()


class CurrentState(EvaluationFields, table=True):
    __tablename__ = names.TABLE_CURRENT_STATE
    commitment: str = Field(primary_key=True)
    evaluated_at: datetime = _time_column()
    status_since: datetime = _time_column()


class CollectionRun(SQLModel, table=True):
    __tablename__ = names.TABLE_COLLECTION_RUN
    __table_args__ = (Index("ix_collection_run_feed_time", "feed", "fetched_at"),)
    id: int | None = Field(default=None, primary_key=True)
    feed: str
    fetched_at: datetime = _time_column()
    ok: bool
    error_category: str | None = None
    error: str | None = None
    rows_accepted: int = 0
    rows_rejected: str = "{}"
    rows_skipped: str | None = None
    bytes_read: int = 0
    duration_seconds: float = 0.0


_EVALUATION_FIELDS = tuple(EvaluationFields.model_fields)


def _row_fields(evaluation: Evaluation) -> dict[str, object]:
    fields = {k: getattr(evaluation, k) for k in _EVALUATION_FIELDS}
    fields["overdue_case_ids"] = json.dumps(list(evaluation.overdue_case_ids), ensure_ascii=False)
    return fields


def _evaluation_fields(row: EvaluationFields) -> dict[str, object]:
    fields = {k: getattr(row, k) for k in _EVALUATION_FIELDS}
    fields["provisional"] = bool(row.provisional)
    fields["overdue_case_ids"] = tuple(json.loads(row.overdue_case_ids or "[]"))
    return fields


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
        return engine
    if url.startswith("postgresql+psycopg2") or url.startswith("postgresql://"):
        # an unreachable server fails a request in seconds, not minutes; a batch of UPDATEs (the
        # cycle's current states) goes in pages of statements, not one round trip per row
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5},
                             executemany_mode="values_plus_batch")
    if url.startswith("postgresql"):
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    return create_engine(url, pool_pre_ping=True)


def upgrade_schema(engine: Engine) -> list[str]:
    """Create missing tables and add missing (nullable) columns. Returns what was added."""
    SQLModel.metadata.create_all(engine)
    added: list[str] = []
    inspector = inspect(engine)
    with engine.begin() as connection:
        for table in SQLModel.metadata.sorted_tables:
            existing = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in existing:
                    kind = column.type.compile(dialect=engine.dialect)
                    connection.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
                    added.append(f"{table.name}.{column.name}")
    return added


def _pack_cases(cases: CaseRecords) -> bytes:
    stacked = np.stack([cases.submitted.astype("datetime64[s]").astype(np.int64),
                        cases.completed.astype("datetime64[s]").astype(np.int64)])
    return zlib.compress(stacked.tobytes(), 1)


def _pack_ids(cases: CaseRecords) -> bytes | None:
    if cases.ids is None:
        return None
    return zlib.compress(json.dumps([str(i) for i in cases.ids.tolist()], ensure_ascii=False).encode(), 1)


def _pack_paused(cases: CaseRecords) -> bytes | None:
    return None if cases.paused is None else zlib.compress(cases.paused.astype(np.float64).tobytes(), 1)


def _unpack_cases(series: str, data_time: datetime, row: "Observation") -> CaseRecords:
    assert row.cases is not None and row.n_cases is not None
    stacked = np.frombuffer(zlib.decompress(row.cases), dtype=np.int64).reshape(2, row.n_cases)
    ids = np.array(json.loads(zlib.decompress(row.case_ids)), dtype=str) if row.case_ids else None
    paused = np.frombuffer(zlib.decompress(row.case_paused), dtype=np.float64) if row.case_paused else None
    return CaseRecords(series, data_time, stacked[0].astype("datetime64[s]"), stacked[1].astype("datetime64[s]"),
                       ids, paused)


def _join_batches(batches: list[CaseRecords]) -> CaseRecords | None:
    """Batches newest first, joined; a case id seen in a newer batch replaces its older records."""
    if len(batches) <= 1:
        return batches[0] if batches else None
    return CaseRecords.join(batches, newest_id_wins=True)


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine

    def save_collection(self, result: CollectionResult, accumulates_cases: bool = False) -> None:
        """Record a collection run and its new observations in one transaction.

        Observations from a named source (a dropped file) replace those stored from a source of
        the same name. Once the transaction is committed the result's handover is told so (a drop
        folder moves its files only then); when it fails, the handover is told nothing was stored.
        """
        try:
            self._save(result, accumulates_cases)
        except BaseException:
            if result.handover is not None:
                result.handover.abandoned()
            raise
        if result.handover is not None:
            result.handover.committed()

    def _save(self, result: CollectionResult, accumulates_cases: bool) -> None:
        with Session(self.engine) as session:
            session.add(CollectionRun(
                feed=result.feed, fetched_at=result.fetched_at, ok=result.ok,
                error_category=result.error_category, error=result.error,
                rows_accepted=result.rows_accepted, rows_rejected=json.dumps(result.rows_rejected),
                rows_skipped=json.dumps(result.rows_skipped),
                bytes_read=result.bytes_read, duration_seconds=result.duration_seconds))
            self._forget_sources(session, result)
            observations = Observation.__table__
            rows = [{"feed": result.feed, "series": point.series, "fetched_at": result.fetched_at,
                     "data_time": point.data_time, "value": point.value, "source": point.source}
                    for point in self._new_points(session, result.feed, result.values)]
            if rows:   # one executemany, not an ORM object per point
                session.execute(insert(observations), rows)
            batches = [{"feed": result.feed, "series": batch.series, "fetched_at": result.fetched_at,
                        "data_time": batch.data_time, "n_cases": len(batch), "cases": _pack_cases(batch),
                        "case_ids": _pack_ids(batch), "case_paused": _pack_paused(batch), "source": batch.source}
                       for batch in result.cases]
            if batches:
                session.execute(insert(observations), batches)
                self._prune_case_blobs(session, result.feed, sorted({b.series for b in result.cases}),
                                       accumulates_cases)
            session.commit()

    @staticmethod
    def _forget_sources(session: Session, result: CollectionResult) -> None:
        """A file submitted again under the same name replaces what the earlier one brought."""
        sources = {o.source for o in [*result.values, *result.cases] if o.source is not None}
        if sources:
            session.execute(delete(Observation).where(Observation.feed == result.feed,
                                                      Observation.source.in_(sorted(sources))))

    @staticmethod
    def _new_points(session: Session, feed: str, points: Sequence[ValuePoint]) -> Iterable[ValuePoint]:
        """Skip values already stored for the same series and data time (feeds repeat themselves)."""
        if not points:
            return []
        known = set(session.exec(select(Observation.series, Observation.data_time).where(
            Observation.feed == feed, Observation.cases.is_(None),
            Observation.data_time >= min(p.data_time for p in points))).all())
        return [p for p in points if (p.series, p.data_time) not in known]

    @staticmethod
    def _prune_case_blobs(session: Session, feed: str, series: list[str], accumulates: bool) -> None:
        """Snapshot feeds keep the newest CASE_BLOBS_KEPT batches per series; accumulating feeds every
        batch younger than CASE_BATCHES_MAX_AGE_DAYS. A few statements for all the series at once."""
        doomed: list[int] = []
        for start in range(0, len(series), 500):
            query = select(Observation.id, Observation.series).where(
                Observation.feed == feed, Observation.series.in_(series[start:start + 500]),
                Observation.cases.is_not(None))
            if accumulates:
                cutoff = datetime.now(timezone.utc) - timedelta(days=CASE_BATCHES_MAX_AGE_DAYS)
                doomed += [row_id for row_id, _ in session.execute(query.where(Observation.data_time < cutoff))]
                continue
            kept: dict[str, int] = {}
            for row_id, name in session.execute(query.order_by(Observation.data_time.desc(), Observation.id.desc())):
                kept[name] = kept.get(name, 0) + 1
                if kept[name] > CASE_BLOBS_KEPT:
                    doomed.append(row_id)
        for start in range(0, len(doomed), 500):
            session.execute(delete(Observation).where(Observation.id.in_(doomed[start:start + 500])))

    def measure_data(self, feed: str, series: str, since: datetime | None = None,
                     accumulates_cases: bool = False) -> MeasureData:
        """Values since `since` and case records: the newest batch, or every batch since `since`
        joined together when the feed brings only new cases each time."""
        with Session(self.engine) as session:
            query = select(Observation).where(Observation.feed == feed, Observation.series == series,
                                              Observation.cases.is_(None))
            if since is not None:
                query = query.where(Observation.data_time >= since)
            values = tuple(ValuePoint(o.series, o.data_time, o.value)
                           for o in session.exec(query.order_by(Observation.data_time)).all())
            batches = select(Observation).where(
                Observation.feed == feed, Observation.series == series, Observation.cases.is_not(None),
            ).order_by(Observation.data_time.desc(), Observation.id.desc())
            if accumulates_cases and since is not None:
                batches = batches.where(Observation.data_time >= since)
            rows = session.exec(batches if accumulates_cases else batches.limit(1)).all()
            unpacked = [_unpack_cases(series, row.data_time, row) for row in rows]
        return MeasureData(values=values, cases=_join_batches(unpacked))

    def measure_data_many(self, feed: str, wanted: Iterable[tuple[str, datetime | None]],
                          accumulates_cases: bool = False) -> dict[tuple[str, datetime | None], MeasureData]:
        """`measure_data` for many (series, since) pairs of one feed in two queries (values, case
        batches) instead of two per pair; what each pair gets is what `measure_data` gives it."""
        wanted = list(dict.fromkeys(wanted))
        if not wanted:
            return {}
        sinces = [since for _, since in wanted]
        floor = None if any(since is None for since in sinces) else min(sinces)  # type: ignore[type-var]
        floors = dict.fromkeys(series for series, _ in wanted)
        values: dict[str, list[ValuePoint]] = {series: [] for series in floors}
        newest: dict[str, list[tuple[int, datetime]]] = {series: [] for series in floors}
        with Session(self.engine) as session:
            query = select(Observation.series, Observation.data_time, Observation.value).where(
                Observation.feed == feed, Observation.cases.is_(None))
            if floor is not None:
                query = query.where(Observation.data_time >= floor)
            for series, data_time, value in session.execute(query.order_by(Observation.data_time, Observation.id)):
                if series in values:
                    values[series].append(ValuePoint(series, data_time, value))
            batches = select(Observation.id, Observation.series, Observation.data_time).where(
                Observation.feed == feed, Observation.cases.is_not(None))
            if accumulates_cases and floor is not None:
                batches = batches.where(Observation.data_time >= floor)
            for row_id, series, data_time in session.execute(
                    batches.order_by(Observation.data_time.desc(), Observation.id.desc())):
                if series in newest and (accumulates_cases or not newest[series]):
                    newest[series].append((row_id, data_time))
            needed = [row_id for rows in newest.values() for row_id, _ in rows]
            blobs: dict[int, Observation] = {}
            for start in range(0, len(needed), 500):
                for row in session.exec(select(Observation).where(Observation.id.in_(needed[start:start + 500]))):
                    blobs[row.id] = row
            answer: dict[tuple[str, datetime | None], MeasureData] = {}
            for series, since in wanted:
                points = values[series]
                if since is not None and (floor is None or since > floor):
                    points = [p for p in points if p.data_time >= since]
                rows = newest[series]
                if accumulates_cases and since is not None:
                    rows = [r for r in rows if r[1] >= since]
                cases = _join_batches([_unpack_cases(series, data_time, blobs[row_id]) for row_id, data_time in rows])
                answer[(series, since)] = MeasureData(values=tuple(points), cases=cases)
        return answer

    def save_evaluations(self, evaluations: Sequence[Evaluation]) -> dict[str, str | None]:
        """Append to history and update current state, in a few statements whatever the number of
        evaluations. Returns each commitment's previous status."""
        previous: dict[str, str | None] = {}
        if not evaluations:
            return previous
        history = []
        plan: dict[str, dict[str, object]] = {}     # the current-state row each commitment ends with
        with Session(self.engine) as session:
            stored: dict[str, str] = {}
            wanted = sorted({ev.commitment for ev in evaluations})
            for start in range(0, len(wanted), 500):
                stored.update(session.execute(select(CurrentState.commitment, CurrentState.status).where(
                    CurrentState.commitment.in_(wanted[start:start + 500]))).all())
            current: dict[str, str | None] = dict(stored)
            for ev in evaluations:
                fields = _row_fields(ev)
                history.append({"commitment": ev.commitment, "evaluated_at": ev.evaluated_at, **fields})
                before = current.get(ev.commitment)
                previous[ev.commitment] = before
                row = {"commitment": ev.commitment, "evaluated_at": ev.evaluated_at, **fields}
                if before != ev.status:
                    row["status_since"] = ev.evaluated_at
                elif "status_since" in plan.get(ev.commitment, {}):
                    row["status_since"] = plan[ev.commitment]["status_since"]
                plan[ev.commitment] = row
                current[ev.commitment] = ev.status
            session.execute(insert(EvaluationRow.__table__), history)
            fresh = [row for cid, row in plan.items() if cid not in stored]
            if fresh:
                session.execute(insert(CurrentState.__table__), fresh)
            for changed in (True, False):
                rows = [row for cid, row in plan.items() if cid in stored and ("status_since" in row) == changed]
                if rows:
                    table = CurrentState.__table__
                    columns = [k for k in rows[0] if k != "commitment"]
                    session.execute(update(table).where(table.c.commitment == bindparam("b_commitment"))
                                    .values({k: bindparam("b_" + k) for k in columns}),
                                    [{"b_" + k: v for k, v in row.items()} for row in rows])
            session.commit()
        return previous

    def current_states(self) -> dict[str, CurrentState]:
        with Session(self.engine) as session:
            return {s.commitment: s for s in session.exec(select(CurrentState)).all()}

    def current_evaluations(self) -> dict[str, Evaluation]:
        return {cid: Evaluation(commitment=cid, evaluated_at=s.evaluated_at,
                                **_evaluation_fields(s))
                for cid, s in self.current_states().items()}

    def history(self, commitment: str, limit: int = 20) -> list[EvaluationRow]:
        """The commitment's most recent evaluations, newest first."""
        with Session(self.engine) as session:
            return list(session.exec(select(EvaluationRow).where(EvaluationRow.commitment == commitment)
                                     .order_by(EvaluationRow.evaluated_at.desc(), EvaluationRow.id.desc())
                                     .limit(limit)).all())

    def last_runs(self) -> dict[str, CollectionRun]:
        with Session(self.engine) as session:
            runs = session.exec(select(CollectionRun).order_by(CollectionRun.fetched_at)).all()
        return {run.feed: run for run in runs}


def evaluation_dict(evaluation: Evaluation) -> dict:
    data = asdict(evaluation)
    for key in ("evaluated_at", "data_time", "settled_on"):
        data[key] = data[key].isoformat() if data[key] else None
    data["overdue_case_ids"] = list(evaluation.overdue_case_ids)
    return data
