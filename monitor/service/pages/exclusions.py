"""The numbers left out of a plan, explained in Chinese for the document page.

targets.yaml's `excluded` entries give a quote or a pattern and an editor's reason, often written in
English. A reader is shown neither a regular expression nor English: a pattern is shown by an
example it matches in the plan's own text, and the reason as the kind of number it is (a date, a
document number, a slogan, a name ...). A reason the editor wrote in Chinese is shown as written.
"""

from __future__ import annotations

import re
from typing import Any

from monitor.display_text import shown
from monitor.spec import ExclusionSpec

# English words of the editors' reasons, first match wins, and the kind of number they mean
KINDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("numbering",), "条款或章节的编号"),
    (("phone", "hotline"), "电话号码"),
    (("document number", "index number"), "文号或索引号"),
    (("version", "edition"), "版本号或版次"),
    (("date",), "日期"),
    (("year",), "年份（标题、计划或目录所属的年份）"),
    (("ordinal",), "序数（如“首个”“第一”），不是数量"),
    (("slogan",), "口号或提法，没有可监测的数量"),
    (("named", "name", "programme", "program", "mechanism", "platform", "policy", "system", "reform", "model",
      "mode"), "名称（项目、机制、平台或政策的名称），不是目标"),
    (("tier", "structure", "grid", "level", "grade"), "层级或结构的描述，不是目标"),
    (("wording", "description", "describ", "enumeration"), "描述性表述，不是目标"),
)
FALLBACK = "不是可监测的承诺目标"
_LATIN = re.compile(r"[A-Za-z]")
_ASIDE = re.compile(r"\([^)]*\)")
_NOT_PART = " \t\u3000?？•·"     # spaces and the seeds' stray marks around a matched number


def reason_zh(reason: str) -> str:
    """The editor's reason in Chinese: as written when it is Chinese, else the kind of number it names."""
    if not _LATIN.search(reason):
        return shown(reason)
    lowered = reason.lower()
    head = _ASIDE.sub("", lowered)     # "name of the Party congress (ordinal)" is a name
    for text in (head, lowered):
        for words, kind in KINDS:
            if any(word in text for word in words):
                return kind
    return FALLBACK


def example(pattern: str, text: str | None) -> str | None:
    """The first text a pattern matches in the plan (stripped), or None: how a rule is shown."""
    if not text:
        return None
    try:
        found = re.search(pattern, text)
    except re.error:
        return None
    sample = found.group(0).strip(_NOT_PART) if found else ""
    return sample or None


def shown_exclusion(e: ExclusionSpec, text: str | None) -> dict[str, Any]:
    """One left-out number as the page shows it; `quote`/`pattern` stay exact for the API."""
    sample = example(e.pattern, text) if e.pattern else None
    return {"quote": e.quote, "pattern": e.pattern, "reason": reason_zh(e.reason), "reason_en": e.reason,
            "whole_catalogue": e.document is None,
            "shown": shown(e.quote) if e.quote else None, "example": shown(sample) if sample else None}
