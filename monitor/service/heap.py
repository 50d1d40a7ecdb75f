"""The daemon's heap and Python's cyclic garbage collector.

A loaded catalogue lives until the next reload: at 100,000 commitments it is millions of objects.
Left in the collector's generations, every full collection walks all of it, and a cycle's
allocations (observations, verdicts, rows) trigger such collections over and over: at 100,000
commitments that was most of a cycle's time. `settle` moves everything alive at that moment into
the permanent generation (gc.freeze), so collections scan only what cycles allocate, and lets the
young generation fill further before each collection. After a reload, `settle` first hands the
frozen objects back (gc.unfreeze) and collects once, so the replaced catalogue is freed (one a
cycle still held at that moment is frozen with the new one, and freed at the next reload).

The C allocator (glibc's malloc; elsewhere these are no-ops): a load builds and drops hundreds of
megabytes (the files' data, the schema's models), whose freed pages malloc keeps; `settle` hands
them back to the system (malloc_trim). And glibc gives each thread that allocates its own arena,
up to eight per core, each holding its own freed memory: the daemon's threads (the store writer,
collections parsing their payloads, renderings, the pages) each fragment one. `limit_arenas`, called
once at the daemon's start before any thread, keeps them to a few; MALLOC_ARENA_MAX, when the
operator sets it, is left as set.
"""

from __future__ import annotations

import ctypes
import gc
import os

YOUNG_GENERATION_THRESHOLD = 50_000   # allocations between young collections (Python's default: 700)
MALLOC_ARENAS = 2                      # glibc's default: 8 per core
_M_ARENA_MAX = -8                      # mallopt's parameter (malloc.h)


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None)   # the process's own symbols, the C library's among them
    except OSError:
        return None


def limit_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """At most `arenas` malloc arenas (glibc); False where there is no such setting or the
    operator set MALLOC_ARENA_MAX."""
    libc = _libc()
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None or os.environ.get("MALLOC_ARENA_MAX"):
        return False
    return bool(mallopt(_M_ARENA_MAX, arenas))


def release_freed_memory() -> bool:
    """Hand malloc's freed pages back to the system (glibc's malloc_trim); False where there is none."""
    trim = getattr(_libc(), "malloc_trim", None)
    return trim is not None and bool(trim(0))


def settle(*, replaced: bool = False) -> int:
    """Freeze what is alive now; returns how many objects are frozen."""
    if replaced:
        gc.unfreeze()
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)
    release_freed_memory()   # what the load built and dropped (the files' data, the models)
    return gc.get_freeze_count()
