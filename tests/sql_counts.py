"""Counting what a store writes, from the statements SQLAlchemy sends."""

from __future__ import annotations

import sqlalchemy


def rows_updated(engine: sqlalchemy.Engine, table: str) -> list[int]:
    """A counter ([n]) of the rows each UPDATE of `table` writes from now on (an executemany counts
    each of its parameter sets)."""
    writes = [0]
    prefix = f"UPDATE {table.upper()}"

    @sqlalchemy.event.listens_for(engine, "before_cursor_execute")
    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(prefix):
            writes[0] += len(parameters) if executemany else 1
    return writes
