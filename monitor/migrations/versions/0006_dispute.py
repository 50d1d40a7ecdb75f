"""Disputes (issue 21): an agency's objection to a verdict, its evidence, and the operators' answer
(monitor/disputes.py).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("dispute"):   # made by create_all from the table classes
        return
    op.create_table(
        "dispute",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("commitment", sa.String(), nullable=False),
        sa.Column("agency", sa.String(), nullable=False),
        sa.Column("figure", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence_link", sa.String(), nullable=True),
        sa.Column("evidence_name", sa.String(), nullable=True),
        sa.Column("evidence_file", sa.String(), nullable=True),
        sa.Column("evidence_bytes", sa.Integer(), nullable=True),
        sa.Column("verdict_status", sa.String(), nullable=True),
        sa.Column("verdict_actual", sa.Float(), nullable=True),
        sa.Column("verdict_evaluated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("client", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_dispute_commitment_state", "dispute", ["commitment", "state"])
    op.create_index("ix_dispute_created_at", "dispute", ["created_at"])
