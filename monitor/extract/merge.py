"""Append proposals to a catalogue file as draft commitments, leaving the rest of it untouched.

The catalogue is edited with a round-trip YAML library (ruamel.yaml): it is loaded with its
comments, key order and quoting, the drafts are appended to its `commitments:` sequence (created
when missing, or turned from `[]` into a block) as mappings carrying their own comments, and the
document is dumped again. Nothing is parsed or edited with regular expressions.

Layout: the dump uses the file's own indentation (read from the loaded nodes) and its spelling of
null. ruamel.yaml keeps one indentation per file for sequences, so a file that mixes two (as the
project's targets.yaml does: `  - ` at the top, `- ` under a key) would come back re-indented.
The edit is therefore applied as the difference between two dumps, one before and one after the
drafts are appended; when the first dump is the file itself (the common case) that is just the
second dump, otherwise the inserted lines are placed at the matching line of the file. Either way
every byte outside the inserted drafts is the file's own.

Agencies: a proposal carries the agency name as annotated in the document (区市场监管局), while
the catalogue refers to agencies by id. The name is looked up among the `agencies:` of the file
that belong to the document (id prefix `<document id without digits>.`, or same jurisdiction as
the document); on a match the draft gets that id, otherwise `agency: null` with the annotated
name in a comment on the same line, for the editor to resolve. A comment keeps the entry valid
under the strict schema (no extra key) and shows the editor exactly what the document said.
"""

from __future__ import annotations

import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.tokens import CommentToken

from monitor.extract.modality import BENEFIT
from monitor.extract.propose import Proposal
from monitor.extract.quality import matches
from monitor.extract.readers import text_name
from monitor.extract.skeleton import agency_slug, document_info, draft_slug, unique


@dataclass(frozen=True)
class MergeResult:
    added: tuple[str, ...]       # ids of the drafts written
    skipped: int                 # proposals already in the catalogue


def _yaml(null: str = "null", mapping: int = 2, sequence: int = 4, offset: int = 2) -> YAML:
    yaml = YAML()   # round-trip
    yaml.preserve_quotes = True
    yaml.width = 4096   # never fold a long quote
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    yaml.representer.add_representer(
        type(None), lambda representer, _: representer.represent_scalar("tag:yaml.org,2002:null", null))
    return yaml


def _load(text: str) -> Any:
    return _yaml().load(text) if text.strip() else None


def _style(data: CommentedMap, text: str) -> dict[str, Any]:
    """The file's indentation (from the positions of its first nested nodes) and null spelling."""
    mapping, sequence, offset = 2, 4, 2
    for value in data.values():
        if isinstance(value, CommentedMap) and value and not value.fa.flow_style():
            mapping = value.lc.col - data.lc.col
            break
    for value in data.values():
        if isinstance(value, CommentedSeq) and value and not value.fa.flow_style():
            dash = value.lc.col - data.lc.col          # column of the first `-`
            first = value[0]
            content = first.lc.col if isinstance(first, CommentedBase) and not (
                isinstance(first, (CommentedMap, CommentedSeq)) and first.fa.flow_style()) else dash + 2
            offset, sequence = dash, max(content - data.lc.col, dash + 2)
            break
    lines = text.splitlines()
    spellings = {spelling: sum(line.rstrip().endswith(": " + spelling) or (": " + spelling + " ") in line
                               for line in lines) for spelling in ("null", "~")}
    null = "~" if spellings["~"] > spellings["null"] else "null"
    return {"null": null, "mapping": max(mapping, 1), "sequence": max(sequence, 2), "offset": max(offset, 0)}


def _dump(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _number(value: float | None) -> float | int | None:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return round(value, 4) if isinstance(value, float) else value


def _quoted(value: str | None) -> DoubleQuotedScalarString | None:
    return None if value is None else DoubleQuotedScalarString(value)


def _agency_ids(data: CommentedMap, document_id: str) -> dict[str, str]:
    """Annotated name → agency id, for the agencies of this document."""
    prefix = document_id.rstrip("0123456789") + "."
    jurisdiction = next((d.get("jurisdiction") for d in data.get("documents") or []
                         if d.get("id") == document_id), None)
    names: dict[str, str] = {}
    for agency in data.get("agencies") or []:
        if str(agency.get("id", "")).startswith(prefix) or (
                jurisdiction and agency.get("jurisdiction") == jurisdiction):
            names.setdefault(agency.get("name"), agency["id"])
    return names


def _eol(entry: CommentedMap, key: str, comment: str) -> None:
    """A comment at the end of the key's line, two spaces after the value."""
    entry.ca.items[key] = [None, None, CommentToken(f" # {comment}\n", CommentMark(0), None), None]


def _table_cell(quote: str) -> tuple[str, str | None]:
    """A table row's quote becomes its indicator cell (the first cell naming something, not a
    number, unit or index), the whole row kept for a comment."""
    if "\t" not in quote:
        return quote, None
    cells = [cell.strip() for cell in quote.split("\t")]
    named = [cell for cell in cells if re.search(r"[\u4e00-\u9fff]{2}", cell)]
    return (named[0] if named else max(cells, key=len)), quote.replace("\t", " | ")


def checklist(proposal: Proposal, kind: str, agency_id: str | None) -> list[str]:
    """What the editor must still decide before dropping `status: draft` (in Chinese)."""
    todo = ["选定数据源：填写 measure（feed 与 series），否则不能监测"]
    if proposal.deadline_guessed and proposal.deadline is not None:
        todo.append(f"截止日期 {proposal.deadline.isoformat()} 为推测（原文未写明，取规划期末），请核对")
    if kind == "cumulative" and proposal.deadline is None:
        todo.append("累计目标需要截止日期")
    if kind == "reduction":
        todo.append("降幅目标需要基线：baseline {value, unit, date}")
    if proposal.hedge:
        todo.append(f"原文措辞含“{proposal.hedge}”：决定按硬性承诺监测，或标为 monitorable: false 并写明理由")
    if agency_id is None:
        todo.append("指定牵头单位 agency" + (f"（原文：{proposal.agency}）" if proposal.agency else ""))
    if proposal.min_share is not None:
        todo.append(f"原文承诺 {_number(proposal.min_share)}% 的事项在时限内：设 measure.min_share")
    if proposal.modality == BENEFIT:
        todo.append("兑现承诺（政策兑现）：以兑付记录为数据源，监测足额、按时兑付的比例（见 docs/extract.md）")
    return todo


def _entry(entry_id: str, document_id: str, proposal: Proposal, agencies: dict[str, str]) -> CommentedMap:
    kind = proposal.kind
    if kind == "cumulative" and proposal.deadline is None:
        kind = "value"  # a cumulative target needs a deadline the document did not give
    agency_id = agencies.get(proposal.agency or "")
    quote, row = _table_cell(proposal.quote)
    measured_zh = proposal.measured if row is None else quote
    measured = CommentedMap(zh=_quoted(measured_zh), en=_quoted(""))
    measured.fa.set_flow_style()
    co = CommentedSeq(agencies[name] for name in proposal.co_agencies if name in agencies)
    co.fa.set_flow_style()
    entry = CommentedMap()
    entry["id"] = entry_id
    entry["document"] = document_id
    entry["clause"] = _quoted(proposal.clause or "")
    entry["quote"] = _quoted(quote)
    entry["measured"] = measured
    entry["kind"] = kind
    entry["op"] = _quoted(proposal.op)
    entry["value"] = _number(proposal.value)
    entry["value_max"] = _number(proposal.value_max)
    entry["unit"] = _quoted(proposal.unit or "")
    entry["deadline"] = proposal.deadline
    entry["baseline"] = None
    entry["agency"] = agency_id
    entry["co_agencies"] = co
    entry["monitorable"] = proposal.monitorable
    entry["reason"] = _quoted(proposal.reason)
    entry["status"] = "draft"
    todo = CommentedSeq(_quoted(item) for item in checklist(proposal, kind, agency_id))
    entry["todo"] = todo
    _eol(entry, "id", f"confidence {proposal.confidence:.2f}: {'; '.join(proposal.features) or 'no feature'}")
    if row is not None:
        _eol(entry, "quote", f"table row: {row}")
    if proposal.min_share is not None:
        _eol(entry, "value", f"share of cases within the limit: {_number(proposal.min_share)}% (measure.min_share)")
    if kind == "reduction":
        _eol(entry, "baseline", "reduction: set {value, unit, date}")
    if proposal.agency and agency_id is None:
        _eol(entry, "agency", f"牵头单位 as annotated: {proposal.agency} (no agency of this name in agencies:)")
    return entry


def _last_slot(node: Any) -> tuple[CommentedBase, Any, int] | None:
    """Where ruamel.yaml keeps the comment after the last line of a block node: (owner, key, slot)."""
    if isinstance(node, CommentedMap) and node and not node.fa.flow_style():
        key = list(node.keys())[-1]
        return _last_slot(node[key]) or (node, key, 2)
    if isinstance(node, CommentedSeq) and node and not node.fa.flow_style():
        return _last_slot(node[-1]) or (node, len(node) - 1, 0)
    return None


def _move_trailing_comments(old_last: Any, new_last: Any) -> None:
    """Comment lines after the last old item (a commented-out entry, a blank line and the heading of
    the next key) stay after the block: they move from the old last item to the new one."""
    source, target = _last_slot(old_last), _last_slot(new_last)
    if source is None or target is None:
        return
    owner, key, slot = source
    items = owner.ca.items.get(key)
    token = items[slot] if items and len(items) > slot else None
    if not isinstance(token, CommentToken) or "\n" not in token.value:
        return
    cut = token.value.index("\n") + 1
    own, rest = token.value[:cut], token.value[cut:]
    if not rest:
        return
    if own.strip():
        token.value = own               # the item's own end-of-line comment stays with it
    else:
        items[slot] = None
    new_owner, new_key, new_slot = target
    new_items = new_owner.ca.items.setdefault(new_key, [None, None, None, None])
    while len(new_items) <= new_slot:
        new_items.append(None)
    existing = new_items[new_slot]
    head = existing.value if isinstance(existing, CommentToken) else "\n"
    new_items[new_slot] = CommentToken(head + rest, CommentMark(0), None)


def _splice(original: str, before: str, after: str) -> str:
    """Apply the change from dump `before` to dump `after` to the file's own text."""
    if before == original:
        return after
    old, new, text = before.splitlines(keepends=True), after.splitlines(keepends=True), \
        original.splitlines(keepends=True)
    if text and not text[-1].endswith("\n"):
        text[-1] += "\n"
    where: dict[int, int] = {}
    for block in difflib.SequenceMatcher(None, old, text, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            where[block.a + k] = block.b + k
    where[len(old)] = len(text)
    edits = [op for op in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes() if op[0] != "equal"]
    for tag, i1, i2, j1, j2 in reversed(edits):
        if tag == "insert":
            at = where.get(i1, where.get(i1 - 1, len(text) - 1) + 1)
            text[at:at] = new[j1:j2]
            continue
        span = [where[i] for i in range(i1, i2) if i in where]
        if len(span) != i2 - i1 or span != list(range(span[0], span[0] + len(span))):
            return after   # the changed lines have no counterpart in the file: take the dump
        text[span[0]:span[0] + len(span)] = new[j1:j2]
    return "".join(text)


def _document_entry(document_id: str, source: str, text: str, year: int | None) -> CommentedMap:
    info = document_info(text, year)
    period = CommentedMap(start=info.period_start, end=info.period_end)
    period.fa.set_flow_style()
    entry = CommentedMap()
    entry["id"] = document_id
    entry["source"] = source
    entry["title"] = _quoted(info.title)
    entry["jurisdiction"] = _quoted(info.jurisdiction)
    entry["issuer"] = _quoted(info.issuer)
    entry["issued"] = info.issued
    entry["period"] = period
    if info.guessed:
        _eol(entry, "id", "read from the text; not found there, check: " + "、".join(info.guessed))
    return entry


def _agency_stubs(data: CommentedMap, document_id: str, proposals: list[Proposal],
                  jurisdiction: str | None) -> tuple[dict[str, str], list[CommentedMap]]:
    """Ids for every 牵头/责任单位 the drafts name: the catalogue's own, else a new stub (no e-mail
    yet: `emails: []` until the editor adds them)."""
    known = _agency_ids(data, document_id)
    taken = {str(a.get("id")) for a in data.get("agencies") or []}
    prefix = document_id.rstrip("0123456789") or document_id
    stubs: list[CommentedMap] = []
    for proposal in proposals:
        for name in (proposal.agency, *proposal.co_agencies):
            if not name or name in known:
                continue
            agency_id = unique(f"{prefix}.{agency_slug(name)}", taken)
            known[name] = agency_id
            stub = CommentedMap(id=agency_id, name=_quoted(name))
            if jurisdiction:
                stub["jurisdiction"] = _quoted(jurisdiction)
            emails = CommentedSeq()
            emails.fa.set_flow_style()
            stub["emails"] = emails
            _eol(stub, "emails", "draft stub from `monitor extract`: add the agency's addresses")
            stubs.append(stub)
    return known, stubs


def _append(data: CommentedMap, key: str, items: list[CommentedMap]) -> None:
    if not items:
        return
    if not isinstance(data.get(key), CommentedSeq):
        keys = list(data.keys())
        if key in keys:
            data[key] = CommentedSeq()
        else:   # a new section goes before the commitments that refer to it
            data.insert(keys.index("commitments") if "commitments" in keys else len(keys), key, CommentedSeq())
    data[key].fa.set_block_style()
    data[key].extend(items)


def merge(path: str | Path, document_id: str, proposals: list[Proposal], document_text: str,
          source: str | None = None, year: int | None = None) -> MergeResult:
    """Append `proposals` for `document_id` to the catalogue at `path` as drafts, with the
    document's entry (when the file has none; `source` is the name of its saved text) and a stub
    for each agency the drafts name that the file does not have."""
    target = Path(path)
    original = target.read_text(encoding="utf-8") if target.exists() else ""
    data = _load(original)
    if data is None:
        data = CommentedMap()
    commitments = data.get("commitments") or []
    existing = [c for c in commitments if c.get("document") == document_id]
    fresh = [p for p in proposals if not any(
        c.get("quote") in (p.quote, _table_cell(p.quote)[0])
        or (c.get("quote") and matches(p, c, document_text)) for c in existing)]
    if not fresh:
        return MergeResult((), len(proposals))
    yaml = _yaml(**_style(data, original))
    before = _dump(yaml, data) if original.strip() else original
    if "version" not in data:
        data.insert(0, "version", 1)
    documents = data.get("documents") or []
    document = next((d for d in documents if d.get("id") == document_id), None)
    if document is None and source is not None:
        document = _document_entry(document_id, source, document_text, year)
        _append(data, "documents", [document])
    jurisdiction = document.get("jurisdiction") if document is not None else None
    agencies, stubs = _agency_stubs(data, document_id, fresh, jurisdiction)
    _append(data, "agencies", stubs)
    if not isinstance(data.get("commitments"), CommentedSeq):
        data["commitments"] = CommentedSeq()
    block: CommentedSeq = data["commitments"]
    block.fa.set_block_style()   # commitments: [] becomes a block
    ids = {str(c.get("id")) for c in block}
    old_last = block[-1] if len(block) else None
    first = len(block)
    added = []
    for proposal in fresh:
        kind_word = "benefit" if proposal.modality == BENEFIT else proposal.kind
        entry_id = unique(f"{document_id}.{draft_slug(proposal.clause, kind_word)}", ids)
        added.append(entry_id)
        block.append(_entry(entry_id, document_id, proposal, agencies))
    if old_last is not None:
        _move_trailing_comments(old_last, block[-1])
    block.yaml_set_comment_before_after_key(
        first, before=f"drafts proposed by `monitor extract` for {document_id}: settle each `todo:`, "
                      "then drop `status: draft` and `todo:`",
        indent=yaml.sequence_dash_offset)
    target.write_text(_splice(original, before, _dump(yaml, data)), encoding="utf-8")
    return MergeResult(tuple(added), len(proposals) - len(fresh))


def document_id_for(path: str | Path, catalogue: str | Path | None) -> str:
    """The id of the document whose `source` is this file (or the text saved from it) in the catalogue, else a slug of the
    file name (lower-case letters, digits and underscores; `doc_` in front of a leading digit)."""
    names = {Path(path).name, text_name(path)}
    if catalogue and Path(catalogue).exists():
        data = _load(Path(catalogue).read_text(encoding="utf-8")) or {}
        for document in data.get("documents") or []:
            if document.get("source") in names:
                return str(document["id"])
    slug = re.sub(r"[^a-z0-9]+", "_", Path(path).stem.lower()).strip("_") or "document"
    return f"doc_{slug}" if slug[0].isdigit() else slug
