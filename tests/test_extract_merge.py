"""monitor extract --merge edits targets.yaml with a round-trip YAML library: comments, key order,
quoting and layout outside the inserted drafts stay byte for byte."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import yaml

from monitor.extract import extract_text
from monitor.extract.merge import merge

PLAN = (
    "某区2021年优化营商环境实施方案\n"
    "2021年7月23日\n"
    "一、优化政务服务\n"
    "(一)压缩办理时间(牵头单位:区市场监管局)。\n"
    "1.企业开办时间压缩至1个工作日以内。2.年内新增AEO企业10家。\n"
    "3.推行承诺制,90%以上的涉企事项在3个工作日内办结。\n"
)

# Comments everywhere, keys in no canonical order, every kind of quoting, a flow mapping, 4-space
# mappings, `- ` at the key's own column, `~` for null, a commented-out entry at the end of the
# block and a section after it, and no newline at the end of the file.
ODD = """\
# Catalogue of promises   (hand-kept; do not reformat)

version: 1   # schema version

commitments:
# the first one was reviewed on 2021-08-02
- value: 1
  id: 'plan2021.setup_days'          # single-quoted id
  quote: "企业开办时间压缩至1个工作日以内"
  document: plan2021
  unit: 个工作日
  measured: {zh: '企业开办时间', en: "Time to start a business"}
  note: "tab\\there, a \\"quoted\\" word and 'single' ones"
  code: '007'
  flag: "yes"
  empty: ''
  deadline: ~
  op: "<="

  # a commented-out entry, kept for the record
  # - id: plan2021.old
  #   value: 2

# --- documents come after the commitments in this file ---
documents:
    -   id: plan2021
        source: plan.txt    # the saved text
        jurisdiction: 某区
agencies:
- {id: plan.market, name: 区市场监管局, jurisdiction: 某区}
excluded: []   # stays last"""

# The project's own layout: `  - ` at the top, `- ` under a key (ruamel.yaml cannot dump both).
MIXED = """\
version: 1
documents:
  - id: plan2021
    source: plan.txt
agencies:
  - id: plan.market
    name: 区市场监管局
commitments:
  - id: plan2021.setup_days
    document: plan2021
    quote: "企业开办时间压缩至1个工作日以内"
    value: 1
    co_agencies:
    - plan.market
    reason: null

excluded:
  - pattern: '[一二三]、'
    reason: section numbering
"""


def inserted(before: str, after: str) -> list[str]:
    """The lines `after` adds to `before`; fails when anything else changed."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    if old and not old[-1].endswith("\n"):
        old[-1] += "\n"   # the file gains its final newline, nothing else
    edits = [op for op in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes() if op[0] != "equal"]
    assert [tag for tag, *_ in edits] == ["insert"], edits
    _, _, _, j1, j2 = edits[0]
    return new[j1:j2]


def merged(tmp_path: Path, catalogue: str, plan: str = PLAN) -> tuple[str, list[dict]]:
    path = tmp_path / "targets.yaml"
    path.write_text(catalogue, encoding="utf-8")
    merge(path, "plan2021", extract_text(plan), plan)
    text = path.read_text(encoding="utf-8")
    return text, [c for c in yaml.safe_load(text)["commitments"] if c.get("status") == "draft"]


@pytest.mark.parametrize("catalogue", [ODD, MIXED], ids=["odd", "mixed-indentation"])
def test_merge_keeps_every_byte_outside_the_inserted_drafts(tmp_path: Path, catalogue: str):
    text, drafts = merged(tmp_path, catalogue)
    block = inserted(catalogue, text)
    assert block[0].lstrip().startswith("# drafts proposed by `monitor extract` for plan2021")
    assert sum(line.strip() == "status: draft" for line in block) == len(drafts) == 2
    # the drafts go at the end of the block: after the last entry, before what follows it
    after_block = text[text.index("".join(block)) + len("".join(block)):]
    assert after_block.lstrip(" \n").startswith(("# a commented-out entry", "excluded:"))
    assert {d["value"] for d in drafts} == {3, 10}   # 1 is there already
    assert all(d["document"] == "plan2021" and d["agency"] == "plan.market" for d in drafts)


def test_merged_drafts_keep_their_quoting_and_comments(tmp_path: Path):
    text, drafts = merged(tmp_path, ODD)
    share = next(d for d in drafts if d["kind"] == "case_duration")
    assert share["quote"] == "90%以上的涉企事项在3个工作日内办结" and share["value"] == 3
    assert f'quote: "{share["quote"]}"' in text
    assert "value: 3  # share of cases within the limit: 90% (measure.min_share)" in text
    assert "deadline: ~" in text.split("# drafts proposed")[1]   # the file's spelling of null
    assert "  - id: plan2021.c1_3_time  # confidence" not in text   # the file's own indentation:
    assert "- id: plan2021.c1_3_time  # confidence" in text         # `- ` at the key's column


def test_a_second_merge_adds_nothing_and_ids_stay_readable(tmp_path: Path):
    path = tmp_path / "targets.yaml"
    path.write_text(ODD, encoding="utf-8")
    # ids from the clause and the kind of target (1. of (一): a time limit, a total), never draft_N
    assert merge(path, "plan2021", extract_text(PLAN), PLAN).added == ("plan2021.c1_3_time", "plan2021.c1_1_total")
    first = path.read_text(encoding="utf-8")
    again = merge(path, "plan2021", extract_text(PLAN), PLAN)
    assert again.added == () and again.skipped == 3
    assert path.read_text(encoding="utf-8") == first
    more = PLAN + "4.不动产登记压缩至5个工作日以内。\n"
    assert merge(path, "plan2021", extract_text(more), more).added == ("plan2021.c1_4_time",)
    assert inserted(first, path.read_text(encoding="utf-8"))


def test_an_empty_flow_block_becomes_a_block_of_drafts(tmp_path: Path):
    catalogue = "version: 1  # new\ncommitments: []   # none yet\nexcluded: []\n"
    text, drafts = merged(tmp_path, catalogue)
    assert len(drafts) == 3
    assert text.startswith("version: 1  # new\nagencies:") and text.endswith("excluded: []\n")
    assert "# none yet" in text
