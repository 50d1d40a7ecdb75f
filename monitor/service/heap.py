"""The daemon's heap and Python's cyclic garbage collector.

A loaded catalogue lives until the next reload: at 100,000 commitments it is millions of objects.
Left in the collector's generations, every full collection walks all of it, and a cycle's
allocations (observations, verdicts, rows) trigger such collections over and over: at 100,000
commitments that was most of a cycle's time. `settle` moves everything alive at that moment into
the permanent generation (gc.freeze), so collections scan only what cycles allocate, and lets the
young generation fill further before each collection. After a reload, `settle` first hands the
frozen objects back (gc.unfreeze) and collects once, so the replaced catalogue is freed (one a
cycle still held at that moment is frozen with the new one, and freed at the next reload).
"""

from __future__ import annotations

import gc

YOUNG_GENERATION_THRESHOLD = 50_000   # allocations between young collections (Python's default: 700)


def settle(*, replaced: bool = False) -> int:
    """Freeze what is alive now; returns how many objects are frozen."""
    if replaced:
        gc.unfreeze()
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)
    return gc.get_freeze_count()
