"""Alerts on what changes, not on history (issue 21): `alert_onboarding` records when the monitor
first judged each commitment on data and whether that verdict was already settled (then it is no
alert, only a line in the agency's onboarding summary). Commitments a database already evaluated
count as onboarded, not settled at the start; a settled alert already told is marked as its final
notice, so an upgrade repeats nothing.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if not sa.inspect(bind).has_table("alert_onboarding"):
        op.create_table("alert_onboarding", sa.Column("commitment", sa.String(), primary_key=True),
                        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
                        sa.Column("settled_status", sa.String(), nullable=True),
                        sa.Column("settled_on", sa.Date(), nullable=True),
                        sa.Column("agency", sa.String(), nullable=True),
                        sa.Column("summarised_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("INSERT INTO alert_onboarding (commitment, first_at, summarised_at) "
               "SELECT commitment, evaluated_at, evaluated_at FROM current_state "
               "WHERE status NOT IN ('no_data', 'error') "
               "AND commitment NOT IN (SELECT commitment FROM alert_onboarding)")
    op.execute("UPDATE alert_state SET announced = 'final:' || substr(announced, 8) "
               "WHERE settled_on IS NOT NULL AND announced LIKE 'firing:%'")


def downgrade() -> None:
    op.drop_table("alert_onboarding")
