"""Every SQL dialect we can reach gets a statement timeout before the feed's query runs."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest
import sqlalchemy as sa

from collectors.sql import _prepare


class FakeConnection:
    def __init__(self, dialect: str, mariadb: bool = False, driver: object | None = None):
        self.dialect = SimpleNamespace(name=dialect, is_mariadb=mariadb)
        self.connection = SimpleNamespace(driver_connection=driver or SimpleNamespace())
        self.statements: list[str] = []

    def exec_driver_sql(self, statement: str):
        self.statements.append(statement)
        return SimpleNamespace(scalar=lambda: False)


def prepare(connection: FakeConnection, timeout_seconds: float) -> None:
    """_prepare on the fake, which has only the members of sqlalchemy's Connection that _prepare reads."""
    _prepare(cast(sa.Connection, connection), timeout_seconds)


@pytest.mark.parametrize("mariadb, expected", [(False, "SET SESSION max_execution_time = 2500"),
                                               (True, "SET SESSION max_statement_time = 2.500")])
def test_mysql_and_mariadb_get_a_statement_timeout_and_a_read_only_transaction(mariadb, expected):
    connection = FakeConnection("mysql", mariadb)
    prepare(connection, 2.5)
    assert connection.statements == [expected, "SET TRANSACTION READ ONLY"]


def test_sql_server_gets_a_lock_timeout_and_a_pyodbc_query_timeout():
    driver = SimpleNamespace(timeout=0)
    connection = FakeConnection("mssql", driver=driver)
    prepare(connection, 2.5)
    assert connection.statements == ["SET LOCK_TIMEOUT 2500"] and driver.timeout == 3


def test_oracle_gets_a_call_timeout():
    driver = SimpleNamespace(call_timeout=0)
    prepare(FakeConnection("oracle", driver=driver), 2.5)
    assert driver.call_timeout == 2500


def test_postgresql_checks_the_role_after_making_the_transaction_read_only():
    connection = FakeConnection("postgresql")
    prepare(connection, 1)
    assert connection.statements[:2] == ["SET TRANSACTION READ ONLY", "SET LOCAL statement_timeout = 1000"]
    assert "rolsuper" in connection.statements[2]
