"""Draft commitments from a document: one proposal per monitorable number."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from monitor.extract.clauses import parse_structure, segment, sentence, strip_label
from monitor.extract.deadlines import default_deadline, document_dates, find_deadline
from monitor.extract.decode import clean, read_document
from monitor.extract.exclude import reason_to_skip
from monitor.extract.numbers import Quantity, find_quantities
from monitor.extract.rules import comparator, is_reduction, kind_of, policy_parameter
from monitor.extract.words import word_quantities

_LEADING_VERBS = ("实现", "力争", "确保", "推动", "努力", "争取", "将", "并", "其中", "全年", "年内")


@dataclass(frozen=True)
class Proposal:
    """A draft commitment; `start`/`end` locate `quote` in the original text."""

    quote: str
    start: int
    end: int
    value: float
    value_max: float | None
    op: str
    unit: str | None
    kind: str
    deadline: date | None
    clause: str | None
    agency: str | None
    co_agencies: tuple[str, ...]
    measured: str
    monitorable: bool
    reason: str | None

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["deadline"] = self.deadline.isoformat() if self.deadline else None
        data["co_agencies"] = list(self.co_agencies)
        for key in ("value", "value_max"):
            number = data[key]
            if isinstance(number, float) and number.is_integer():
                data[key] = int(number)
            elif isinstance(number, float):
                data[key] = round(number, 4)
        return data


def _op_for_words(quantity: Quantity, op: str) -> str:
    if quantity.form not in ("words", "milestone"):
        return op
    if quantity.op is not None:
        return quantity.op
    if quantity.value == 0:
        return "<=" if quantity.unit == "工作日" else "=="
    return ">="


def _measured(before: str) -> str:
    phrase = before.strip(" ,、(“”")
    for verb in _LEADING_VERBS:
        if phrase.startswith(verb):
            phrase = phrase[len(verb):]
    return phrase


def _measured_or_quote(before: str, quote: str) -> str:
    phrase = _measured(before)
    return phrase if len(phrase) >= 4 else quote


def extract_text(original: str, year: int | None = None) -> list[Proposal]:
    """Proposals for every monitorable number of a document's original text."""
    cleaned = clean(original)
    text = cleaned.text
    dates = document_dates(text, year)
    structure = parse_structure(cleaned)
    kept: list[tuple[Quantity, tuple[int, int]]] = []
    quantities = sorted(find_quantities(text) + word_quantities(text), key=lambda q: (q.start, q.end))
    for quantity in quantities:
        seg = strip_label(text, *segment(text, quantity.start, quantity.end))
        before, after = text[seg[0]:quantity.start], text[quantity.end:seg[1]]
        if reason_to_skip(text, quantity, before, after, dates.year) is None:
            kept.append((quantity, seg))
    numbered_segments = {seg for q, seg in kept if q.form not in ("words", "milestone")}
    share_segments = {seg for q, seg in kept if q.form not in ("words", "milestone") and q.unit in ("%", "‰")}
    proposals: list[Proposal] = []
    seen: set[tuple[int, int, float]] = set()
    for quantity, seg in kept:
        if quantity.form == "milestone" and seg in numbered_segments:
            continue  # the dated phrase already carries a number; the date is its deadline
        if quantity.form == "words" and quantity.unit == "%" and seg in share_segments:
            continue  # the share is written (30%以上专门面向...): the words only describe it
        before, after = text[seg[0]:quantity.start], text[quantity.end:seg[1]]
        written = text[quantity.start:quantity.end]
        op, op_word = comparator(before, after, quantity)
        reduction = quantity.form != "words" and is_reduction(before, op_word, written)
        op = ">=" if reduction else _op_for_words(quantity, op)
        sent = sentence(text, quantity.start, quantity.end)
        kind = kind_of(quantity, op, reduction, text[seg[0]:seg[1]])
        deadline = None
        if kind != "case_duration":
            deadline, _, _ = find_deadline(text, seg[0], seg[1], dates.year)
            if deadline is None:
                deadline, _, _ = find_deadline(text, sent[0], sent[1], dates.year)
            deadline = deadline or default_deadline(kind, dates)
        start, end = cleaned.original_span(*seg)
        key = (start, end, quantity.value)
        if key in seen:
            continue
        seen.add(key)
        annotation = structure.agency(quantity.start)
        parameter = policy_parameter(text[seg[0]:seg[1]])
        if parameter and op_word is None and not quantity.is_range:
            op, kind = "==", "value"  # a reward of 5万元 is an amount, not a floor to reach
        proposals.append(Proposal(
            quote=original[start:end], start=start, end=end,
            value=quantity.value, value_max=quantity.value_max, op=op, unit=quantity.unit,
            kind=kind, deadline=deadline, clause=structure.clause(quantity.start),
            agency=annotation.lead if annotation else None,
            co_agencies=annotation.co if annotation else (),
            measured=_measured_or_quote(cleaned.original_slice(seg[0], quantity.start), original[start:end]),
            monitorable=not parameter,
            reason="policy parameter (reward, subsidy or threshold)" if parameter else None,
        ))
    return proposals


def extract_file(path: str | Path, year: int | None = None) -> list[Proposal]:
    """Proposals for a document file in UTF-8 (with or without BOM) or GB18030."""
    return extract_text(read_document(path), year)
