"""The alert state holds the whole verdict (it derives from the store's EvaluationFields, e34a83f):
margin, data time and case count join what it already had. A database made before migrations by
a build that had them already keeps them as they are.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("alert_state")}
    for column in (sa.Column("margin", sa.Float()), sa.Column("data_time", sa.DateTime(timezone=True)),
                   sa.Column("cases", sa.Integer())):
        if column.name not in present:
            op.add_column("alert_state", column)
