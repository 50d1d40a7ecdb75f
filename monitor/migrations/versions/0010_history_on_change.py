"""The history records verdicts when they change (monitor.store.verdict_changed): the rows stored by
earlier releases, one per commitment per cycle, are thinned to what the writer now keeps. A row stays
when it is its commitment's first, when its status, settled date, provisional mark or count of open
overdue cases differs from the row before it, when its actual differs from the one before by more than
a relative 1e-6 (the default tolerance), or when it is the commitment's first row of a UTC day (the
daily snapshot). Every other row repeats the one before it and is deleted, 500 commitments per
statement (all within the upgrade's one transaction: a large store's first start after the upgrade
takes a while, once). The current state is untouched. The count of offending cases compared is
`overdue_open` (open cases past their limit), the one this schema holds.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TOLERANCE = 1e-6
CHUNK = 500


def _repeated(dialect: str) -> str:
    day = ("to_char(evaluated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')" if dialect == "postgresql"
           else "substr(evaluated_at, 1, 10)")
    larger = "GREATEST" if dialect == "postgresql" else "max"
    return f"""
        SELECT id FROM (
          SELECT id, evaluated_at, status, settled_on, provisional, overdue_open, actual,
                 LAG(id) OVER w AS p_id, LAG(status) OVER w AS p_status, LAG(settled_on) OVER w AS p_settled_on,
                 LAG(provisional) OVER w AS p_provisional, LAG(overdue_open) OVER w AS p_overdue_open,
                 LAG(actual) OVER w AS p_actual,
                 ROW_NUMBER() OVER (PARTITION BY commitment, {day} ORDER BY evaluated_at, id) AS of_day
          FROM evaluation WHERE commitment IN :chunk
          WINDOW w AS (PARTITION BY commitment ORDER BY evaluated_at, id)
        ) AS rows
        WHERE p_id IS NOT NULL AND of_day > 1
          AND status = p_status
          AND (settled_on = p_settled_on OR (settled_on IS NULL AND p_settled_on IS NULL))
          AND COALESCE(provisional, {'false' if dialect == 'postgresql' else '0'})
              = COALESCE(p_provisional, {'false' if dialect == 'postgresql' else '0'})
          AND (overdue_open = p_overdue_open OR (overdue_open IS NULL AND p_overdue_open IS NULL))
          AND ((actual IS NULL AND p_actual IS NULL)
               OR (actual IS NOT NULL AND p_actual IS NOT NULL
                   AND abs(actual - p_actual) <= {TOLERANCE} * {larger}(abs(actual), abs(p_actual))))"""


def upgrade() -> None:
    bind = op.get_bind()
    if not sa.inspect(bind).has_table("evaluation"):
        return
    commitments = [row[0] for row in bind.execute(sa.text("SELECT DISTINCT commitment FROM evaluation"))]
    statement = sa.text(f"DELETE FROM evaluation WHERE id IN (SELECT id FROM ({_repeated(bind.dialect.name)}) AS doomed)"
                        ).bindparams(sa.bindparam("chunk", expanding=True))
    for start in range(0, len(commitments), CHUNK):
        bind.execute(statement, {"chunk": commitments[start:start + CHUNK]})


def downgrade() -> None:
    pass   # the deleted rows repeated the ones kept: nothing to restore
