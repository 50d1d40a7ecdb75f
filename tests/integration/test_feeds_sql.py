"""The sql feed kind against SQLite files and the PostgreSQL at 127.0.0.1:5432."""

from __future__ import annotations

import uuid
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from collectors.runner import release_resources
from tests.collectors.helpers import collect_once, feed

pytestmark = pytest.mark.integration

CASES_QUERY = """
    SELECT case_id, submitted, completed FROM cases
    WHERE completed >= :window_start AND completed <= :window_end  -- the window is pushed down
"""
COUNT_QUERY = "SELECT count(*) AS n, 100.0 * sum(CASE WHEN online THEN 1 ELSE 0 END) / count(*) AS rate FROM cases"


def schema_of(postgres_url: str) -> str:
    return unquote(postgres_url.split("search_path%3D", 1)[1])


@pytest.fixture
def reader_url(postgres_url):
    """A login role with SELECT on the test schema only (a feed's database role, as documented)."""
    role, schema = f"feed_reader_{uuid.uuid4().hex[:10]}", schema_of(postgres_url)
    admin = sa.create_engine(postgres_url)
    with admin.begin() as c:
        c.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
        c.execute(sa.text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
        c.execute(sa.text(f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" GRANT SELECT ON TABLES TO "{role}"'))
    yield postgres_url.replace("postgres@", f"{role}@", 1)
    release_resources()
    with admin.begin() as c:
        c.execute(sa.text(f'DROP OWNED BY "{role}"'))
        c.execute(sa.text(f'DROP ROLE "{role}"'))
    admin.dispose()


def create_cases(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as c:
        c.execute(sa.text("CREATE TABLE cases (case_id TEXT, submitted TIMESTAMP, completed TIMESTAMP, online BOOLEAN)"))
        c.execute(sa.text("INSERT INTO cases VALUES (:i, :s, :c, :o)"), [
            {"i": "A1", "s": "2024-06-03 09:00:00", "c": "2024-06-04 10:00:00", "o": True},
            {"i": "A2", "s": "2024-06-05 09:00:00", "c": "2024-06-04 10:00:00", "o": False},
            {"i": "A3", "s": "2024-01-05 09:00:00", "c": "2024-01-06 10:00:00", "o": True},
        ])
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """The feed's URL (for PostgreSQL: a SELECT-only role; the tables are made by the owner)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'feed.db'}"
        create_cases(url)
    else:
        url = request.getfixturevalue("reader_url")   # first: its default privileges cover the new table
        create_cases(request.getfixturevalue("postgres_url"))
    yield url
    release_resources()


def sql_feed(url, query, series):
    return feed(kind="sql", url_env="FEED_DB", query=query, series=series, window="30d")


def test_case_rows_in_the_window_become_case_records(db_url):
    spec = sql_feed(db_url, CASES_QUERY, [{"name": "setup", "type": "cases", "id_field": "case_id"}])
    result = collect_once(spec, env={"FEED_DB": db_url})
    assert result.ok, result.error
    assert len(result.cases[0]) == 1
    assert result.rows_rejected == {"end_before_start": 1}
    assert result.bytes_read > 0


def test_aggregates_computed_by_the_database_become_values(db_url):
    spec = sql_feed(db_url, COUNT_QUERY, [{"name": "count", "column": "n"}, {"name": "rate", "type": "share", "column": "rate"}])
    result = collect_once(spec, env={"FEED_DB": db_url})
    assert result.ok, result.error
    assert [(v.series, round(v.value, 2)) for v in result.values] == [("count", 3), ("rate", 66.67)]


def test_a_writing_query_is_refused_before_it_runs(db_url):
    spec = sql_feed(db_url, "DELETE FROM cases", [{"name": "n", "column": "n"}])
    result = collect_once(spec, env={"FEED_DB": db_url})
    assert result.error_category == "config"
    with sa.create_engine(db_url).connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM cases")).scalar() == 3


def test_a_write_hidden_in_a_cte_is_stopped_by_the_read_only_transaction(db_url):
    if db_url.startswith("sqlite"):
        query = "WITH x AS (SELECT 1) SELECT * FROM x; DELETE FROM cases"
    else:
        query = "WITH gone AS (DELETE FROM cases RETURNING 1) SELECT count(*) AS n FROM gone"
    result = collect_once(sql_feed(db_url, query, [{"name": "n", "column": "n"}]), env={"FEED_DB": db_url})
    assert result.error_category == "config"
    with sa.create_engine(db_url).connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM cases")).scalar() == 3


def test_unknown_column_is_a_schema_error(db_url):
    spec = sql_feed(db_url, "SELECT case_id FROM cases", [{"name": "x", "column": "value"}])
    assert collect_once(spec, env={"FEED_DB": db_url}).error_category == "schema"


def test_bad_sql_is_a_config_error_and_the_url_is_not_in_the_message(db_url):
    spec = sql_feed(db_url, "SELECT nonsense FROM nowhere", [{"name": "x", "column": "x"}])
    result = collect_once(spec, env={"FEED_DB": db_url})
    assert not result.ok and result.error_category in ("config", "schema")
    assert result.error is not None
    assert db_url not in result.error


def test_unreachable_database_is_a_connect_error():
    url = "postgresql+psycopg2://postgres@127.0.0.1:9/test?connect_timeout=2"
    result = collect_once(sql_feed(url, "SELECT 1 AS n", [{"name": "n", "column": "n"}]), env={"FEED_DB": url})
    assert result.error_category == "connect"
    release_resources()


def test_query_slower_than_the_timeout_is_cancelled(reader_url):
    spec = feed(kind="sql", url_env="FEED_DB", query="SELECT pg_sleep(5) AS n", timeout="0.5s",
                series=[{"name": "n", "column": "n"}])
    result = collect_once(spec, env={"FEED_DB": reader_url})
    assert result.error_category == "timeout"
    release_resources()


def test_missing_url_variable_is_a_config_error():
    spec = sql_feed("", "SELECT 1 AS n", [{"name": "n", "column": "n"}])
    result = collect_once(spec, env={})
    assert result.error is not None
    assert result.error_category == "config" and "FEED_DB" in result.error


def test_a_superuser_role_is_refused_because_its_session_cannot_be_held_read_only(postgres_url):
    result = collect_once(sql_feed(postgres_url, "SELECT 1 AS n", [{"name": "n", "column": "n"}]),
                          env={"FEED_DB": postgres_url})
    assert result.error is not None
    assert result.error_category == "config" and "superuser" in result.error
    release_resources()


def test_dblink_exec_cannot_write_through_a_feed(postgres_url, reader_url):
    schema = schema_of(postgres_url)
    admin = sa.create_engine(postgres_url)
    with admin.begin() as c:
        c.execute(sa.text(f'CREATE EXTENSION IF NOT EXISTS dblink SCHEMA "{schema}"'))
    target = f'"{schema}".pwned'
    query = (f"SELECT \"{schema}\".dblink_exec('host=127.0.0.1 port=5432 dbname=test user=postgres', "
             f"'CREATE TABLE {target.replace(chr(39), chr(39) * 2)} (x int)') AS n")
    for url in (reader_url, postgres_url):
        result = collect_once(sql_feed(url, query, [{"name": "n", "column": "n"}]), env={"FEED_DB": url})
        assert not result.ok and result.error_category == "config", result.error
    with admin.connect() as c:
        assert c.execute(sa.text("SELECT to_regclass(:t)"), {"t": target}).scalar() is None
    admin.dispose()
    release_resources()
