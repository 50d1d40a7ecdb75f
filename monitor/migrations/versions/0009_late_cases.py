"""The cases behind a per-case verdict: the late cases (compressed, at most 500, on the current verdict
and the alert state; the history keeps only their count), how the cases received were used, and each
case's 事项 as the feed names it, and the rows of each case batch the collector rejected.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _late_cases() -> list[sa.Column[Any]]:
    return [sa.Column("offending_total", sa.Integer()), sa.Column("offending_cases", sa.LargeBinary()),
            sa.Column("case_counts", sa.String())]


COLUMNS: dict[str, list[sa.Column[Any]]] = {
    "evaluation": _late_cases(),
    "current_state": _late_cases(),
    "alert_state": _late_cases(),
    "observation": [sa.Column("case_items", sa.LargeBinary()), sa.Column("case_rejected", sa.String())],
}


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for table, columns in COLUMNS.items():
        present = {c["name"] for c in inspector.get_columns(table)}
        for column in columns:
            if column.name not in present:
                op.add_column(table, column)
