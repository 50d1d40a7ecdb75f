"""The `sql` feed kind: one read-only query against any SQLAlchemy URL.

The query may use `:window_start` and `:window_end` (naive local times: now minus the feed's
window, and now); its columns are mapped by the feed's series like any table. Aggregation
belongs in the query where the measure allows (a count, a sum, a share); per-case rows are
needed only for working-day durations, which depend on the calendar the monitor holds.

Read-only is enforced three ways: only a single SELECT/WITH statement is accepted, the
transaction is opened read-only where the database supports it (PostgreSQL, MySQL, SQLite's
query_only) and it is always rolled back. On PostgreSQL a role that is or can become a superuser
is refused: its session cannot be held read-only (dblink_exec opens a second, writable session
without a password; so do COPY ... PROGRAM and lo_export). A plain role's dblink needs a password
it does not have. The query runs in a worker thread under a statement timeout (PostgreSQL,
MySQL/MariaDB, SQL Server via pyodbc, Oracle, SQLite), so a slow database never blocks the
daemon's event loop.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from datetime import datetime, timedelta
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from collectors.base import Collector, FeedError, FetchContext
from collectors.http import environment_value
from collectors.series import Extracted, Table, extract_table
from monitor.observations import CollectionResult
from monitor.spec.feeds import SqlFeed

_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
FETCH_CHUNK = 50_000


def check_read_only(query: str) -> str:
    text = _COMMENTS.sub(" ", query).strip().rstrip(";").strip()
    if ";" in text:
        raise FeedError("config", "the query must be a single statement")
    if not re.match(r"(?is)^(select|with)\b", text):
        raise FeedError("config", "the query must be a read-only SELECT (or WITH ... SELECT)")
    return text


class Engines:
    """One SQLAlchemy engine (a connection pool) per database URL, held by the collector between fetches."""

    def __init__(self) -> None:
        self._engines: dict[str, sa.Engine] = {}
        self._lock = threading.Lock()

    def get(self, url: str) -> sa.Engine:
        with self._lock:
            if url not in self._engines:
                try:
                    self._engines[url] = sa.create_engine(url, pool_pre_ping=True)
                except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ImportError) as exc:
                    raise FeedError("config",
                                    f"invalid SQLAlchemy URL or missing driver: {type(exc).__name__}") from None
            return self._engines[url]

    def dispose(self) -> None:
        with self._lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()


_PG_CAN_BE_SUPERUSER = ("SELECT coalesce(bool_or(rolsuper), false) FROM pg_roles "
                        "WHERE pg_has_role(session_user, oid, 'MEMBER')")


def _prepare(connection: sa.Connection, timeout_seconds: float) -> None:
    dialect = connection.dialect.name
    milliseconds = max(1, int(timeout_seconds * 1000))
    if dialect == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds}")
        if connection.exec_driver_sql(_PG_CAN_BE_SUPERUSER).scalar():
            raise FeedError("config", "the feed's database role is (or can become) a superuser, whose session "
                                      "cannot be held read-only (dblink_exec, COPY ... PROGRAM); connect as a "
                                      "role with SELECT rights only")
    elif dialect == "sqlite":
        connection.exec_driver_sql("PRAGMA query_only = ON")
        deadline = time.monotonic() + timeout_seconds
        raw: Any = connection.connection.driver_connection
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    elif dialect in ("mysql", "mariadb"):
        if getattr(connection.dialect, "is_mariadb", False) or dialect == "mariadb":
            connection.exec_driver_sql(f"SET SESSION max_statement_time = {timeout_seconds:.3f}")
        else:
            connection.exec_driver_sql(f"SET SESSION max_execution_time = {milliseconds}")
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
    elif dialect == "mssql":
        connection.exec_driver_sql(f"SET LOCK_TIMEOUT {milliseconds}")
        raw = connection.connection.driver_connection   # Any: the DB-API driver's own connection
        if hasattr(raw, "timeout"):   # pyodbc: a query timeout in whole seconds
            raw.timeout = max(1, int(timeout_seconds + 0.999))
    elif dialect == "oracle":
        raw = connection.connection.driver_connection
        if hasattr(raw, "call_timeout"):   # python-oracledb / cx_Oracle: milliseconds per round trip
            raw.call_timeout = milliseconds


def _release(connection: sa.Connection) -> None:
    if connection.dialect.name == "sqlite":
        raw: Any = connection.connection.driver_connection
        raw.set_progress_handler(None, 0)
        connection.exec_driver_sql("PRAGMA query_only = OFF")


def run_query(engine: sa.Engine, query: str, params: dict[str, Any], timeout_seconds: float,
              max_rows: int) -> Table:
    statement = sa.text(query)
    wanted = {k: v for k, v in params.items() if k in statement.compile().params}
    try:
        with engine.connect() as connection:
            try:
                _prepare(connection, timeout_seconds)
                result = connection.execute(statement, wanted)
                names = list(result.keys())
                rows: list[Any] = []
                while chunk := result.fetchmany(FETCH_CHUNK):
                    rows.extend(chunk)
                    if len(rows) > max_rows:
                        raise FeedError("too_large", f"the query returned more than max_rows {max_rows} rows")
            finally:
                connection.rollback()
                _release(connection)
    except sa_exc.OperationalError as exc:
        raise _classify(exc, timeout_seconds) from None
    except (sa_exc.ProgrammingError, sa_exc.InternalError) as exc:
        if "read-only" in str(exc.orig).lower() or "readonly" in str(exc.orig).lower():
            raise FeedError("config", "the query tried to write; feeds are read-only") from None
        if "canceling statement" in str(exc.orig):
            raise FeedError("timeout", f"the query ran longer than {timeout_seconds:g}s") from None
        raise FeedError("config", f"the database rejected the query: {_first_line(exc.orig)}") from None
    except sa_exc.DBAPIError as exc:
        raise FeedError("schema", f"the query failed: {_first_line(exc.orig)}") from None
    columns = list(zip(*rows)) if rows else [() for _ in names]
    return Table(dict(zip(names, columns)), len(rows))


def _classify(exc: sa_exc.OperationalError, timeout_seconds: float) -> FeedError:
    message = _first_line(exc.orig)
    lowered = message.lower()
    if "interrupted" in lowered or "canceling statement" in lowered or "timeout" in lowered:
        return FeedError("timeout", f"the query ran longer than {timeout_seconds:g}s")
    if "readonly" in lowered or "read-only" in lowered:
        return FeedError("config", "the query tried to write; feeds are read-only")
    if any(word in lowered for word in ("connect", "could not", "refused", "unable to open", "password")):
        return FeedError("connect", f"cannot reach the database: {message}")
    return FeedError("schema", f"the query failed: {message}")


def _first_line(error: object) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def estimated_bytes(table: Table, sample: int = 1000) -> int:
    """Roughly how much text the rows hold (measured on a sample), for the bytes metric."""
    if table.n_rows == 0:
        return 0
    step = max(1, table.n_rows // sample)
    measured = sum(len(str(column[i])) for column in table.columns.values() for i in range(0, table.n_rows, step))
    return int(measured * table.n_rows / len(range(0, table.n_rows, step)))


def window_params(now_local: datetime, window: timedelta) -> dict[str, datetime]:
    return {"window_start": now_local - window, "window_end": now_local}


class SqlCollector(Collector[SqlFeed]):
    kind: ClassVar[str] = "sql"

    def __init__(self) -> None:
        self.engines = Engines()

    def close(self) -> None:
        """Close the pooled connections (on shutdown, and on reload: a feed's URL may have changed)."""
        self.engines.dispose()

    async def fetch(self, feed: SqlFeed, context: FetchContext) -> CollectionResult:
        if not feed.series:
            raise FeedError("config", f"feed {feed.id!r} has no series: nothing to collect")
        url = feed.url
        if feed.url_env is not None:
            url = environment_value(context.env, feed.url_env)
            if not url:
                raise FeedError("config", f"environment variable {feed.url_env} (the database URL) is not set")
        if not url:
            raise FeedError("config", f"feed {feed.id!r} names no database: give url or url_env")
        query = check_read_only(feed.query)
        now_local = context.now.astimezone(context.timezone).replace(tzinfo=None)
        timeout = feed.timeout.total_seconds()
        table = await asyncio.to_thread(run_query, self.engines.get(url), query,
                                        window_params(now_local, feed.window), timeout, feed.max_rows)
        extracted: Extracted = await asyncio.to_thread(extract_table, feed.series, table, context.now,
                                                       context.timezone)
        result = CollectionResult(feed=feed.id, fetched_at=context.now, ok=True, bytes_read=estimated_bytes(table))
        extracted.into(result)
        return result
