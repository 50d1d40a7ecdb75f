"""Live replicas: a row per `monitor run` with feed leases, alive until expires_at, so each knows how
many share the feeds and takes no more than its fair part (monitor/service/leases.py).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("replica"):   # made by create_all from the table classes
        return
    op.create_table("replica", sa.Column("holder", sa.String(), primary_key=True),
                    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False))
