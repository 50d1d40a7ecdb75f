"""Every relative link of the README and docs/ leads somewhere: the file exists, and an `#anchor` names a
heading of the markdown file it points to (GitHub's slugs)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!\\)!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, markup and punctuation dropped, spaces as hyphens."""
    text = re.sub(r"`|\*\*|__", "", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading's slug, a repeated one numbered -1, -2 as GitHub does."""
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", FENCE.sub("", page.read_text(encoding="utf-8")), re.M):
        base, n = slug(heading), 0
        name = base
        while name in found:
            n += 1
            name = f"{base}-{n}"
        found.add(name)
    return found


def links(page: Path) -> list[str]:
    return LINK.findall(FENCE.sub("", page.read_text(encoding="utf-8")))


def problems(page: Path, root: Path = ROOT) -> list[str]:
    found = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):   # http:, https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            found.append(f"{page.relative_to(root)}: {target}: no file {path}")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            found.append(f"{page.relative_to(root)}: {target}: no heading #{anchor} in {file.relative_to(root)}")
    return found


def test_every_relative_link_of_the_readme_and_docs_leads_to_a_file_and_heading():
    assert len(PAGES) > 5 and sum(len(links(p)) for p in PAGES) > 20, "the pages or the link pattern changed"
    found = [problem for page in PAGES for problem in problems(page)]
    assert not found, "\n".join(found)


def test_the_slugs_are_githubs():
    assert slug("`alerting.route`: one path to the agencies") == "alertingroute-one-path-to-the-agencies"
    assert slug("Bounds (《民法典》第一千二百五十九条)") == "bounds-民法典第一千二百五十九条"
    assert slug("Metrics at scale: the sample budget") == "metrics-at-scale-the-sample-budget"
    assert slug("Hedged promises (原则上, 力争, 逐步, 基本)") == "hedged-promises-原则上-力争-逐步-基本"


def test_a_broken_link_or_anchor_is_found(tmp_path):
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# Other\n## A `code` heading\n", encoding="utf-8")
    page.write_text("[ok](other.md#a-code-heading) [self](#title) [gone](missing.md) [bad](other.md#nope)\n"
                    "# Title\n```\n[in code](nowhere.md)\n```\n", encoding="utf-8")
    assert problems(page, root=tmp_path) == ["page.md: missing.md: no file missing.md",
                                             "page.md: other.md#nope: no heading #nope in other.md"]

