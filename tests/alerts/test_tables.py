"""The alert tables exist because the migrations the database's opener runs create them, not
because of an import."""

from __future__ import annotations

from sqlalchemy import inspect

import alerts.tables
from monitor import migrations, names
from monitor.store import make_engine

ALERT_TABLES = {names.TABLE_ALERT_STATE, names.TABLE_ALERT_TRANSITION, names.TABLE_ALERT_GROUP,
                names.TABLE_NOTIFICATION, names.TABLE_DELIVERY_ATTEMPT, names.TABLE_SILENCE,
                names.TABLE_ALERT_ONBOARDING}
REPORT_TABLES = {"report_entry", "file_receipt"}   # agencies' reports and file receipts (monitor/service/report_tables.py)
STORE_TABLES = {names.TABLE_OBSERVATION, names.TABLE_EVALUATION, names.TABLE_CURRENT_STATE,
                names.TABLE_COLLECTION_RUN, names.TABLE_STORE_PROBE, names.TABLE_FEED_LEASE,
                names.TABLE_REPLICA, names.TABLE_DISPUTE}


def test_importing_the_alert_tables_creates_nothing(tmp_path):
    assert alerts.tables.AlertState.__tablename__   # imported
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    with engine.connect():
        pass
    assert inspect(engine).get_table_names() == []
    engine.dispose()


def test_the_migrations_create_every_table_once(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    assert migrations.upgrade(engine) != []
    assert migrations.upgrade(engine) == []
    assert set(inspect(engine).get_table_names()) == ALERT_TABLES | STORE_TABLES | REPORT_TABLES | {"alembic_version"}
    engine.dispose()
