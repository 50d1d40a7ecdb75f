"""Files that crashed or timed out the reader: set aside once, never read again at every restart.

Before a dropped file is parsed, the drop folder's `.reading.json` notes it (name, size, mtime, and
the reading process's token); the note goes when the read ends, however it ends. A note left by
another process means that process died reading the file (killed for memory, say); a note marked
`timed_out` means the collection gave up waiting for it. Either way the next collection moves the
file to rejected/ with a report saying so, and records it in rejected/'s ledger, instead of
parsing it again. A file another daemon holds claimed (its lock) is left alone: it may be reading it.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from collectors.locked_json import locked_json

NOTES, LOCK = ".reading.json", ".reading.lock"
PROCESS = uuid.uuid4().hex   # this process: a note of another one outlived its reader


@contextmanager
def _notes(folder: Path) -> Iterator[dict[str, dict[str, Any]]]:
    with locked_json(folder / NOTES, folder / LOCK) as notes:
        yield notes


@contextmanager
def reading(folder: Path, name: str, size: int, mtime_ns: int) -> Iterator[None]:
    """Note `name` as being read for the duration; the note stays only when the read timed out."""
    with _notes(folder) as notes:
        notes[name] = {"size": size, "mtime_ns": mtime_ns, "process": PROCESS, "started": time.time()}
    try:
        yield
    finally:
        with _notes(folder) as notes:
            note = notes.get(name)
            if note is not None and note.get("process") == PROCESS and not note.get("timed_out"):
                del notes[name]


def mark_timed_out(folder: Path) -> list[str]:
    """The collection gave up on this process's reads in `folder`: their files are set aside next time."""
    if not (folder / NOTES).exists():
        return []
    marked = []
    with _notes(folder) as notes:
        for name, note in notes.items():
            if note.get("process") == PROCESS:
                note["timed_out"] = True
                marked.append(name)
    return marked


def suspects(folder: Path) -> list[tuple[str, str]]:
    """(file name, reason) of the files to set aside: `reader_timeout` or `reader_crashed`. A note
    whose file is gone or has changed since (a corrected upload under the same name) is dropped."""
    if not (folder / NOTES).exists():
        return []
    found = []
    with _notes(folder) as notes:
        for name, note in list(notes.items()):
            try:
                status = os.lstat(folder / name)
            except FileNotFoundError:
                del notes[name]
                continue
            if (status.st_size, status.st_mtime_ns) != (note.get("size"), note.get("mtime_ns")):
                del notes[name]
            elif note.get("timed_out"):
                found.append((name, "reader_timeout"))
            elif note.get("process") != PROCESS:
                found.append((name, "reader_crashed"))
    return found


def forget(folder: Path, name: str) -> None:
    with _notes(folder) as notes:
        notes.pop(name, None)
