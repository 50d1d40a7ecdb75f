"""Feed leases for replicas (issue 12): a row per feed, the replica holding it and until when; with
MONITOR_FEED_LEASES a replica collects only the feeds it holds (monitor/service/leases.py).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not sa.inspect(op.get_bind()).has_table("feed_lease"):   # a scale build before migrations made it
        op.create_table("feed_lease", sa.Column("feed", sa.String(), primary_key=True),
                        sa.Column("holder", sa.String(), nullable=False),
                        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False))
