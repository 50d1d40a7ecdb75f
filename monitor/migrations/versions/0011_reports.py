"""Progress reports: each accepted report's entries (value, 数据截至日期, 说明, 佐证) and a receipt per
submitted file, accepted or rejected (monitor/service/report_tables.py); notifications carry
attachments (the template mailed to each agency).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _when() -> sa.Column[object]:
    return sa.Column("received_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    tables = sa.inspect(op.get_bind()).get_table_names()
    if "report_entry" not in tables:
        op.create_table(
            "report_entry",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("feed", sa.String(), nullable=False), sa.Column("agency", sa.String(), nullable=False),
            sa.Column("period", sa.String(), nullable=False), sa.Column("commitment", sa.String(), nullable=False),
            sa.Column("value", sa.Float(), nullable=False), sa.Column("as_of", sa.String(), nullable=False),
            sa.Column("note", sa.Text(), nullable=True), sa.Column("evidence", sa.Text(), nullable=True),
            sa.Column("file", sa.String(), nullable=False), _when())
        op.create_index("ix_report_entry_agency_period", "report_entry", ["agency", "period"])
        op.create_index("ix_report_entry_commitment", "report_entry", ["commitment"])
    if "file_receipt" not in tables:
        op.create_table(
            "file_receipt",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("feed", sa.String(), nullable=False), sa.Column("agency", sa.String(), nullable=True),
            sa.Column("file", sa.String(), nullable=False), sa.Column("period", sa.String(), nullable=True),
            sa.Column("accepted", sa.Boolean(), nullable=False), sa.Column("problems", sa.Text(), nullable=False),
            _when())
        op.create_index("ix_file_receipt_received", "file_receipt", ["received_at"])


    if "attachments" not in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("notification")}:
        op.add_column("notification", sa.Column("attachments", sa.Text(), nullable=True))   # the template mailed to agencies


def downgrade() -> None:
    op.drop_column("notification", "attachments")
    op.drop_table("file_receipt")
    op.drop_table("report_entry")
