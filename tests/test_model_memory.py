"""What one commitment costs in memory: a national catalogue holds 100,000 of them for the daemon's life."""

from __future__ import annotations

import dataclasses
import pickle

from monitor.model import Commitment, Measure


def test_commitments_and_measures_have_no_instance_dict(shipped_catalogue):
    c = next(iter(shipped_catalogue.commitments.values()))
    for obj in (c, c.measure):
        assert not hasattr(obj, "__dict__")
    assert "__slots__" in vars(Commitment) and "__slots__" in vars(Measure)


def test_slotted_commitments_still_copy_compare_and_pickle(shipped_catalogue):
    c = next(c for c in shipped_catalogue.commitments.values() if c.evaluated)
    changed = dataclasses.replace(c, measure=dataclasses.replace(c.measure, min_share=90))
    assert changed.measure.min_share == 90 and changed.id == c.id and changed != c
    assert pickle.loads(pickle.dumps(c)) == c
    assert [f.name for f in dataclasses.fields(Commitment)][:3] == ["id", "document", "clause"]


def test_repeated_short_strings_are_one_object_each(shipped_catalogue):
    commitments = list(shipped_catalogue.commitments.values())
    for name in ("unit", "kind", "op"):
        values = [getattr(c, name) for c in commitments]
        assert len({id(v) for v in values}) == len(set(values)), name
    for name in ("feed", "aggregate"):
        values = [getattr(c.measure, name) for c in commitments]
        assert len({id(v) for v in values}) == len(set(values)), name
