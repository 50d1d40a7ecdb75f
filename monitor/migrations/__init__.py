"""Schema changes as Alembic migrations, applied on start by everything that opens the store.

`upgrade(engine)` brings a database to the newest revision in `versions/` and says which
revisions it applied: the daemon (`monitor run`), `monitor collect`, `monitor feed collect`, the
alert commands and the outbox worker all call it before their first query. The alert tables are
migrations like the others, whether or not `alerts` was ever imported.

A database made before migrations existed (by `create_all` and the old "add missing columns")
has no `alembic_version` table: the first two revisions create only what is missing, so it is
adopted as it is and brought to the newest schema like any other.

To change the schema: change the table classes, then add a revision to `versions/` (copy the
newest; `down_revision` is its `revision`). Table and column names in a revision are written out,
not taken from `monitor.names`: a revision is history and must not change when a name does.
`tests/test_migrations.py` fails when the newest revision and the table classes disagree.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine

FOLDER = Path(__file__).resolve().parent
_POSTGRES_LOCK = 0x636D_6D69_6772   # pg_advisory_xact_lock key: two processes starting at once migrate one after the other


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(FOLDER))
    return config


def head() -> str:
    """The newest revision."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


def current(engine: Engine) -> str | None:
    """The database's revision; None before any migration ran."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> list[str]:
    """Apply every revision the database lacks, in one transaction; the revisions applied, oldest first."""
    config = _config()
    script = ScriptDirectory.from_config(config)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_LOCK})
        before = MigrationContext.configure(connection).get_current_revision()
        pending = [r.revision for r in script.iterate_revisions("head", before)]
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return pending[::-1]
