"""What came after release 32a820e: the verdict's settled date, provisional flag and overdue cases
in the history, the current state and the alert state; skipped rows per collection; case ids,
paused time and source file per observation; the store's write probe.

A database made between that release and migrations may have some of these already (the old
"add missing columns" added them): those are left as they are.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _verdict_details() -> list[sa.Column[Any]]:
    return [sa.Column("settled_on", sa.Date()), sa.Column("provisional", sa.Boolean()),
            sa.Column("overdue_open", sa.Integer()), sa.Column("overdue_case_ids", sa.String())]


COLUMNS: dict[str, list[sa.Column[Any]]] = {
    "evaluation": _verdict_details(),
    "current_state": _verdict_details(),
    "alert_state": _verdict_details(),
    "collection_run": [sa.Column("rows_skipped", sa.String())],
    "observation": [sa.Column("case_ids", sa.LargeBinary()), sa.Column("case_paused", sa.LargeBinary()),
                    sa.Column("source", sa.String())],
}


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for table, columns in COLUMNS.items():
        present = {c["name"] for c in inspector.get_columns(table)}
        for column in columns:
            if column.name not in present:
                op.add_column(table, column)
    if not inspector.has_table("store_probe"):
        op.create_table("store_probe", sa.Column("id", sa.Integer(), primary_key=True),
                        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False))
