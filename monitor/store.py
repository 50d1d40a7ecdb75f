"""The store: observations, the history of verdicts (each change and a daily snapshot), the current state
per commitment, collection runs.

SQLite by default, any SQLAlchemy URL through MONITOR_DATABASE_URL. The schema is created and
upgraded on start by Alembic migrations (`monitor.migrations`), one revision per change.
"""

from __future__ import annotations

import io
import json
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict
from dataclasses import fields as dataclass_fields
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import DateTime, Index, LargeBinary, Table, bindparam, delete, event, func, insert, type_coerce, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.types import NullType, TypeDecorator
from sqlmodel import Column, Field, Session, SQLModel, col, create_engine, select

from monitor import names
from monitor.cases import CaseCounts, OffendingCase
from monitor.evaluate import Evaluation
from monitor.observations import (
    CaseRecords,
    CollectionResult,
    DataWanted,
    MeasureData,
    PauseIntervals,
    ValuePoint,
    utc_bound,
)

T = TypeVar("T")

CASE_BLOBS_KEPT = 3                 # snapshot feeds: the newest few batches
CASE_BATCHES_MAX_AGE_DAYS = 400     # accumulating feeds (drop folders): every batch this recent
PAGE = 500                          # parameters in one IN (...): well under any database's limit
ACTUAL_TOLERANCE = 1e-6             # history: an actual within this relative distance of the one before is no change
# history: a verdict is recorded when one of these differs from the verdict before it (or the actual moves
# by more than the tolerance, or it is the commitment's first verdict of a UTC day)
CHANGE_FIELDS = ("status", "settled_on", "provisional", "overdue_open", "offending_total")
CURRENT_REFRESH = timedelta(hours=1)   # a steady feed's run and an alert state's moving times are written this often
# a case batch sent again unchanged: its row, which carries the cases, is rewritten for its newer data time
# this often (hourly rewrote every case batch 24 times a day: ~1 GB a day at 100,000 commitments); this
# process reads the newer time at once, and a clean stop writes it (Store.flush)
BATCH_TIME_REFRESH = timedelta(days=1)
# collection runs: a successful run is recorded when one of these differs from the feed's last recorded run
# (or that one is CURRENT_REFRESH old, or another process recorded it); a failed run always
RUN_OUTCOME = ("ok", "error_category", "error", "rows_accepted", "rows_rejected", "rows_skipped")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC, read back aware on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _time_column(index: bool = False, nullable: bool = False) -> Any:
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
    case_items: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    case_rejected: str | None = None   # JSON [[reason, count]]: the series' rows the collector rejected
    source: str | None = None      # the submitted file (drop folders): a new file of that name replaces these rows


class EvaluationFields(SQLModel):
    """The verdict columns: declared once here for every table that holds a verdict (the history, the
    current state, alerts.tables.AlertState), named as monitor.evaluate.Evaluation's fields (the
    domain's pure dataclass cannot be a table; tests/test_store.py holds the two together)."""

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
    paused_cases: int | None = None
    paused_total: float | None = None
    offending_total: int | None = None
    offending_cases: bytes | None = Field(default=None, sa_type=LargeBinary, nullable=True)  # zlib'd JSON; current only
    case_counts: str | None = None          # JSON object (monitor.cases.CaseCounts)


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
    """A feed's collections: every failure, every change of outcome, and a steady feed's run hourly
    (`Store.save_collection`); the exporter's feed_last_success says when it last succeeded."""

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


VERDICT_FIELDS = tuple(EvaluationFields.model_fields)
_MOVING_FIELDS = ("provisional", "offending_cases", "data_time")   # compared apart by Store._stale


def verdict_columns(evaluation: Evaluation) -> dict[str, Any]:
    """The evaluation's values for the verdict columns (case ids as a JSON list, the late cases packed)."""
    fields = {k: getattr(evaluation, k) for k in VERDICT_FIELDS}
    ids = evaluation.overdue_case_ids
    fields["overdue_case_ids"] = json.dumps(list(ids), ensure_ascii=False) if ids else "[]"
    fields["offending_cases"] = pack_offending(evaluation.offending_cases)
    fields["case_counts"] = None if evaluation.case_counts is None else _counts_json(evaluation.case_counts)
    return fields


_CASE_COUNT_FIELDS = tuple(f.name for f in dataclass_fields(CaseCounts))


def _counts_json(counts: CaseCounts) -> str:
    """`json.dumps(asdict(counts))` without asdict's deep copy (the fields are numbers and pairs of a
    reason and a number, written the same from tuples as from their copies)."""
    return json.dumps({k: getattr(counts, k) for k in _CASE_COUNT_FIELDS})


def pack_offending(cases: Sequence[OffendingCase]) -> bytes | None:
    """The late cases as compressed JSON (at most cases.OFFENDING_KEPT of them: a few kB)."""
    if not cases:
        return None
    rows = [[c.id, c.item, c.submitted.isoformat(), c.due.isoformat(),
             c.completed.isoformat() if c.completed else None, c.over] for c in cases]
    return zlib.compress(json.dumps(rows, ensure_ascii=False).encode(), 6)


def unpack_offending(packed: bytes | None) -> tuple[OffendingCase, ...]:
    if not packed:
        return ()
    return tuple(OffendingCase(i, item, datetime.fromisoformat(s), datetime.fromisoformat(d),
                               datetime.fromisoformat(e) if e else None, float(over))
                 for i, item, s, d, e, over in json.loads(zlib.decompress(packed)))


def same_late_cases(before: bytes | None, after: bytes | None) -> bool:
    """Whether two packed lists of late cases name the same cases, differing at most in how far past
    its limit a still-open case is: that grows with the clock at every evaluation, and is no change
    worth rewriting a row for (the row is rewritten hourly anyway)."""
    if before == after:
        return True
    if not before or not after:
        return False
    old, new = unpack_offending(before), unpack_offending(after)
    return len(old) == len(new) and all(
        (o.id, o.item, o.submitted, o.due, o.completed) == (n.id, n.item, n.submitted, n.due, n.completed)
        and (o.completed is None or o.over == n.over) for o, n in zip(old, new))


def unpack_counts(packed: str | None) -> CaseCounts | None:
    if not packed:
        return None
    fields = json.loads(packed)
    fields["rejected"] = tuple((str(r), int(n)) for r, n in fields.get("rejected", ()))
    return CaseCounts(**fields)


def evaluation_from_row(commitment: str, evaluated_at: datetime, row: EvaluationFields) -> Evaluation:
    """The verdict a table row holds (the current state, an alert's state) as an Evaluation."""
    return Evaluation(commitment=commitment, evaluated_at=evaluated_at, **_evaluation_fields(row))


def _evaluation_fields(row: EvaluationFields) -> dict[str, Any]:
    fields = {k: getattr(row, k) for k in VERDICT_FIELDS}
    fields["provisional"] = bool(row.provisional)
    fields["overdue_case_ids"] = tuple(json.loads(row.overdue_case_ids or "[]"))
    fields["offending_cases"] = unpack_offending(row.offending_cases)
    fields["case_counts"] = unpack_counts(row.case_counts)
    return fields


def _table(model: type[SQLModel]) -> Table:
    """The table behind a table class (for Core executemany statements)."""
    return SQLModel.metadata.tables[str(model.__tablename__)]


def later(moment: datetime | None, than: datetime | None) -> bool:
    """Whether `moment` is a time past `than` (any time is past none)."""
    return moment is not None and (than is None or moment > than)


def moved_back(before: datetime | None, after: datetime | None) -> bool:
    """Whether a time that should only move forward changed otherwise (back, or to none)."""
    return before != after and not later(after, before)


def in_pages(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), PAGE):
        yield items[start:start + PAGE]


K = TypeVar("K")


def _earliest(times: Iterable[tuple[K, datetime | None]]) -> dict[K, datetime | None]:
    """Each key's earliest time; None (from the beginning) is earlier than any."""
    earliest: dict[K, datetime | None] = {}
    for key, at in times:
        before = earliest.get(key, at)
        earliest[key] = None if at is None or before is None else min(at, before)
    return earliest


def _pages_from(since_of: Mapping[str, datetime | None]) -> Iterator[tuple[list[str], datetime | None]]:
    """Series a page at a time, ordered by how far back they are read, each page with its earliest
    time: one series read from years ago does not make every series read its years."""
    ordered = sorted(since_of.items(), key=lambda item: item[1].timestamp() if item[1] else float("-inf"))
    for page in in_pages(ordered):
        yield [name for name, _ in page], page[0][1]


def _value_rows(feed: str, series: Sequence[str], since: datetime | None) -> Any:
    """(series, data_time as stored, value) of these series' values from `since` (None: all): the time
    goes through a `StoredTimes` of the session (thousands of rows share a few dozen times)."""
    table = _table(Observation)   # Core columns: plain rows, not the ORM's loading per row
    query = sa_select(table.c.series, _as_stored(table.c.data_time), table.c.value).where(
        table.c.feed == feed, table.c.series.in_(series), table.c.cases.is_(None))
    return query if since is None else query.where(table.c.data_time >= since)


def _as_stored(column: Any) -> Any:
    """The column as the database driver gives it, without the column type's reading."""
    return type_coerce(column, NullType()).label(column.key)


def _in_utc() -> Callable[[datetime], datetime]:
    """Aware times as the same instants in UTC (the zone stored times are read in), each distinct time
    object converted once. Comparing two times of different zones (even two fixed offsets parsed
    apart) converts both at every comparison; in one zone it is a plain comparison. Only fixed offsets
    are converted: a time of a zone with daylight saving in its repeated hour never equals a time of
    another zone, which converting would change. A naive time (which the store refuses) stays as it is."""
    converted: dict[int, tuple[datetime, datetime]] = {}

    def utc(moment: datetime) -> datetime:
        if moment.tzinfo is UTC or not isinstance(moment.tzinfo, timezone):
            return moment
        known = converted.get(id(moment))
        if known is None or known[0] is not moment:
            known = converted[id(moment)] = (moment, moment.astimezone(UTC))
        return known[1]
    return utc


class StoredTimes:
    """Reads stored `data_time` values as the column type reads them (aware UTC datetimes), each distinct
    stored value once: a feed's values fall on a few dozen times (its series report the same days), and
    turning every row's text into a datetime was most of reading them."""

    def __init__(self, session: Session):
        dialect = session.get_bind().dialect
        column_type = _table(Observation).c.data_time.type
        self._read: Callable[[Any], Any] = (column_type.dialect_impl(dialect).result_processor(dialect, None)
                                            or (lambda value: value))
        self._known: dict[Any, datetime] = {}

    def __call__(self, stored: Any) -> datetime:
        try:
            return self._known[stored]
        except KeyError:
            moment = self._known[stored] = self._read(stored)
            return moment   # type: ignore[no-any-return]   # data_time is never NULL


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
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


def _pack_cases(cases: CaseRecords) -> bytes:
    stacked = np.stack([cases.submitted.astype("datetime64[s]").astype(np.int64),
                        cases.completed.astype("datetime64[s]").astype(np.int64)])
    return zlib.compress(stacked.tobytes(), 1)


def _pack_ids(cases: CaseRecords) -> bytes | None:
    if cases.ids is None:
        return None
    return zlib.compress(json.dumps([str(i) for i in cases.ids.tolist()], ensure_ascii=False).encode(), 1)


def _pack_items(cases: CaseRecords) -> bytes | None:
    if cases.items is None:
        return None
    return zlib.compress(json.dumps([str(i) for i in cases.items.tolist()], ensure_ascii=False).encode(), 1)


_PAUSES_MAGIC = b"\x00PAUSES1"   # then an .npz: totals in a stated unit, pause intervals, or both


def _pack_paused(cases: CaseRecords) -> bytes | None:
    """Suspended time: the totals alone as float64 (as before stated units and intervals), else an .npz."""
    if cases.paused_unit is None and cases.pauses is None:
        return None if cases.paused is None else zlib.compress(cases.paused.astype(np.float64).tobytes(), 1)
    arrays: dict[str, np.ndarray] = {}
    if cases.paused is not None:
        arrays["totals"] = cases.paused.astype(np.float64)
        arrays["unit"] = np.array(cases.paused_unit or "", dtype=str)
    if cases.pauses is not None:
        arrays |= {"case": cases.pauses.case.astype(np.int64),
                   "start": cases.pauses.start.astype("datetime64[s]").astype(np.int64),
                   "end": cases.pauses.end.astype("datetime64[s]").astype(np.int64)}
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    return zlib.compress(_PAUSES_MAGIC + buffer.getvalue(), 1)


def _unpack_paused(blob: bytes | None) -> tuple[np.ndarray | None, str | None, PauseIntervals | None]:
    if not blob:
        return None, None, None
    raw = zlib.decompress(blob)
    if not raw.startswith(_PAUSES_MAGIC):
        return np.frombuffer(raw, dtype=np.float64), None, None
    with np.load(io.BytesIO(raw[len(_PAUSES_MAGIC):]), allow_pickle=False) as parts:
        totals = parts["totals"] if "totals" in parts else None
        unit = (str(parts["unit"]) or None) if "unit" in parts else None
        pauses = (PauseIntervals(parts["case"].astype(np.intp), parts["start"].astype("datetime64[s]"),
                                 parts["end"].astype("datetime64[s]")) if "case" in parts else None)
    return totals, unit, pauses


_BATCH_COLUMNS = ("series", "data_time", "n_cases", "cases", "case_ids", "case_paused", "case_items", "case_rejected")


def _unpack_cases(series: str, data_time: datetime, row: Any) -> CaseRecords:
    """A stored batch (an Observation, or a row of its _BATCH_COLUMNS) as case records."""
    assert row.cases is not None and row.n_cases is not None
    stacked = np.frombuffer(zlib.decompress(row.cases), dtype=np.int64).reshape(2, row.n_cases)
    ids = np.array(json.loads(zlib.decompress(row.case_ids)), dtype=str) if row.case_ids else None
    paused, paused_unit, pauses = _unpack_paused(row.case_paused)
    items = np.array(json.loads(zlib.decompress(row.case_items)), dtype=str) if row.case_items else None
    return CaseRecords(series, data_time, stacked[0].astype("datetime64[s]"), stacked[1].astype("datetime64[s]"),
                       ids, paused, paused_unit=paused_unit, pauses=pauses, items=items,
                       rejected=tuple((str(r), int(n)) for r, n in json.loads(row.case_rejected or "[]")))


def _join_batches(batches: list[CaseRecords]) -> CaseRecords | None:
    """Batches newest first, joined; a case id seen in a newer batch replaces its older records."""
    if len(batches) <= 1:
        return batches[0] if batches else None
    return CaseRecords.join(batches, newest_id_wins=True)


def actual_changed(before: float | None, after: float | None, tolerance: float = ACTUAL_TOLERANCE) -> bool:
    """Whether an actual moved by more than `tolerance` relative to the larger of the two (None to a
    number, or back, is a change)."""
    if before is None or after is None:
        return (before is None) != (after is None)
    return abs(after - before) > tolerance * max(abs(before), abs(after))


def verdict_changed(before: Mapping[str, Any] | None, after: Mapping[str, Any], tolerance: float = ACTUAL_TOLERANCE) -> bool:
    """Whether a verdict (verdict columns, with `evaluated_at`) is worth a history row after the one
    before it: the first, a change of CHANGE_FIELDS or of the actual, or the first of a new UTC day."""
    if before is None:
        return True
    if any(bool(before.get(k)) != bool(after.get(k)) if k == "provisional" else before.get(k) != after.get(k)
           for k in CHANGE_FIELDS):
        return True
    if actual_changed(before.get("actual"), after.get("actual"), tolerance):
        return True
    return _utc_day(before["evaluated_at"]) != _utc_day(after["evaluated_at"])


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


class Store:
    def __init__(self, engine: Engine, actual_tolerance: float = ACTUAL_TOLERANCE):
        self.engine = engine
        self.actual_tolerance = actual_tolerance
        self._runs_recorded: dict[str, datetime] = {}   # feed -> fetched_at of the run this process last recorded
        # a stored case batch sent again unchanged with a newer data time: id -> (data time, fetched at),
        # written at most every CURRENT_REFRESH (the row carries the packed cases: rewriting it every
        # cycle was 175 MB a round at 100,000 commitments); reads of this process see the newer time
        self._moved_batches: dict[int, tuple[datetime, datetime]] = {}
        self._moved_lock = threading.Lock()

    def save_collection(self, result: CollectionResult, accumulates_cases: bool = False) -> None:
        """Record a collection run (when it says something new: `_run_is_news`) and its new observations
        in one transaction.

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
            run = CollectionRun(
                feed=result.feed, fetched_at=result.fetched_at, ok=result.ok,
                error_category=result.error_category, error=result.error,
                rows_accepted=result.rows_accepted, rows_rejected=json.dumps(result.rows_rejected),
                rows_skipped=json.dumps(result.rows_skipped),
                bytes_read=result.bytes_read, duration_seconds=result.duration_seconds)
            recorded = self._run_is_news(session, run)
            if recorded:
                session.add(run)
            self._forget_sources(session, result)
            observations = _table(Observation)
            rows = [{"feed": result.feed, "series": point.series, "fetched_at": result.fetched_at,
                     "data_time": point.data_time, "value": point.value, "source": point.source}
                    for point in self._new_points(session, result.feed, result.values)]
            if rows:   # one executemany, not an ORM object per point
                session.execute(insert(observations), rows)
            batches = [{"feed": result.feed, "series": batch.series, "fetched_at": result.fetched_at,
                        "data_time": batch.data_time, "n_cases": len(batch), "cases": _pack_cases(batch),
                        "case_ids": _pack_ids(batch), "case_paused": _pack_paused(batch), "source": batch.source,
                        "case_items": _pack_items(batch),
                        "case_rejected": json.dumps(batch.rejected) if batch.rejected else None}
                       for batch in result.cases]
            if not accumulates_cases:
                batches = self._new_batches(session, result.feed, batches)
            if batches:
                session.execute(insert(observations), batches)
            self._prune_case_blobs(session, result.feed, sorted({b.series for b in result.cases}), accumulates_cases,
                                   result.fetched_at)
            session.commit()
        if recorded:
            self._runs_recorded[result.feed] = result.fetched_at

    def _run_is_news(self, session: Session, run: CollectionRun) -> bool:
        """Whether a run is worth a row: a failure; a feed whose last recorded run is not the one this
        process recorded last (its first run here: a start, or a replica taking the feed over, shows);
        an outcome (RUN_OUTCOME) other than the last recorded run's; or that run CURRENT_REFRESH old.
        A steady feed collected every minute so writes a row an hour, and the last row still says how
        its last collection went."""
        if not run.ok:
            return True
        last = session.exec(select(CollectionRun).where(CollectionRun.feed == run.feed).order_by(
            col(CollectionRun.fetched_at).desc(), col(CollectionRun.id).desc()).limit(1)).first()
        if last is None or self._runs_recorded.get(run.feed) != last.fetched_at:
            return True
        if any(getattr(last, k) != getattr(run, k) for k in RUN_OUTCOME):
            return True
        return bool(run.fetched_at - last.fetched_at >= CURRENT_REFRESH)

    @staticmethod
    def _forget_sources(session: Session, result: CollectionResult) -> None:
        """A file submitted again under the same name replaces what the earlier one brought."""
        sources = {o.source for o in result.values if o.source is not None}
        sources |= {o.source for o in result.cases if o.source is not None}
        if sources:
            session.execute(delete(Observation).where(col(Observation.feed) == result.feed,
                                                      col(Observation.source).in_(sorted(sources))))

    def _new_batches(self, session: Session, feed: str, batches: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The batches that differ from their series' newest stored batch (a snapshot feed mostly sends
        the same cases again): an identical one is not stored again; when only its data time moved,
        the stored batch takes the new data and fetch times: in this process's memory at once, in the
        row when they moved BATCH_TIME_REFRESH or more past the stored ones (or back), and at `flush`."""
        candidates = {b["series"]: b for b in batches if b["source"] is None}
        if not candidates:
            return batches
        same: set[str] = set()
        moved: list[dict[str, Any]] = []
        table = _table(Observation)
        for page in in_pages(sorted(candidates)):
            rank = func.row_number().over(partition_by=table.c.series,
                                          order_by=(table.c.data_time.desc(), table.c.id.desc()))
            newest = select(table.c.id, rank.label("rank")).where(
                table.c.feed == feed, table.c.series.in_(page), table.c.cases.is_not(None)).subquery()
            query = sa_select(table.c.id, table.c.series, table.c.data_time, table.c.n_cases, table.c.cases,
                           table.c.case_ids, table.c.case_paused, table.c.source
                           ).join(newest, newest.c.id == table.c.id).where(newest.c.rank == 1)
            for stored in session.execute(query).mappings():
                batch = candidates[stored["series"]]
                if stored["source"] is not None or any(stored[k] != batch[k] for k in
                                                       ("n_cases", "cases", "case_ids", "case_paused")):
                    continue
                same.add(batch["series"])
                if stored["data_time"] == batch["data_time"]:
                    continue
                ahead = batch["data_time"] - stored["data_time"]
                with self._moved_lock:
                    if timedelta(0) < ahead < BATCH_TIME_REFRESH:
                        self._moved_batches[stored["id"]] = (batch["data_time"], batch["fetched_at"])
                        continue
                    self._moved_batches.pop(stored["id"], None)
                moved.append({"b_id": stored["id"], "b_data_time": batch["data_time"],
                              "b_fetched_at": batch["fetched_at"]})
        if moved:   # one executemany, not a statement per series
            session.execute(update(table).where(table.c.id == bindparam("b_id")).values(
                data_time=bindparam("b_data_time"), fetched_at=bindparam("b_fetched_at")), moved)
        return [b for b in batches if b["source"] is not None or b["series"] not in same]

    def _batch_time(self, batch_id: int | None, stored: datetime) -> datetime:
        """A case batch's data time as this process last saw it sent (newer than the row's, at times)."""
        moved = None if batch_id is None else self._moved_batches.get(batch_id)
        return moved[0] if moved is not None and moved[0] > stored else stored

    def flush(self) -> None:
        """Write the case batches' data times kept in memory (at a clean stop)."""
        with self._moved_lock:
            moved, self._moved_batches = self._moved_batches, {}
        if not moved:
            return
        table = _table(Observation)
        with Session(self.engine) as session:
            session.execute(update(table).where(table.c.id == bindparam("b_id")).values(
                data_time=bindparam("b_data_time"), fetched_at=bindparam("b_fetched_at")),
                [{"b_id": i, "b_data_time": d, "b_fetched_at": f} for i, (d, f) in moved.items()])
            session.commit()

    @staticmethod
    def _new_points(session: Session, feed: str, points: Sequence[ValuePoint]) -> Iterable[ValuePoint]:
        """Skip values already stored for the same series and data time (feeds repeat themselves).
        Each series is compared from its own earliest point in `points` (pages of series ordered by it),
        so a series reaching back years does not make every series read its stored years."""
        if not points:
            return []
        known: set[tuple[str, datetime]] = set()
        read = StoredTimes(session)
        utc = _in_utc()   # the points' times in the stored times' zone: the same instants, compared much faster
        keys = [(p.series, utc(p.data_time)) for p in points]
        for page, since in _pages_from(_earliest(keys)):
            rows = session.execute(_value_rows(feed, page, since)).all()   # one fetchall, not a fetchone per row
            known.update((name, read(data_time)) for name, data_time, _ in rows)
        return [p for p, key in zip(points, keys) if key not in known]

    @staticmethod
    def _prune_case_blobs(session: Session, feed: str, series: Sequence[str], accumulates: bool,
                          now: datetime) -> None:
        """Drop the case batches no evaluation reads any more, for every series at once (two statements
        per page of series): all but the newest CASE_BLOBS_KEPT, or (accumulating feeds) those older than
        CASE_BATCHES_MAX_AGE_DAYS before `now`, the collection's own time: the store reads no clock."""
        if not series:
            return
        session.flush()
        ids: list[int | None] = []
        for page in in_pages(list(series)):
            batches = (col(Observation.feed) == feed, col(Observation.series).in_(page),
                       col(Observation.cases).is_not(None))
            if accumulates:
                cutoff = now - timedelta(days=CASE_BATCHES_MAX_AGE_DAYS)
                ids += session.exec(select(Observation.id).where(*batches, Observation.data_time < cutoff)).all()
            else:
                rank = func.row_number().over(partition_by=Observation.series,
                                              order_by=(col(Observation.data_time).desc(), col(Observation.id).desc()))
                ranked = select(Observation.id, rank.label("rank")).where(*batches).subquery()
                ids += session.exec(select(ranked.c.id).where(ranked.c.rank > CASE_BLOBS_KEPT)).all()
        for page_ids in in_pages(ids):
            session.execute(delete(Observation).where(col(Observation.id).in_(page_ids)))

    def measure_data(self, feed: str, series: str, since: datetime | None = None,
                     accumulates_cases: bool = False) -> MeasureData:
        """Values since `since` and case records: the newest batch, or every batch since `since`
        joined together when the feed brings only new cases each time."""
        with Session(self.engine) as session:
            query = select(Observation).where(Observation.feed == feed, Observation.series == series,
                                              col(Observation.cases).is_(None))
            if since is not None:
                query = query.where(Observation.data_time >= since)
            values = tuple(ValuePoint(o.series, o.data_time, o.value)
                           for o in session.exec(query.order_by(col(Observation.data_time))).all()
                           if o.value is not None)    # a value row always has one (it is how it is stored)
            batches = select(Observation).where(
                col(Observation.feed) == feed, col(Observation.series) == series, col(Observation.cases).is_not(None),
            ).order_by(col(Observation.data_time).desc(), col(Observation.id).desc())
            if accumulates_cases and since is not None:
                batches = batches.where(Observation.data_time >= since)
            rows = session.exec(batches if accumulates_cases else batches.limit(1)).all()
            unpacked = [_unpack_cases(series, self._batch_time(row.id, row.data_time), row) for row in rows]
        return MeasureData(values=values, cases=_join_batches(unpacked))

    def feed_data(self, feed: str, wanted: Iterable[tuple[str, datetime | None] | DataWanted],
                  accumulates_cases: bool = False) -> dict[tuple[Any, ...], MeasureData]:
        """What `measure_data` gives for each wanted (series, since) of one feed, keyed as asked (with a
        DataWanted's `newest_by`, only the newest value at or before it), read for the whole feed at
        once however many commitments it serves (the daemon evaluates them all after each run).
        Values are read a page of series at a time, the pages ordered by how far back their series are
        read, so one series read from years ago does not drag every series' years along. Case batches
        come in one query; up to PAGE series are named in it, beyond that the feed's batches are read
        and the series picked here, so no statement carries 100,000 parameters."""
        asked = {item: DataWanted(*item) for item in dict.fromkeys(wanted)}
        if not asked:
            return {}
        series = sorted({w.series for w in asked.values()})
        sinces = [w.since for w in asked.values()]
        earliest = None if any(since is None for since in sinces) else min(sinces)   # type: ignore[type-var]
        # Core columns throughout: plain rows, not an ORM object per batch
        table = _table(Observation)
        rows_of = [table.c.feed == feed, table.c.cases.is_not(None)]
        if len(series) <= PAGE:
            rows_of.append(table.c.series.in_(series))
        batches = sa_select(table.c.id, *(table.c[k] for k in _BATCH_COLUMNS)).where(*rows_of)
        if accumulates_cases:   # every batch in the widest window, newest first
            if earliest is not None:
                batches = batches.where(table.c.data_time >= earliest)
            batches = batches.order_by(table.c.data_time.desc(), table.c.id.desc())
        else:                   # the newest batch of each series
            rank = func.row_number().over(partition_by=table.c.series,
                                          order_by=(table.c.data_time.desc(), table.c.id.desc()))
            newest = sa_select(table.c.id, rank.label("rank")).where(*rows_of).subquery()
            batches = batches.join(newest, newest.c.id == table.c.id).where(newest.c.rank == 1)
        points: dict[str, list[ValuePoint]] = {name: [] for name in series}
        latest: dict[tuple[str, datetime | None], ValuePoint] = {}
        unpacked: dict[str, list[CaseRecords]] = {name: [] for name in series}
        with Session(self.engine) as session:
            for name, data_time, value in self._values_since(
                    session, feed, [w for w in asked.values() if w.newest_by is None]):
                if value is not None:    # a value row always has one (it is how it is stored)
                    points[name].append(ValuePoint(name, data_time, value))
            latest.update(self._newest_values(session, feed, [w for w in asked.values() if w.newest_by is not None]))
            for row in session.execute(batches).all():
                if row.series in unpacked:
                    unpacked[row.series].append(_unpack_cases(row.series, self._batch_time(row.id, row.data_time), row))
        found = {}
        for item, (name, since, by) in asked.items():
            cases = [b for b in unpacked[name] if since is None or not accumulates_cases or b.data_time >= since]
            if by is None:
                start = None if since is None else utc_bound(since)
                values = tuple(points[name]) if start is None else tuple(p for p in points[name] if p.data_time >= start)
            else:
                point = latest.get((name, by))
                values = (point,) if point is not None and (since is None or point.data_time >= since) else ()
            found[item] = MeasureData(values=values, cases=_join_batches(cases))
        return found

    @staticmethod
    def _values_since(session: Session, feed: str,
                      wanted: Sequence[DataWanted]) -> Iterator[tuple[str, datetime, float | None]]:
        """(series, data_time, value) of every wanted series from the earliest time any wanter reads
        it, oldest first within each series."""
        read, table = StoredTimes(session), _table(Observation)
        for page, since in _pages_from(_earliest((w.series, w.since) for w in wanted)):
            for name, data_time, value in session.execute(_value_rows(feed, page, since).order_by(
                    table.c.data_time, table.c.id)).all():
                yield name, read(data_time), value

    @staticmethod
    def _newest_values(session: Session, feed: str,
                       wanted: Sequence[DataWanted]) -> Iterator[tuple[tuple[str, datetime | None], ValuePoint]]:
        """((series, newest_by), the newest value at or before newest_by) for each wanted series that
        has one since its earliest wanter's `since`; among equal times the first stored, as a scan
        of the whole series would pick."""
        since_of = _earliest(((w.series, w.newest_by), w.since) for w in wanted)
        read, table = StoredTimes(session), _table(Observation)
        for by in {by for _, by in since_of}:
            for page, since in _pages_from({name: t for (name, b), t in since_of.items() if b == by}):
                rank = func.row_number().over(partition_by=table.c.series,
                                              order_by=(table.c.data_time.desc(), table.c.id))
                query = _value_rows(feed, page, since).add_columns(rank.label("rank"))
                if by is not None:
                    query = query.where(table.c.data_time <= by)
                ranked = query.subquery()
                for name, data_time, value in session.execute(
                        sa_select(ranked.c.series, ranked.c.data_time, ranked.c.value).where(ranked.c.rank == 1)).all():
                    if value is not None:
                        yield (name, by), ValuePoint(name, read(data_time), value)

    def save_evaluations(self, evaluations: Sequence[Evaluation]) -> dict[str, str | None]:
        """Update each commitment's current state and record in the history only what changed, in a
        few statements whatever the number of evaluations. The current-state row is rewritten when the
        verdict differs in any column (how late the open late cases are by now aside) and when a history row is
        written, at least daily with the snapshot (its `evaluated_at` lags the daemon's board by at most a
        day: rewriting every row hourly cost 1.5 GB a day at 100,000 commitments). A verdict goes into the history when it is
        the commitment's first, when it differs from the verdict before it (`verdict_changed`: status,
        settled, provisional, the count of open overdue cases, the actual beyond the tolerance) or when
        it is the commitment's first verdict of a UTC day (the daily snapshot). Returns each
        commitment's previous status."""
        previous: dict[str, str | None] = {}
        if not evaluations:
            return previous
        history = []
        plan: dict[str, dict[str, Any]] = {}     # the current-state row each commitment ends with
        compared = ("commitment", "evaluated_at", *VERDICT_FIELDS)
        recorded: set[str] = set()
        with Session(self.engine) as session:
            stored: dict[str, dict[str, Any]] = {}
            table = _table(CurrentState)
            for page in in_pages(sorted({ev.commitment for ev in evaluations})):
                for found in session.execute(select(*(table.c[k] for k in dict.fromkeys(compared)))
                                             .where(table.c.commitment.in_(page))).mappings():
                    stored[found["commitment"]] = dict(found)
            for ev in evaluations:
                fields = verdict_columns(ev)
                row = {"commitment": ev.commitment, "evaluated_at": ev.evaluated_at, **fields}
                before = plan.get(ev.commitment) or stored.get(ev.commitment)
                previous[ev.commitment] = before["status"] if before else None
                if verdict_changed(before, row, self.actual_tolerance):
                    # the history keeps the counts; the list of late cases only the current verdict
                    history.append({**row, "offending_cases": None})
                    recorded.add(ev.commitment)   # its current state moves with it (the day's snapshot is taken)
                if before is None or before["status"] != ev.status:
                    row = {**row, "status_since": ev.evaluated_at}
                elif "status_since" in plan.get(ev.commitment, {}):
                    row = {**row, "status_since": plan[ev.commitment]["status_since"]}
                plan[ev.commitment] = row
            if history:
                session.execute(insert(_table(EvaluationRow)), history)
            fresh = [row for cid, row in plan.items() if cid not in stored]
            if fresh:
                session.execute(insert(table), fresh)
            for changed in (True, False):
                rows = [row for cid, row in plan.items() if cid in stored and ("status_since" in row) == changed
                        and (changed or cid in recorded or self._stale(stored[cid], row))]
                if rows:
                    columns = [k for k in rows[0] if k != "commitment"]
                    session.execute(update(table).where(table.c.commitment == bindparam("b_commitment"))
                                    .values({k: bindparam("b_" + k) for k in columns}),
                                    [{"b_" + k: v for k, v in row.items()} for row in rows])
            session.commit()
        return previous

    @staticmethod
    def _stale(stored: Mapping[str, Any], row: Mapping[str, Any]) -> bool:
        """Whether a commitment's current-state row needs rewriting for this verdict (its status unchanged):
        when a verdict column differs (the late cases other than by how late the open ones are by now,
        the data time other than by moving forward: a feed that dates its cases by the time it is read
        moves it every cycle).
        A steady commitment's row moves with its daily snapshot, not every cycle; the daemon's board
        holds every verdict."""
        if any(stored.get(k) != row.get(k) for k in VERDICT_FIELDS if k not in _MOVING_FIELDS):
            return True
        if moved_back(stored.get("data_time"), row.get("data_time")):
            return True
        if bool(stored.get("provisional")) != bool(row.get("provisional")):
            return True
        return not same_late_cases(stored.get("offending_cases"), row.get("offending_cases"))

    def current_states(self) -> dict[str, CurrentState]:
        with Session(self.engine) as session:
            return {s.commitment: s for s in session.exec(select(CurrentState)).all()}

    def current_evaluations(self) -> dict[str, Evaluation]:
        return {cid: Evaluation(commitment=cid, evaluated_at=s.evaluated_at,
                                **_evaluation_fields(s))
                for cid, s in self.current_states().items()}

    def history(self, commitment: str, limit: int = 20) -> list[EvaluationRow]:
        """The commitment's most recent recorded verdicts (changes and daily snapshots), newest first."""
        with Session(self.engine) as session:
            return list(session.exec(select(EvaluationRow).where(EvaluationRow.commitment == commitment)
                                     .order_by(col(EvaluationRow.evaluated_at).desc(), col(EvaluationRow.id).desc())
                                     .limit(limit)).all())

    def current_state(self, commitment: str) -> CurrentState | None:
        """The commitment's current verdict row (with `status_since`), if it was ever evaluated."""
        with Session(self.engine) as session:
            return session.get(CurrentState, commitment)

    def recent_history(self, commitments: Iterable[str], points: int) -> dict[str, list[EvaluationRow]]:
        """The last `points` recorded verdicts of each commitment, oldest first, in one query."""
        wanted = sorted(set(commitments))
        if not wanted or points < 1:
            return {}
        rank = func.row_number().over(partition_by=EvaluationRow.commitment,
                                      order_by=(col(EvaluationRow.evaluated_at).desc(), col(EvaluationRow.id).desc()))
        ranked = select(col(EvaluationRow.id), rank.label("rank")).where(col(EvaluationRow.commitment).in_(wanted)).subquery()
        query = (select(EvaluationRow).join(ranked, ranked.c.id == EvaluationRow.id).where(ranked.c.rank <= points)
                 .order_by(col(EvaluationRow.commitment), col(EvaluationRow.evaluated_at), col(EvaluationRow.id)))
        history: dict[str, list[EvaluationRow]] = {c: [] for c in wanted}
        with Session(self.engine) as session:
            for row in session.exec(query).all():
                history[row.commitment].append(row)
        return history

    def latest_runs(self, feeds: Iterable[str]) -> dict[str, CollectionRun]:
        """Each feed's most recent collection run (feeds never collected are absent), in one query."""
        wanted = sorted(set(feeds))
        if not wanted:
            return {}
        rank = func.row_number().over(partition_by=CollectionRun.feed,
                                      order_by=(col(CollectionRun.fetched_at).desc(), col(CollectionRun.id).desc()))
        ranked = select(col(CollectionRun.id), rank.label("rank")).where(col(CollectionRun.feed).in_(wanted)).subquery()
        with Session(self.engine) as session:
            runs = session.exec(select(CollectionRun).join(ranked, ranked.c.id == CollectionRun.id)
                                .where(ranked.c.rank == 1)).all()
        return {run.feed: run for run in runs}


def evaluation_dict(evaluation: Evaluation) -> dict[str, Any]:
    data = asdict(evaluation)
    for key in ("evaluated_at", "data_time", "settled_on"):
        data[key] = data[key].isoformat() if data[key] else None
    data["overdue_case_ids"] = list(evaluation.overdue_case_ids)
    data["offending_cases"] = [{**asdict(c), "submitted": c.submitted.isoformat(), "due": c.due.isoformat(),
                                "completed": c.completed.isoformat() if c.completed else None}
                               for c in evaluation.offending_cases]
    return data
