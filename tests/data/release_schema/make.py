"""Write the DDL of a landed release's tables, for the test that upgrades its databases.

    python tests/data/release_schema/make.py 32a820e

checks the release's `monitor` and `alerts` packages out of git into a temporary folder, imports
its table definitions there (in a separate interpreter, so nothing of the working tree is mixed
in) and writes what its `create_all` created, for SQLite and PostgreSQL, as
tests/data/release_schema/<commit>.<dialect>.sql.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

DUMP = r"""
import sys
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import SQLModel
import monitor.store, alerts.tables   # registers every table of that release
dialect = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}[sys.argv[1]]
for table in SQLModel.metadata.sorted_tables:
    print(str(CreateTable(table).compile(dialect=dialect)).strip() + ";\n")
    for index in sorted(table.indexes, key=lambda i: i.name):
        print(str(CreateIndex(index).compile(dialect=dialect)).strip() + ";\n")
"""


def main(commit: str) -> None:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "monitor", "alerts"],
                             check=True, capture_output=True).stdout
    with tempfile.TemporaryDirectory() as tree:
        tarfile.open(fileobj=io.BytesIO(archive)).extractall(tree, filter="data")
        for dialect in ("sqlite", "postgresql"):
            ddl = subprocess.run([sys.executable, "-c", DUMP, dialect], cwd=tree, check=True, capture_output=True,
                                 text=True, env={**os.environ, "PYTHONPATH": tree}).stdout
            target = HERE / f"{commit}.{dialect}.sql"
            target.write_text(f"-- The tables of release {commit}, written by make.py; do not edit.\n\n{ddl}",
                              encoding="utf-8")
            print(target.relative_to(ROOT))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "32a820e")
