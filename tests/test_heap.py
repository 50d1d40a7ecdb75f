"""The daemon keeps its catalogue out of the cyclic collector's scans, and frees a replaced one."""

from __future__ import annotations

import gc
import platform
import weakref

import pytest

from monitor.service import heap
from tests.needs import missing


class Node:
    def __init__(self) -> None:
        self.me = self   # a reference cycle: only the cyclic collector frees it


@pytest.fixture
def restored_gc():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_settle_freezes_what_is_alive_and_a_reload_frees_the_replaced_catalogue(restored_gc):
    old = Node()
    gone = weakref.ref(old)
    heap.settle()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == heap.YOUNG_GENERATION_THRESHOLD
    del old
    gc.collect()
    assert gone() is not None          # frozen: a full collection does not even look at it
    heap.settle(replaced=True)
    assert gone() is None              # handed back and collected at the reload


def _needs_glibc() -> None:
    if platform.libc_ver()[0] != "glibc":
        missing("glibc (malloc_trim and mallopt are glibc's)")


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def test_settle_hands_what_a_load_freed_back_to_the_system(restored_gc):
    _needs_glibc()
    dropped = [f"{i:08d}" + "x" * 2000 for i in range(60_000)]   # malloc'd (over pymalloc's 512 bytes): ~120 MB
    pinned = [dropped[i] for i in range(0, len(dropped), 64)]    # a few kept all over it: nothing to shrink from the top
    del dropped
    before = _rss_kib()
    heap.settle()
    assert before - _rss_kib() > 60_000   # KiB
    assert len(pinned) == 938


def test_arenas_are_limited_unless_the_operator_set_them(monkeypatch):
    _needs_glibc()
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert heap.limit_arenas() is True
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert heap.limit_arenas() is False
