"""Precision and recall of `monitor extract` on its development set (tests/data/extract_dev).

This is a DEVELOPMENT set: 181 excerpts written for the purpose in the style of plans, notices,
news reports and subsidy rules, simplified and traditional, labelled by hand (format in
labels.yaml). The rules were written while looking at it, so these figures are optimistic; the
extractor is judged on other documents. The thresholds keep what was reached from slipping back.
Matching rule: monitor/extract/quality.py (quotes overlap, values agree).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from monitor.extract import extract_text
from monitor.extract.quality import load_labelled, recall_by_family, score, trap_hits

DEV = Path(__file__).resolve().parent / "data" / "extract_dev"
DOCUMENTS = load_labelled(DEV)


@pytest.fixture(scope="module")
def results():
    return {d.name: extract_text(d.text) for d in DOCUMENTS}


def test_the_labels_quote_their_documents_exactly():
    assert len(DOCUMENTS) >= 30
    for document in DOCUMENTS:
        for quote in [c["quote"] for c in document.promises] + [q for q, _ in document.traps]:
            assert quote in document.text, (document.name, quote)


def test_precision_and_recall_on_the_development_set(results):
    proposals = matched = reviewed = found = 0
    for document in DOCUMENTS:
        result = score(document.name, results[document.name], list(document.promises), document.text)
        proposals += result.proposals
        matched += result.matched_proposals
        reviewed += result.reviewed
        found += result.matched_reviewed
    assert reviewed >= 600
    assert matched / proposals >= 0.98, (matched, proposals)
    assert found / reviewed >= 0.99, (found, reviewed)


def test_few_false_proposals_in_each_family(results):
    hits: Counter[str] = Counter()
    for document in DOCUMENTS:
        hits.update(trap_hits(results[document.name], document))
    traps = Counter(family for d in DOCUMENTS for _, family in d.traps)
    assert set(traps) >= {"report", "policy_count", "date_time", "condition", "other_duration"}
    for family, count in traps.items():
        assert hits[family] <= max(2, count // 20), (family, hits[family], count)


def test_quotes_are_exact_substrings(results):
    for document in DOCUMENTS:
        for proposal in results[document.name]:
            assert document.text[proposal.start:proposal.end] == proposal.quote


def test_benefits_are_found_as_promises_beside_performance_promises(results):
    """Promised payments and reliefs (family benefit: 按贷款额的5‰给予补助, 最高不超过20万元, 免收1个月
    房租) count as promises; their eligibility thresholds stay condition traps (above)."""
    found: dict[str, list[int]] = {}
    for document in DOCUMENTS:
        for family, (hit, total) in recall_by_family(results[document.name], document).items():
            counts = found.setdefault(family, [0, 0])
            counts[0] += hit
            counts[1] += total
    assert found["benefit"][1] >= 80 and found["performance"][1] >= 600
    assert found["benefit"][0] / found["benefit"][1] >= 0.95, found
    assert found["performance"][0] / found["performance"][1] >= 0.99, found
