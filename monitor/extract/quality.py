"""Precision and recall of proposals against a reviewed catalogue (used by tests and bench).

Matching rule: a proposal matches a reviewed commitment of the same document when their quotes
overlap in the seed text (the spans intersect; a reviewed quote found several times counts at each
place) and the value agrees (equal within 1e-6 relative, comparing value and value_max of both, so
a range matches on either bound).

- recall = reviewed monitorable commitments matched by some proposal / reviewed monitorable ones
- precision = proposals matching some reviewed commitment (monitorable or not) / all proposals

Reference data: `targets.yaml` when it has a `commitments` list with `documents`, else the
per-document fragments `drafts/*.yaml` (the catalogue is written there before it is merged).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from monitor.extract.propose import Proposal


@dataclass(frozen=True)
class Reference:
    documents: dict[str, str]              # document id -> seed file name
    commitments: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Score:
    document: str
    proposals: int
    matched_proposals: int
    reviewed: int
    matched_reviewed: int

    @property
    def precision(self) -> float:
        return self.matched_proposals / self.proposals if self.proposals else 1.0

    @property
    def recall(self) -> float:
        return self.matched_reviewed / self.reviewed if self.reviewed else 1.0


def _fragments(root: Path) -> list[dict[str, Any]]:
    targets = root / "targets.yaml"
    if targets.exists():
        data = yaml.safe_load(targets.read_text(encoding="utf-8")) or {}
        if data.get("documents") and isinstance(data.get("commitments"), list) and data["commitments"]:
            return [data]
    return [yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for path in sorted((root / "drafts").glob("*.yaml"))]


def load_reference(root: str | Path) -> Reference:
    """The reviewed catalogue of the project at `root` (see module docstring)."""
    documents: dict[str, str] = {}
    commitments: list[dict[str, Any]] = []
    for data in _fragments(Path(root)):
        for document in data.get("documents") or []:
            documents[document["id"]] = document["source"]
        for commitment in data.get("commitments") or []:
            if commitment.get("status", "active") != "draft":
                commitments.append(commitment)
    return Reference(documents, tuple(commitments))


def _spans(text: str, quote: str) -> list[tuple[int, int]]:
    spans, at = [], text.find(quote)
    while at >= 0 and quote:
        spans.append((at, at + len(quote)))
        at = text.find(quote, at + 1)
    return spans


def _close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-6)


def values_agree(proposal: Proposal, reviewed: dict[str, Any]) -> bool:
    mine = (proposal.value, proposal.value_max)
    theirs = (reviewed.get("value"), reviewed.get("value_max"))
    return any(_close(a, b) for a in mine for b in theirs)


def matches(proposal: Proposal, reviewed: dict[str, Any], text: str) -> bool:
    if not values_agree(proposal, reviewed):
        return False
    return any(start < proposal.end and proposal.start < end for start, end in _spans(text, reviewed["quote"]))


def score(document: str, proposals: list[Proposal], reviewed: list[dict[str, Any]], text: str) -> Score:
    """Precision and recall of `proposals` for one document whose original text is `text`."""
    monitorable = [c for c in reviewed if c.get("monitorable", True)]
    matched_reviewed = sum(1 for c in monitorable if any(matches(p, c, text) for p in proposals))
    matched_proposals = sum(1 for p in proposals if any(matches(p, c, text) for c in reviewed))
    return Score(document, len(proposals), matched_proposals, len(monitorable), matched_reviewed)


def misses(proposals: list[Proposal], reviewed: list[dict[str, Any]], text: str) -> tuple[list[dict[str, Any]], list[Proposal]]:
    """(reviewed monitorable commitments no proposal matched, proposals matching nothing)."""
    missed = [c for c in reviewed if c.get("monitorable", True) and not any(matches(p, c, text) for p in proposals)]
    spurious = [p for p in proposals if not any(matches(p, c, text) for c in reviewed)]
    return missed, spurious


PERFORMANCE, BENEFIT = "performance", "benefit"   # families of labelled promises


def recall_by_family(proposals: list[Proposal], document: LabelledDocument) -> dict[str, tuple[int, int]]:
    """Per family of promise (performance, benefit): (promises found, promises labelled)."""
    found: dict[str, tuple[int, int]] = {}
    for promise in document.promises:
        hit, total = found.get(promise["family"], (0, 0))
        found[promise["family"]] = (hit + any(matches(p, promise, document.text) for p in proposals), total + 1)
    return found


@dataclass(frozen=True)
class LabelledDocument:
    """One document of a labelled set: its text, its promises (as reviewed commitments) and its
    traps (numbers that are not commitments, each with the family of false proposal it tests)."""

    name: str
    text: str
    promises: tuple[dict[str, Any], ...]
    traps: tuple[tuple[str, str], ...]


def load_labelled(folder: str | Path) -> list[LabelledDocument]:
    """The documents of a labelled set: `labels.yaml` beside the text files (format in its header)."""
    root = Path(folder)
    labels = yaml.safe_load((root / "labels.yaml").read_text(encoding="utf-8")) or {}
    documents = []
    for name, entry in sorted(labels.items()):
        promises = []
        for quote, value, *family in entry.get("promises") or []:
            low, high = (value if isinstance(value, list) else [value, None])
            promises.append({"quote": str(quote), "value": low, "value_max": high,
                             "family": family[0] if family else PERFORMANCE})
        traps = tuple((str(quote), str(family)) for quote, family in entry.get("traps") or [])
        documents.append(LabelledDocument(name, (root / name).read_text(encoding="utf-8"),
                                          tuple(promises), traps))
    return documents


def trap_hits(proposals: list[Proposal], document: LabelledDocument) -> dict[str, int]:
    """Per family, how many proposals matching no promise overlap one of the document's traps."""
    _, spurious = misses(proposals, list(document.promises), document.text)
    hits: dict[str, int] = {}
    for proposal in spurious:
        for quote, family in document.traps:
            if any(start < proposal.end and proposal.start < end for start, end in _spans(document.text, quote)):
                hits[family] = hits.get(family, 0) + 1
                break
    return hits
