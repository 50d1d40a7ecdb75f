"""Suspended time and case events from SQL, on SQLite files and the PostgreSQL at 127.0.0.1:5432."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from collectors.runner import release_resources
from tests.collectors.helpers import collect_once, feed
from tests.integration.test_feeds_sql import reader_url  # noqa: F401 - the fixture: a SELECT-only role

pytestmark = pytest.mark.integration
T = np.datetime64

EVENTS = [("S1", "受理", "2024-06-03 09:00:00", None), ("S1", "特别程序开始", "2024-06-04 10:00:00", "检验检测"),
          ("S1", "特别程序结束", "2024-06-06 10:00:00", "检验检测"), ("S1", "审批结果", "2024-06-10 10:00:00", None),
          ("S2", "受理", "2024-06-17 09:00:00", None), ("S2", "特别程序开始", "2024-06-18 10:00:00", "专家评审"),
          ("S3", "受理", "2024-06-03 09:00:00", None), ("S3", "审批结果", "2024-06-05 09:00:00", None),
          ("S3", "特别程序结束", "2024-06-06 09:00:00", "听证")]


def fill(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as c:
        c.execute(sa.text("CREATE TABLE cases (case_id TEXT, submitted TIMESTAMP, completed TIMESTAMP, paused_days REAL)"))
        c.execute(sa.text("CREATE TABLE pauses (case_id TEXT, started TIMESTAMP, ended TIMESTAMP)"))
        c.execute(sa.text("CREATE TABLE case_events (case_id TEXT, step TEXT, at TIMESTAMP, procedure TEXT)"))
        c.execute(sa.text("INSERT INTO cases VALUES (:i, :s, :c, :p)"), [
            {"i": "S1", "s": "2024-06-03 09:00:00", "c": "2024-06-10 10:00:00", "p": 2},
            {"i": "S2", "s": "2024-06-17 09:00:00", "c": None, "p": None}])
        c.execute(sa.text("INSERT INTO pauses VALUES (:i, :s, :e)"), [
            {"i": "S1", "s": "2024-06-04 10:00:00", "e": "2024-06-05 10:00:00"},
            {"i": "S1", "s": "2024-06-06 09:00:00", "e": "2024-06-07 09:00:00"},
            {"i": "S2", "s": "2024-06-18 10:00:00", "e": None}])
        c.execute(sa.text("INSERT INTO case_events VALUES (:i, :k, :t, :p)"),
                  [{"i": i, "k": k, "t": t, "p": p} for i, k, t, p in EVENTS])
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """(the feed's URL, the database's dialect)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'feed.db'}"
        fill(url)
    else:
        url = request.getfixturevalue("reader_url")   # first: its default privileges cover the new tables
        fill(request.getfixturevalue("postgres_url"))
    yield url, request.param
    release_resources()


def sql_feed(query, series):
    return feed(kind="sql", url_env="FEED_DB", query=query, series=series, window="30d")


def test_sql_total_in_a_stated_unit(db):
    url, _ = db
    spec = sql_feed("SELECT case_id, submitted, completed, paused_days FROM cases ORDER BY case_id",
                    [{"name": "setup", "type": "cases", "id_field": "case_id",
                      "paused": {"field": "paused_days", "unit": "工作日"}}])
    result = collect_once(spec, env={"FEED_DB": url})
    assert result.ok, result.error
    assert result.cases[0].paused is not None
    assert list(result.cases[0].paused) == [2, 0] and result.cases[0].paused_unit == "工作日"


def test_sql_pauses_aggregated_per_case_as_json_give_intervals(db):
    url, dialect = db
    pauses = ("json_group_array(json_object('start', p.started, 'end', p.ended))" if dialect == "sqlite"
              else "json_agg(json_build_object('start', p.started, 'end', p.ended))")   # text, or a list from the driver
    query = (f"SELECT c.case_id, c.submitted, c.completed, {pauses} AS pauses FROM cases c "
             "JOIN pauses p ON p.case_id = c.case_id GROUP BY c.case_id, c.submitted, c.completed ORDER BY c.case_id")
    spec = sql_feed(query, [{"name": "setup", "type": "cases", "id_field": "case_id", "paused": {"intervals": "pauses"}}])
    result = collect_once(spec, env={"FEED_DB": url})
    assert result.ok, result.error
    assert result.rows_rejected == {}
    intervals = result.cases[0].pauses
    assert intervals is not None
    assert sorted(zip(intervals.case.tolist(), intervals.start.tolist())) == sorted(
        [(0, T("2024-06-04T10:00").tolist()), (0, T("2024-06-06T09:00").tolist()), (1, T("2024-06-18T10:00").tolist())])
    assert np.isnat(intervals.end[intervals.case == 1]).all()


def test_sql_case_events_give_cases_and_report_an_end_after_the_result(db):
    url, _ = db
    spec = sql_feed("SELECT case_id, step, at, procedure FROM case_events",
                    [{"name": "setup", "type": "cases", "id_field": "case_id",
                      "events": {"kind": "step", "time": "at", "procedure": "procedure"}}])
    result = collect_once(spec, env={"FEED_DB": url})
    assert result.ok, result.error
    batch = result.cases[0]
    assert batch.ids is not None and batch.pauses is not None
    assert list(batch.ids) == ["S1", "S2", "S3"]
    assert list(batch.completed[[0, 2]]) == [T("2024-06-10T10:00"), T("2024-06-05T09:00")] and np.isnat(batch.completed[1])
    assert list(batch.pauses.case) == [0, 1] and np.isnat(batch.pauses.end[1])
    assert result.rows_rejected == {"after_result": 1}
    assert result.rows_accepted == 8
