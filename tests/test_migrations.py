"""Alembic migrations on SQLite and the local PostgreSQL: a database of the previous release is
upgraded with its data kept; a new one ends exactly where the table classes say."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import alerts.tables  # noqa: F401 - registers the alert tables on SQLModel.metadata, for the comparison
import monitor.disputes  # noqa: F401 - registers dispute
import monitor.service.leases  # noqa: F401 - registers feed_lease
import monitor.service.report_tables  # noqa: F401 - registers report_entry and file_receipt
import monitor.service.store_health  # noqa: F401 - registers store_probe
from monitor import migrations
from monitor.evaluate import Evaluation
from monitor.observations import CollectionResult, ValuePoint
from monitor.store import Store, make_engine

RELEASE = "32a820e"
SCHEMAS = Path(__file__).parent / "data" / "release_schema"
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def release_database(url: str) -> sqlalchemy.Engine:
    """A database as release 32a820e left it (its create_all, see tests/data/release_schema/make.py),
    with a row in each table that matters."""
    engine = make_engine(url)
    ddl = (SCHEMAS / f"{RELEASE}.{engine.dialect.name}.sql").read_text(encoding="utf-8")
    ddl = "\n".join(line for line in ddl.splitlines() if not line.startswith("--"))
    statements = [s for s in ddl.split(";\n") if s.strip()]
    assert len(statements) == 17
    at = NOW.isoformat(sep=" ")
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
        connection.execute(sqlalchemy.text(
            "INSERT INTO observation (feed, series, fetched_at, data_time, value) VALUES ('feed', 'share', :at, :at, 91.5)"),
            {"at": at})
        connection.execute(sqlalchemy.text(
            "INSERT INTO current_state (status, actual, target, reason, commitment, evaluated_at, status_since) "
            "VALUES ('missed', 80.0, 90.0, 'short', 'doc.c1', :at, :at)"), {"at": at})
        connection.execute(sqlalchemy.text(
            "INSERT INTO evaluation (status, actual, reason, commitment, evaluated_at) "
            "VALUES ('missed', 80.0, 'short', 'doc.c1', :at)"), {"at": at})
        connection.execute(sqlalchemy.text(
            "INSERT INTO collection_run (feed, fetched_at, ok, rows_accepted, rows_rejected, bytes_read, duration_seconds) "
            "VALUES ('feed', :at, :ok, 3, '{}', 120, 0.5)"), {"at": at, "ok": True})
        connection.execute(sqlalchemy.text(
            "INSERT INTO alert_state (commitment, alert, state, status, reason, consecutive, announced, fired_at) "
            "VALUES ('doc.c1', 'target', 'firing', 'missed', 'short', 2, 'firing:critical', :at)"), {"at": at})
    return engine


def schema_differences(engine: sqlalchemy.Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


# every revision, oldest first: a new one is added here by hand
REVISIONS = ["0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011"]


def test_a_database_of_the_previous_release_is_upgraded_with_its_data_kept(database_url):
    engine = release_database(database_url)
    assert migrations.current(engine) is None
    assert migrations.upgrade(engine) == REVISIONS
    assert migrations.current(engine) == migrations.head()
    columns = {t: {c["name"] for c in sqlalchemy.inspect(engine).get_columns(t)}
               for t in ("alert_state", "current_state", "evaluation", "collection_run", "observation", "store_probe")}
    assert {"settled_on", "provisional", "overdue_open", "overdue_case_ids", "margin", "data_time", "cases"} <= columns["alert_state"]
    assert {"settled_on", "provisional", "overdue_open", "overdue_case_ids"} <= columns["current_state"]
    assert {"settled_on", "overdue_case_ids"} <= columns["evaluation"]
    assert "rows_skipped" in columns["collection_run"] and "written_at" in columns["store_probe"]
    assert {"case_ids", "case_paused", "source"} <= columns["observation"]
    assert schema_differences(engine) == []

    store = Store(engine)
    assert [(v.data_time, v.value) for v in store.measure_data("feed", "share").values] == [(NOW, 91.5)]
    kept = store.current_evaluations()["doc.c1"]
    assert (kept.status, kept.actual, kept.reason, kept.evaluated_at) == ("missed", 80.0, "short", NOW)
    assert store.latest_runs(["feed"])["feed"].rows_accepted == 3
    with engine.connect() as connection:
        alert = connection.execute(sqlalchemy.text("SELECT state, consecutive, settled_on FROM alert_state")).one()
    assert tuple(alert) == ("firing", 2, None)
    with engine.connect() as connection:   # 0008: what the database had judged counts as onboarded, not settled
        onboarded = connection.execute(sqlalchemy.text(
            "SELECT commitment, settled_status, summarised_at FROM alert_onboarding")).all()
    assert [(c, settled, at is not None) for c, settled, at in onboarded] == [("doc.c1", None, True)]

    # the new columns take writes
    store.save_evaluations([Evaluation("doc.c1", NOW + timedelta(hours=1), "missed", actual=81.0, target=90.0,
                                       settled_on=date(2026, 6, 30), overdue_case_ids=("A1",))])
    store.save_collection(CollectionResult("feed", NOW, True, values=[ValuePoint("share", NOW + timedelta(days=1), 92.0)],
                                           rows_skipped={"footer": 1}))
    state = store.current_evaluations()["doc.c1"]
    assert (state.settled_on, state.overdue_case_ids) == (date(2026, 6, 30), ("A1",))
    assert [h.status for h in store.history("doc.c1")] == ["missed", "missed"]
    assert migrations.upgrade(engine) == []


def test_a_new_database_is_migrated_to_exactly_the_table_classes(database_url):
    engine = make_engine(database_url)
    assert migrations.upgrade(engine) == REVISIONS
    assert schema_differences(engine) == []


def test_a_database_the_home_made_upgrader_brought_past_the_release_is_adopted(database_url):
    """Made between the release and migrations: every table already as the classes say, no version."""
    engine = make_engine(database_url)
    SQLModel.metadata.create_all(engine)
    assert migrations.upgrade(engine) == REVISIONS
    assert schema_differences(engine) == []


def test_the_release_schema_fixture_is_what_the_script_writes():
    text = (SCHEMAS / f"{RELEASE}.sqlite.sql").read_text(encoding="utf-8")
    assert text.startswith(f"-- The tables of release {RELEASE}, written by make.py")
    assert "CREATE TABLE alert_state" in text and "settled_on" not in text


def test_0008_counts_what_a_database_judged_as_onboarded_and_marks_settled_alerts_told_as_final(database_url):
    """An upgrade sends no onboarding summary and repeats no settled alert: they were told before."""
    engine = make_engine(database_url)
    migrations.upgrade(engine)
    at = NOW.isoformat(sep=" ")
    with engine.begin() as connection:   # back to a database of revision 0007 with verdicts and alerts
        connection.execute(sqlalchemy.text("DROP TABLE alert_onboarding"))
        connection.execute(sqlalchemy.text("UPDATE alembic_version SET version_num = '0007'"))
        for commitment, status, settled in (("doc.settled", "missed", "2021-12-31"), ("doc.live", "at_risk", None),
                                            ("doc.waiting", "no_data", None)):
            connection.execute(sqlalchemy.text(
                "INSERT INTO current_state (status, reason, commitment, evaluated_at, status_since, settled_on) "
                "VALUES (:status, '', :c, :at, :at, :settled)"), {"status": status, "c": commitment, "at": at,
                                                                   "settled": settled})
            if status != "no_data":
                connection.execute(sqlalchemy.text(
                    "INSERT INTO alert_state (commitment, alert, state, status, reason, consecutive, announced, "
                    "settled_on) VALUES (:c, 'target', 'firing', :status, '', 1, :told, :settled)"),
                    {"c": commitment, "status": status, "settled": settled,
                     "told": "firing:critical" if settled else "firing:warning"})
    assert migrations.upgrade(engine) == ["0008", "0009", "0010", "0011"]   # 0009 finds its columns there
    with engine.connect() as connection:
        onboarded: dict[str, str | None] = dict(connection.execute(sqlalchemy.text(
            "SELECT commitment, settled_status FROM alert_onboarding")).all())
        told: dict[str, str | None] = dict(connection.execute(sqlalchemy.text("SELECT commitment, announced FROM alert_state")).all())
    assert onboarded == {"doc.settled": None, "doc.live": None}   # never judged on data: judged later, at first data
    assert told == {"doc.settled": "final:critical", "doc.live": "firing:warning"}
    assert schema_differences(engine) == []
