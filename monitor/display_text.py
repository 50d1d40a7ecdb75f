"""Text as people are shown it: titles, quotes and names without the source site's residue and in
simplified script. What is *stored* (targets.yaml's quotes, the seeds) stays exact; pages keep the
exact source text one click away (原文).

- a pinyin reading in brackets after a character, as some sites print it (嘉定區(qū) -> 嘉定区);
- traditional characters as simplified (海淀區 -> 海淀区), with OpenCC's phrase conversion.
"""

from __future__ import annotations

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
