"""Hedged promises: 原则上 (as a rule), 力争 (strive to), 逐步 (gradually), 基本 (basically).

A hedge softens a promise but states no share, so the number is read as written (every case, the
full figure) unless the editor sets `min_share`. The hedge is recorded on the commitment and shown
beside the verdict, so an agency sees that the text allowed exceptions.
"""

from __future__ import annotations

import re
from typing import Literal

Hedge = Literal["原则上", "力争", "逐步", "基本"]
HEDGES: tuple[str, ...] = Hedge.__args__  # type: ignore[attr-defined]

# As written in simplified or traditional characters. 基本 hedges only before a verb of completion
# (基本实现, 基本建成); 基本公共服务 or 基本医疗保险 are names, not hedges.
_FORMS = {
    "原则上": re.compile("原[则則]上"),
    "力争": re.compile("力[争爭]"),
    "逐步": re.compile("逐步"),
    "基本": re.compile("基本(?=[实實建完形覆达達消具满滿解普])"),
}
_ANYWHERE = {"原则上": re.compile("原[则則]上"), "力争": re.compile("力[争爭]"), "逐步": re.compile("逐步"),
             "基本": re.compile("基本")}


def hedges_in(text: str) -> tuple[str, ...]:
    """The hedges a quote carries, in the order they come."""
    found = sorted((m.start(), hedge) for hedge, form in _FORMS.items() if (m := form.search(text)))
    return tuple(hedge for _, hedge in found)


def written_in(hedge: str, text: str) -> bool:
    """Whether `hedge` is written in `text` (in simplified or traditional characters)."""
    return bool(_ANYWHERE[hedge].search(text))


def hedge_note(hedge: str | None, kind: str, min_share: float) -> str | None:
    """The sentence shown beside a verdict: what the text allowed and how it is read."""
    if hedge is None:
        return None
    if kind == "case_duration":
        reading = "按全部办件评估" if min_share >= 100 else f"按{min_share:g}%的办件评估（目录设定的比例）"
    else:
        reading = "按原文数值评估"
    return f"原文为'{hedge}'，{reading}"
