"""`monitor extract`: draft commitments from a policy document nobody has catalogued yet.

readers (.txt, .html, .docx, .pdf → text) → decode (encodings, cleaning with an offset map) →
numbers / words (quantities as written) → exclude and modality (promise, report, condition or
other, with a reason) → rules / deadlines / clauses (comparator, kind, deadline, clause, agency) →
confidence (a score explained by features) → propose (ranked Proposal objects) → merge (drafts
appended to targets.yaml, the document's text saved beside it); quality scores proposals against
the reviewed catalogue and the labelled development set.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from monitor.extract.confidence import DEFAULT_MIN_CONFIDENCE
from monitor.extract.merge import document_id_for, merge
from monitor.extract.modality import DRAFTED
from monitor.extract.propose import Proposal, candidates, extract_file, extract_text, rank
from monitor.extract.readers import UnreadableDocument, read_document, save_text, text_name

__all__ = ["Proposal", "candidates", "extract_file", "extract_text", "add_extract_command", "run_extract"]


def _selected(proposals: list[Proposal], min_confidence: float, everything: bool) -> list[Proposal]:
    """Drafts first (promises at or above the threshold, most confident first); with
    `everything`, then the promises below it, then the rest in text order with their reason."""
    drafts = rank([p for p in proposals if p.modality in DRAFTED and p.confidence >= min_confidence])
    if not everything:
        return drafts
    weak = rank([p for p in proposals if p.modality in DRAFTED and p.confidence < min_confidence])
    return drafts + weak + [p for p in proposals if p.modality not in DRAFTED]


def _row(proposal: Proposal, min_confidence: float) -> dict[str, object]:
    data = proposal.to_dict()
    data["draft"] = proposal.modality in DRAFTED and proposal.confidence >= min_confidence
    return data


def run_extract(args: argparse.Namespace) -> int:
    """Print the drafts (or with --all every number) of args.file; with --merge, append the
    drafts to the catalogue and save the document's text beside it."""
    try:
        original = read_document(args.file)
    except UnreadableDocument as error:
        print(f"monitor extract: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"monitor extract: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    proposals = _selected(candidates(original, args.year), args.min_confidence, args.all)
    document_id = args.document_id or document_id_for(args.file, args.merge)
    rows = [{"document": document_id, **_row(p, args.min_confidence)} for p in proposals]
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        import yaml

        print(yaml.safe_dump(rows, allow_unicode=True, sort_keys=False), end="")
    if args.merge:
        drafts = [p for p, row in zip(proposals, rows) if row["draft"]]
        result = merge(args.merge, document_id, drafts, original, text_name(args.file), args.year)
        saved = save_text(original, args.file, Path(args.merge).resolve().parent / "seeds")
        print(f"monitor extract: {len(result.added)} drafts appended to {args.merge}, "
              f"{result.skipped} already there", file=sys.stderr)
        if saved is not None:
            print(f"monitor extract: the text the quotes come from saved as {saved} "
                  f"(the document's `source: {saved.name}`)", file=sys.stderr)
    return 0


def add_extract_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `extract` to the main CLI."""
    parser = subparsers.add_parser(
        "extract", help="draft commitments from a policy document",
        description="Propose draft commitments from the promises of a Chinese policy document: "
                    "plain text (UTF-8, UTF-8/16 with BOM or GB18030), a web page (.html/.htm, main "
                    "text only), Word (.docx) or a PDF with a text layer; simplified or traditional. "
                    "Drafts are ranked by confidence.")
    parser.add_argument("file", help="the document (.txt, .html, .htm, .docx or .pdf)")
    parser.add_argument("--document-id", help="catalogue id of the document (default: the document "
                        "whose source is this file in --merge, else a slug of the file name)")
    parser.add_argument("--year", type=int, help="the document's year (default: from its text)")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")
    parser.add_argument("--min-confidence", type=float, default=DEFAULT_MIN_CONFIDENCE, metavar="C",
                        help=f"drafts need at least this confidence, 0-1 (default {DEFAULT_MIN_CONFIDENCE})")
    parser.add_argument("--all", action="store_true", help="also list the promises below the threshold "
                        "and every other number (reports, conditions, dates ...) with the reason it is "
                        "not a draft")
    parser.add_argument("--merge", metavar="TARGETS", help="append the drafts to this targets.yaml "
                        "(status: draft), skipping those already catalogued, and save the document's "
                        "text in the seeds/ folder beside it")
    parser.set_defaults(func=run_extract)
