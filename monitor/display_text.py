"""Text as people are shown it: titles, quotes and names without the source site's residue and in
simplified script. What is *stored* (targets.yaml's quotes, the seeds) stays exact; pages keep the
exact source text one click away (原文).

- a pinyin reading in brackets after a character, as some sites print it (嘉定區(qū) -> 嘉定区);
- traditional characters as simplified (海淀區 -> 海淀区), with OpenCC's phrase conversion.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

from monitor.extract.decode import PINYIN_ANNOTATION


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=4096)
def shown(text: str | None) -> str:
    """The text as shown: no pinyin annotations, simplified script."""
    if not text:
        return text or ""
    converted: str = _converter().convert(PINYIN_ANNOTATION.sub("", text))
    return converted


def differs(text: str | None) -> bool:
    """Whether the shown text is not the exact source text (so a page offers the 原文)."""
    return bool(text) and shown(text) != text


# English words of the editors' reasons, first match wins, and the kind of number they mean
KINDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("policy parameter", "reward", "subsidy", "subsidised", "funding cap", "fee exemption", "benefit",
      "eligibility", "threshold", "scope"), "政策参数（奖励、补贴、减免的标准或适用范围），不是绩效目标"),
    (("numbering",), "条款或章节的编号"),
    (("phone", "hotline"), "电话号码"),
    (("document number", "index number"), "文号或索引号"),
    (("version", "edition"), "版本号或版次"),
    (("date",), "日期"),
    (("year",), "年份（标题、计划或目录所属的年份）"),
    (("ordinal",), "序数（如“首个”“第一”），不是数量"),
    (("place",), "地名"),
    (("slogan",), "口号或提法，没有可监测的数量"),
    (("named", "name", "programme", "program", "mechanism", "platform", "policy", "system", "reform", "model",
      "mode"), "名称（项目、机制、平台或政策的名称），不是目标"),
    (("tier", "structure", "grid", "level", "grade"), "层级或结构的描述，不是目标"),
    (("wording", "description", "describ", "enumeration"), "描述性表述，不是目标"),
)
FALLBACK = "不是可监测的承诺目标"
_LATIN = re.compile(r"[A-Za-z]")
_ASIDE = re.compile(r"\([^)]*\)")


def editor_reason(reason: str) -> str:
    """An editor's note (why a number is left out, why a commitment is not monitored) as shown: as
    written when it is Chinese, else in Chinese, as the kind of thing its main English words name."""
    if not _LATIN.search(reason):
        return shown(reason)
    lowered = reason.lower()
    head = _ASIDE.sub("", lowered)     # "name of the Party congress (ordinal)" is a name
    for text in (head, lowered):
        for words, kind in KINDS:
            if any(word in text for word in words):
                return kind
    return FALLBACK
