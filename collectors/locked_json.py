"""A small JSON file of notes beside dropped files, read and written under an exclusive lock, so
daemons sharing a drop folder take turns (the ledger of filed files, the notes of files being read)."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from collectors.drop_report import read_unfollowed, write_unfollowed


@contextmanager
def locked_json(path: Path, lock: Path) -> Iterator[dict[str, Any]]:
    """The object in `path` (empty when missing or unreadable) while holding `lock`; written back
    (atomically, links never followed) on a clean exit when it changed."""
    descriptor = os.open(lock, os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            entries = json.loads(read_unfollowed(path) or "{}")
            entries = entries if isinstance(entries, dict) else {}
        except ValueError:
            entries = {}
        before = json.dumps(entries, sort_keys=True)
        yield entries
        text = json.dumps(entries, ensure_ascii=False, sort_keys=True)
        if text != before:
            temporary = path.with_name(path.name + ".tmp")
            write_unfollowed(temporary, text)
            os.replace(temporary, path)
    finally:
        os.close(descriptor)
