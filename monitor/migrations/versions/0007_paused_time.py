"""Suspended time on the verdict: for how many cases it was left out and how much in all, in the
commitment's unit (the page and the mail say so), in each table that holds a verdict.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("evaluation", "current_state", "alert_state")


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for table in TABLES:
        present = {c["name"] for c in inspector.get_columns(table)}
        for column in (sa.Column("paused_cases", sa.Integer()), sa.Column("paused_total", sa.Float())):
            if column.name not in present:
                op.add_column(table, column)

