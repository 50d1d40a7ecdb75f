"""Quality of `monitor extract` on the five seed plans, against the reviewed catalogue: a
regression test (the extractor was first written from these seeds; the thresholds are the figures
it reached then). How it does on documents it was not written from is measured on the development
set (test_extract_devset.py).

Matching rule (monitor/extract/quality.py): a proposal matches a reviewed commitment of the same
document when their quotes overlap in the seed text (spans intersect) and the value agrees (value
or value_max of one equals value or value_max of the other).
recall = matched reviewed monitorable commitments / all reviewed monitorable commitments;
precision = proposals matching a reviewed commitment (monitorable or not) / all proposals.
Reference: targets.yaml when it has documents and a commitments list, else drafts/*.yaml.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.extract import extract_text
from monitor.extract.quality import load_reference, score
from monitor.extract.readers import read_document
from tests.needs import missing

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
REFERENCE = load_reference(ROOT)
DOCUMENTS = sorted(REFERENCE.documents.items())


@pytest.fixture(scope="module")
def scores():
    if not SEEDS.is_dir() or not DOCUMENTS:
        missing("no seeds or no reviewed catalogue")
    found = {}
    for document, source in DOCUMENTS:
        original = read_document(SEEDS / source)
        reviewed = [c for c in REFERENCE.commitments if c.get("document") == document]
        found[document] = score(document, extract_text(original), reviewed, original)
    return found


@pytest.mark.parametrize("document", [d for d, _ in DOCUMENTS])
def test_recall_and_precision_on_each_seed(scores, document):
    result = scores[document]
    assert result.recall >= 0.9, result
    assert result.precision >= 0.8, result


def test_quotes_are_exact_substrings_of_the_seed_files():
    for _, source in DOCUMENTS:
        original = read_document(SEEDS / source)
        for proposal in extract_text(original):
            assert original[proposal.start:proposal.end] == proposal.quote
