"""Precision and recall of `monitor extract` on the seed plans, against the reviewed catalogue,
and on the development set (tests/data/extract_dev, hand-labelled excerpts of other documents).

Prints one JSON line per seed and measure:
  {"bench": "extract_<docid>", "value": recall, "unit": "recall", "baseline_value": ..., "ratio": ...}
  {"bench": "extract_<docid>_precision", "value": precision, "unit": "precision", ...}
then for the development set as a whole:
  {"bench": "extract_devset", ...recall}, {"bench": "extract_devset_precision", ...}
  {"bench": "extract_devset_false_<family>", "value": false proposals of that family, "unit": "proposals"}
and the recorded first-look figures of its batches, pooled (extract_devset_first_look*: each batch
scored once before the rules were changed for it; the baseline there is the figure itself).

`bench_extract.py --batch 110 111 ...` scores the excerpts numbered so (a new batch, once, before
changing anything) with each miss and false proposal; `--batch` alone scores them all.
The baseline is a naive extractor measured in the same run: every number is a proposal (quoted as
its own digits, value as read). The matching rule is in monitor/extract/quality.py.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.extract.decode import clean  # noqa: E402
from monitor.extract.propose import Proposal, extract_text  # noqa: E402
from monitor.extract.quality import load_labelled, load_reference, misses, recall_by_family, score, trap_hits  # noqa: E402
from monitor.extract.readers import read_document  # noqa: E402
from monitor.textnum import find_numbers  # noqa: E402


def seeds_dir() -> Path:
    if (ROOT / "seeds").is_dir():
        return ROOT / "seeds"
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


def batch(prefixes: list[str]) -> None:
    """Score the excerpts whose names start with one of `prefixes` (a batch, e.g. 110 111 ...):
    per excerpt its misses and false proposals, then the pooled figures. This is how a new batch is
    scored once, before any change (its "first look")."""
    proposals = matched = reviewed = found = 0
    for document in load_labelled(ROOT / "tests" / "data" / "extract_dev"):
        if prefixes and document.name.split("_")[0].lstrip("0") not in prefixes:
            continue
        result = score(document.name, extract_text(document.text), list(document.promises), document.text)
        missed, spurious = misses(extract_text(document.text), list(document.promises), document.text)
        proposals, matched = proposals + result.proposals, matched + result.matched_proposals
        reviewed, found = reviewed + result.reviewed, found + result.matched_reviewed
        print(f"{document.name}: {result.matched_proposals}/{result.proposals} right, "
              f"{result.matched_reviewed}/{result.reviewed} found")
        for commitment in missed:
            print(f"  missed {commitment['quote']!r} {commitment['value']}")
        for proposal in spurious:
            print(f"  false  {proposal.quote!r} {proposal.value} {proposal.unit} ({proposal.why})")
    print(json.dumps({"batch": prefixes, "precision": round(matched / max(proposals, 1), 3),
                      "recall": round(found / max(reviewed, 1), 3), "proposals": proposals,
                      "matched": matched, "reviewed": reviewed, "found": found}))


def main() -> int:
    if sys.argv[1:2] == ["--batch"]:
        batch(sys.argv[2:])
        return 0
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
    devset()
    return 0


def devset() -> None:
    totals = {"ours": [0, 0, 0, 0], "naive": [0, 0, 0, 0]}
    families: dict[str, list[int]] = {}
    promised: dict[str, list[int]] = {}   # family of promise -> [found by ours, by naive, labelled]
    for document in load_labelled(ROOT / "tests" / "data" / "extract_dev"):
        proposals = extract_text(document.text)
        for column, found in enumerate((proposals, naive_proposals(document.text))):
            for family, (hit, total) in recall_by_family(found, document).items():
                counts = promised.setdefault(family, [0, 0, 0])
                counts[column] += hit
                counts[2] += total if column == 0 else 0
        for name, found in (("ours", proposals), ("naive", naive_proposals(document.text))):
            result = score(document.name, found, list(document.promises), document.text)
            for i, count in enumerate((result.proposals, result.matched_proposals, result.reviewed,
                                       result.matched_reviewed)):
                totals[name][i] += count
            for family, hits in trap_hits(found, document).items():
                families.setdefault(family, [0, 0])[name == "naive"] += hits
    (p, m, r, mr), (np_, nm, nr, nmr) = totals["ours"], totals["naive"]
    print(line("extract_devset", mr / r, "recall", nmr / nr, proposals=p, reviewed=r))
    print(line("extract_devset_precision", m / p, "precision", nm / np_, proposals=p, matched=m))
    for family, (ours, naive) in sorted(families.items()):
        print(line(f"extract_devset_false_{family}", ours, "proposals", naive))
    for family, (ours, naive, total) in sorted(promised.items()):   # benefit, performance
        print(line(f"extract_devset_{family}", ours / total, "recall", naive / total, reviewed=total, found=ours))
    first_look()


def first_look() -> None:
    """The recorded first-look figures of the batches (tests/data/extract_dev/first_look.yaml),
    pooled: the honest estimate on documents the rules were not written from."""
    record = yaml.safe_load((ROOT / "tests" / "data" / "extract_dev" / "first_look.yaml").read_text(encoding="utf-8"))
    p, m, r, f = (sum(counts[i] for counts in record.values()) for i in range(4))
    print(line("extract_devset_first_look", f / r, "recall", f / r, batches=len(record), reviewed=r, found=f))
    print(line("extract_devset_first_look_precision", m / p, "precision", m / p, batches=len(record),
               proposals=p, matched=m))


if __name__ == "__main__":
    raise SystemExit(main())
