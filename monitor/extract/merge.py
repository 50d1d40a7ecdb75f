"""Append proposals to a catalogue file as draft commitments, leaving the rest of it untouched.

The file is edited as text, never re-dumped, so its comments and layout survive: the drafts go at
the end of the `commitments:` block (created when missing). YAML is only read, to learn the
existing ids, quotes and agencies.

Agencies: a proposal carries the agency name as annotated in the document (区市场监管局), while
the catalogue refers to agencies by id. The name is looked up among the `agencies:` of the file
that belong to the document (id prefix `<document id without digits>.`, or same jurisdiction as
the document); on a match the draft gets that id, otherwise `agency: null` with the annotated
name in a comment on the same line, for the editor to resolve. A comment keeps the entry valid
under the strict schema (no extra key) and shows the editor exactly what the document said.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from monitor.extract.propose import Proposal
from monitor.extract.quality import matches
from monitor.extract.readers import text_name

_TOP_LEVEL_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")


@dataclass(frozen=True)
class MergeResult:
    added: tuple[str, ...]       # ids of the drafts written
    skipped: int                 # proposals already in the catalogue


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(round(value, 4))
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _agency_ids(data: dict[str, Any], document_id: str) -> dict[str, str]:
    """Annotated name → agency id, for the agencies of this document."""
    prefix = re.sub(r"\d+$", "", document_id) + "."
    jurisdiction = next((d.get("jurisdiction") for d in data.get("documents") or []
                         if d.get("id") == document_id), None)
    names: dict[str, str] = {}
    for agency in data.get("agencies") or []:
        if str(agency.get("id", "")).startswith(prefix) or (
                jurisdiction and agency.get("jurisdiction") == jurisdiction):
            names.setdefault(agency.get("name"), agency["id"])
    return names


def _entry(entry_id: str, document_id: str, proposal: Proposal, agencies: dict[str, str],
           indent: str) -> str:
    kind = proposal.kind
    if kind == "cumulative" and proposal.deadline is None:
        kind = "value"  # a cumulative target needs a deadline the document did not give
    agency_id = agencies.get(proposal.agency or "")
    agency_line = f"agency: {_scalar(agency_id)}"
    if proposal.agency and agency_id is None:
        agency_line += f"  # 牵头单位 as annotated: {proposal.agency} (no agency of this name in agencies:)"
    co = [agencies[name] for name in proposal.co_agencies if name in agencies]
    ranking = f"  # confidence {proposal.confidence:.2f}: {'; '.join(proposal.features) or 'no feature'}"
    share = (f"  # share of cases within the limit: {_scalar(proposal.min_share)}% (measure.min_share)"
             if proposal.min_share is not None else "")
    lines = [
        f"id: {entry_id}{ranking}",
        f"document: {document_id}",
        f"clause: {_scalar(proposal.clause or '')}",
        f"quote: {_scalar(proposal.quote)}",
        f"measured: {{zh: {_scalar(proposal.measured)}, en: \"\"}}",
        f"kind: {kind}",
        f"op: {_scalar(proposal.op)}",
        f"value: {_scalar(proposal.value)}{share}",
        f"value_max: {_scalar(proposal.value_max)}",
        f"unit: {_scalar(proposal.unit or '')}",
        f"deadline: {proposal.deadline.isoformat() if proposal.deadline else 'null'}",
        "baseline: null" + ("  # reduction: set {value, unit, date}" if kind == "reduction" else ""),
        agency_line,
        f"co_agencies: [{', '.join(co)}]",
        f"monitorable: {_scalar(proposal.monitorable)}",
        f"reason: {_scalar(proposal.reason)}",
        "status: draft",
    ]
    return f"{indent}- " + "\n".join(lines[:1]) + "".join(f"\n{indent}  {line}" for line in lines[1:]) + "\n"


def _insertion_point(lines: list[str]) -> tuple[int | None, str]:
    """(index of the line before which drafts go, item indent); None when there is no block."""
    start = next((i for i, line in enumerate(lines) if re.match(r"^commitments\s*:", line)), None)
    if start is None:
        return None, "  "
    end = next((i for i in range(start + 1, len(lines)) if _TOP_LEVEL_KEY.match(lines[i])), len(lines))
    while end - 1 > start and not lines[end - 1].strip():
        end -= 1
    item = next((re.match(r"^(\s*)- ", lines[i]) for i in range(start + 1, end)
                 if re.match(r"^\s*- ", lines[i])), None)
    return end, item.group(1) if item else "  "


def merge(path: str | Path, document_id: str, proposals: list[Proposal], document_text: str) -> MergeResult:
    """Append `proposals` for `document_id` to the catalogue at `path` as drafts."""
    target = Path(path)
    text = target.read_text(encoding="utf-8") if target.exists() else ""
    data = yaml.safe_load(text) or {}
    existing = [c for c in data.get("commitments") or [] if c.get("document") == document_id]
    ids = {str(c.get("id")) for c in data.get("commitments") or []}
    agencies = _agency_ids(data, document_id)
    fresh = [p for p in proposals if not any(
        c.get("quote") == p.quote or (c.get("quote") and matches(p, c, document_text)) for c in existing)]
    if not fresh:
        return MergeResult((), len(proposals))
    text = re.sub(r"(?m)^commitments\s*:\s*\[\]\s*$", "commitments:", text)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    at, indent = _insertion_point(lines)
    if at is None:
        lines.append("\ncommitments:\n")
        at = len(lines)
    number = 1 + max((int(m.group(1)) for i in ids
                      if (m := re.fullmatch(re.escape(document_id) + r"\.draft_(\d+)", i))), default=0)
    added, block = [], []
    for proposal in fresh:
        entry_id = f"{document_id}.draft_{number}"
        number += 1
        added.append(entry_id)
        block.append(_entry(entry_id, document_id, proposal, agencies, indent))
    header = f"{indent}# drafts proposed by `monitor extract` for {document_id}: review, then drop `status: draft`\n"
    lines[at:at] = [header, *block]
    target.write_text("".join(lines), encoding="utf-8")
    return MergeResult(tuple(added), len(proposals) - len(fresh))


def document_id_for(path: str | Path, catalogue: str | Path | None) -> str:
    """The id of the document whose `source` is this file (or the text saved from it) in the catalogue, else a slug of the
    file name (lower-case letters, digits and underscores; `doc_` in front of a leading digit)."""
    names = {Path(path).name, text_name(path)}
    if catalogue and Path(catalogue).exists():
        data = yaml.safe_load(Path(catalogue).read_text(encoding="utf-8")) or {}
        for document in data.get("documents") or []:
            if document.get("source") in names:
                return str(document["id"])
    slug = re.sub(r"[^a-z0-9]+", "_", Path(path).stem.lower()).strip("_") or "document"
    return f"doc_{slug}" if slug[0].isdigit() else slug
