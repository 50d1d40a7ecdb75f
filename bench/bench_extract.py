"""Precision and recall of `monitor extract` on the seed plans, against the reviewed catalogue.

Prints one JSON line per seed and measure:
  {"bench": "extract_<docid>", "value": recall, "unit": "recall", "baseline_value": ..., "ratio": ...}
  {"bench": "extract_<docid>_precision", "value": precision, "unit": "precision", ...}
The baseline is a naive extractor measured in the same run: every number is a proposal (quoted as
its own digits, value as read). The matching rule is in monitor/extract/quality.py.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.extract.decode import clean, read_document  # noqa: E402
from monitor.extract.propose import Proposal, extract_text  # noqa: E402
from monitor.extract.quality import load_reference, score  # noqa: E402
from monitor.textnum import find_numbers  # noqa: E402


def seeds_dir() -> Path:
    for candidate in (ROOT / "seeds",):
        if candidate.is_dir():
            return candidate
    raise SystemExit("bench_extract: no seeds/ directory found")


def naive_proposals(original: str) -> list[Proposal]:
    cleaned = clean(original)
    proposals = []
    for mention in find_numbers(cleaned.text):
        if mention.value is None:
            continue
        start, end = cleaned.original_span(mention.start, mention.end)
        proposals.append(Proposal(original[start:end], start, end, mention.value, None, "==", None,
                                  "value", None, None, None, (), "", True, None))
    return proposals


def line(name: str, value: float, unit: str, baseline: float, **extra: object) -> str:
    ratio = round(value / baseline, 3) if baseline else None
    return json.dumps({"bench": name, "value": round(value, 3), "unit": unit,
                       "baseline_value": round(baseline, 3), "ratio": ratio, **extra}, ensure_ascii=False)


def main() -> int:
    reference = load_reference(ROOT)
    seeds = seeds_dir()
    for document, source in sorted(reference.documents.items()):
        original = read_document(seeds / source)
        reviewed = [c for c in reference.commitments if c.get("document") == document]
        began = time.perf_counter()
        proposals = extract_text(original)
        seconds = time.perf_counter() - began
        ours = score(document, proposals, reviewed, original)
        naive = score(document, naive_proposals(original), reviewed, original)
        print(line(f"extract_{document}", ours.recall, "recall", naive.recall,
                   proposals=ours.proposals, reviewed=ours.reviewed, seconds=round(seconds, 3)))
        print(line(f"extract_{document}_precision", ours.precision, "precision", naive.precision,
                   proposals=ours.proposals, matched=ours.matched_proposals))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
