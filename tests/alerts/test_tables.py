"""The alert tables exist because the code that opens the database creates them, not because of an import."""

from __future__ import annotations

from sqlalchemy import inspect

import alerts.tables
from monitor import names
from monitor.store import make_engine, upgrade_schema

ALERT_TABLES = {names.TABLE_ALERT_STATE, names.TABLE_ALERT_TRANSITION, names.TABLE_ALERT_GROUP,
                names.TABLE_NOTIFICATION, names.TABLE_DELIVERY_ATTEMPT, names.TABLE_SILENCE}
STORE_TABLES = {names.TABLE_OBSERVATION, names.TABLE_EVALUATION, names.TABLE_CURRENT_STATE,
                names.TABLE_COLLECTION_RUN}


def test_the_store_schema_holds_only_the_store_tables_even_with_the_alert_tables_imported(tmp_path):
    assert alerts.tables.AlertState   # imported, and still not created
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    upgrade_schema(engine)
    assert set(inspect(engine).get_table_names()) == STORE_TABLES
    engine.dispose()


def test_create_tables_creates_the_alert_tables_and_is_idempotent(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    assert alerts.tables.create_tables(engine) == []
    assert alerts.tables.create_tables(engine) == []
    assert set(inspect(engine).get_table_names()) == ALERT_TABLES
    engine.dispose()
