"""What was filed in processed/ and rejected/, so that a file still being written then is read again.

An upload that pauses longer than `settle` looks finished: the file is read, committed and moved
to processed/ (or, cut mid-row, to rejected/), and the uploader — whose open handle follows the
file — writes the rest there. Each folder's ledger (.filed.json) keeps its files' size and
modification time for a day; a filed file that has changed since is read again under its original
name: its rows replace those stored from the first read, and a rejected file now whole is accepted.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from collectors.locked_json import locked_json

LEDGER, LOCK = ".filed.json", ".filed.lock"
WATCH_SECONDS = 86400.0


@contextmanager
def _entries(folder: Path) -> Iterator[dict[str, dict[str, Any]]]:
    """The ledger under an exclusive lock (daemons sharing the folder take turns); written back on exit."""
    folder.mkdir(exist_ok=True)
    with locked_json(folder / LEDGER, folder / LOCK) as entries:
        yield entries
        cutoff = time.time() - WATCH_SECONDS
        for name in [k for k, v in entries.items() if not (isinstance(v, dict) and v.get("filed_at", 0) >= cutoff)]:
            del entries[name]


def record(folder: Path, filed_as: str, source: str, size: int, mtime_ns: int) -> None:
    with _entries(folder) as entries:
        entries[filed_as] = {"source": source, "size": size, "mtime_ns": mtime_ns, "filed_at": time.time()}


def forget(folder: Path, filed_as: str) -> None:
    with _entries(folder) as entries:
        entries.pop(filed_as, None)


def changed_since_filed(folder: Path) -> list[tuple[Path, str]]:
    """Filed files (path, original name) whose size or modification time differ from when they were filed."""
    if not (folder / LEDGER).exists():
        return []
    changed = []
    with _entries(folder) as entries:
        for filed_as, entry in list(entries.items()):
            try:
                status = os.lstat(folder / filed_as)
            except FileNotFoundError:
                del entries[filed_as]
                continue
            if (status.st_size, status.st_mtime_ns) != (entry.get("size"), entry.get("mtime_ns")):
                changed.append((folder / filed_as, str(entry.get("source") or filed_as)))
    return changed
