"""A synthetic catalogue of any size in process: the shipped catalogue's documents, agencies and
commitments copied under new ids (each copy a document of its own, spread over `jurisdictions`
jurisdictions), and a synthetic board of verdicts. For measuring pages and lists, not evaluation:
nothing is loaded from YAML, so 100,000 commitments are made in seconds."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

from monitor.evaluate import Evaluation
from monitor.loader import load_catalogue
from monitor.model import Catalogue

ROOT = Path(__file__).resolve().parents[1]
STATUSES = ("met", "met", "met", "at_risk", "missed", "no_data", "met", "error")


def shipped() -> Catalogue:
    return load_catalogue(ROOT / "targets.yaml")


def copied(base: Catalogue, size: int, jurisdictions: int = 30) -> Catalogue:
    """`base` copied until it holds `size` commitments (the last copy cut short)."""
    documents, agencies, commitments = {}, {}, {}
    copy = 0
    while len(commitments) < size:
        docs = {d.id: d.model_copy(update={"id": f"{d.id}_{copy}", "jurisdiction": f"{d.jurisdiction}{copy % jurisdictions}"})
                for d in base.documents.values()}
        ags = {a.id: a.model_copy(update={"id": f"{a.id}_{copy}"}) for a in base.agencies.values()}
        for c in base.commitments.values():
            if len(commitments) >= size:
                break
            new = dataclasses.replace(c, id=f"{c.id}_{copy}", document=docs[c.document.id],
                                      agency=ags[c.agency.id] if c.agency else None,
                                      co_agencies=tuple(ags[a.id] for a in c.co_agencies))
            commitments[new.id] = new
        documents.update({d.id: d for d in docs.values()})
        agencies.update({a.id: a for a in ags.values()})
        copy += 1
    used = {c.document.id for c in commitments.values()}
    return dataclasses.replace(base, documents={k: v for k, v in documents.items() if k in used},
                               agencies=agencies, commitments=commitments)


def board(catalogue: Catalogue, now: datetime) -> dict[str, Evaluation]:
    """A verdict for every monitored commitment, the statuses spread deterministically."""
    found = {}
    for i, c in enumerate(catalogue.evaluated_commitments()):
        status = STATUSES[i % len(STATUSES)]
        found[c.id] = Evaluation(c.id, now, status, actual=float(i % 97), target=c.value, op=c.op, unit=c.unit,
                                 reason=f"synthetic {status}")
    return found
