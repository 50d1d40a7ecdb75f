"""A feed's commitments evaluated once per distinct question: commitments that read the same data
and ask the same of it (same kind, comparison, limit, unit, deadline, window, calendar
jurisdiction...) get one evaluation, copied under each one's id. `evaluate` is pure and reads of a
commitment only what `verdict_inputs` keeps, so the copies are exactly what evaluating each would
give (tests/test_shared_verdicts.py compares them on the shipped catalogue). The distinct questions
are then evaluated together (monitor.feed_batch: per-case commitments in a few numpy passes).

Catalogues copied across jurisdictions that share a feed (the scaled catalogue of bench/, or
provinces publishing one series for every county's promise) ask the same question many times.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from typing import Any

from monitor.calendar import WorkCalendar
from monitor.evaluate import Evaluation
from monitor.feed_batch import evaluate_all
from monitor.model import Commitment
from monitor.observations import MeasureData

# what `evaluate` never reads: who promised, where it is written, how it is named
NOT_READ = frozenset({"id", "document", "clause", "quote", "measured_zh", "measured_en", "agency", "co_agencies",
                      "monitorable", "reason", "draft"})
_READ = tuple(f.name for f in dataclasses.fields(Commitment) if f.name not in NOT_READ)


def verdict_inputs(c: Commitment) -> Hashable | None:
    """Everything of a commitment its verdict depends on (the document only by its jurisdiction, which
    chooses the holidays); None when something in it cannot be compared (it is then evaluated alone)."""
    inputs: tuple[Any, ...] = (c.document.jurisdiction, *(getattr(c, name) for name in _READ))
    try:
        hash(inputs)
    except TypeError:
        return None
    return inputs


def evaluate_shared(commitments: Sequence[Commitment], data_of: Callable[[Commitment], MeasureData],
                    now: datetime, calendar: WorkCalendar) -> list[Evaluation]:
    """`[evaluate(c, data_of(c), now, calendar) for c in commitments]`, each distinct question once, the
    distinct per-case questions together in one batch (monitor.feed_batch). Data is told apart by
    identity: the store gives one MeasureData per distinct (series, since)."""
    asked: list[tuple[Commitment, MeasureData]] = []    # each distinct question, by its first commitment
    slots: list[int] = []
    seen: dict[tuple[int, Hashable], int] = {}
    for c in commitments:
        data = data_of(c)
        inputs = verdict_inputs(c)
        slot = len(asked) if inputs is None else seen.setdefault((id(data), inputs), len(asked))
        if slot == len(asked):
            asked.append((c, data))
        slots.append(slot)
    answers = evaluate_all(asked, now, calendar)
    return [answers[slot] if asked[slot][0] is c else dataclasses.replace(answers[slot], commitment=c.id)
            for c, slot in zip(commitments, slots)]
