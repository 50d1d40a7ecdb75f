"""`monitor extract`: draft commitments from a policy document nobody has catalogued yet.

decode (encodings, cleaning with an offset map) → numbers (quantities as written) → exclude (what
is not a commitment) → rules / deadlines / clauses (comparator, kind, deadline, clause, agency) →
propose (Proposal objects) → merge (drafts appended to targets.yaml) ; quality scores proposals
against the reviewed catalogue.
"""

from __future__ import annotations

import argparse
import json
import sys

from monitor.extract.decode import read_document
from monitor.extract.merge import document_id_for, merge
from monitor.extract.propose import Proposal, extract_file, extract_text

__all__ = ["Proposal", "extract_file", "extract_text", "add_extract_command", "run_extract"]


def _yaml_lines(proposals: list[Proposal]) -> str:
    import yaml

    return yaml.safe_dump([p.to_dict() for p in proposals], allow_unicode=True, sort_keys=False)


def run_extract(args: argparse.Namespace) -> int:
    """Print the proposals for args.file; with --merge, append them as drafts."""
    try:
        original = read_document(args.file)
    except OSError as error:
        print(f"monitor extract: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    proposals = extract_text(original, args.year)
    document_id = args.document_id or document_id_for(args.file, args.merge)
    if args.format == "json":
        print(json.dumps([{"document": document_id, **p.to_dict()} for p in proposals],
                         ensure_ascii=False, indent=2))
    else:
        print(_yaml_lines(proposals), end="")
    if args.merge:
        result = merge(args.merge, document_id, proposals, original)
        print(f"monitor extract: {len(result.added)} drafts appended to {args.merge}, "
              f"{result.skipped} already there", file=sys.stderr)
    return 0


def add_extract_command(subparsers: argparse._SubParsersAction) -> None:
    """Add `extract` to the main CLI."""
    parser = subparsers.add_parser(
        "extract", help="draft commitments from a policy document",
        description="Propose one draft commitment per monitorable number of a Chinese policy text "
                    "(UTF-8, UTF-8 with BOM or GB18030; simplified or traditional).")
    parser.add_argument("file", help="the document (plain text)")
    parser.add_argument("--document-id", help="catalogue id of the document (default: the document "
                        "whose source is this file in --merge, else a slug of the file name)")
    parser.add_argument("--year", type=int, help="the document's year (default: from its text)")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")
    parser.add_argument("--merge", metavar="TARGETS", help="append the proposals to this targets.yaml "
                        "as drafts (status: draft), skipping those already catalogued")
    parser.set_defaults(func=run_extract)
