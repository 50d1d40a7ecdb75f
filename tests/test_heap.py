"""The daemon keeps its catalogue out of the cyclic collector's scans, and frees a replaced one."""

from __future__ import annotations

import gc
import weakref

import pytest

from monitor.service import heap


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
