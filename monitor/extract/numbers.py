"""Quantities in cleaned text: a number as written, read to a value, with its unit.

Builds on `monitor.textnum` (which finds the bare numbers) and adds what a commitment needs:
multipliers (1.3万家 = 13000 家, but 20亿元 stays 20 亿元), fractions written with a slash (1/4),
ranges (6—15个工作日, 1.5%-3%) and the unit as written. Promises written in words with no digit at
all (全覆盖 = 100 %, 零投资 = 0 元, 即时办结 = 0 工作日) are found by `monitor.extract.words`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.textnum import CN_BIG_UNITS, find_numbers

UNITS = (
    "个工作日", "个工作小时", "工作日", "工作小时", "个小时", "个月", "小时", "分钟", "天", "日", "周岁", "岁",
    "周",
    "年", "%", "‰", "个百分点", "百分点", "分钱", "人次", "万元", "亿元", "元", "亿美元", "万美元", "美元", "公里", "平方米", "亩", "家", "个", "人", "户", "件", "项",
    "次", "场", "处", "座", "名", "套", "块", "条", "轮", "支", "种", "所", "台", "辆", "张", "份",
    "批", "倍", "位",
)
_UNIT_RE = re.compile(r"(?:余|多)?(" + "|".join(re.escape(u) for u in UNITS) + ")")
_RANGE_DASH = "—–-~至到"
# 三成 = 30 %: tenths, when what follows shows a share (三成以上, 达到四成, 压缩了六成。)
_TENTHS = re.compile(r"(?<![一二三四五六七八九十])([一二三四五六七八九])成(?=以上|左右|及以上|[,。;、]|$)")
TIME_UNITS = frozenset({"个工作日", "个工作小时", "工作日", "工作小时", "个小时", "个月", "小时", "分钟",
                        "天", "日", "周"})


@dataclass(frozen=True)
class Quantity:
    """One number (or range) in the cleaned text; `start`/`end` cover number and unit."""

    start: int
    end: int
    value: float
    value_max: float | None
    unit: str | None
    form: str  # arabic | chinese | fraction | percent_words | half | words | milestone
    op: str | None = None  # the comparator the words themselves imply (一次申报: <=), else None

    @property
    def is_range(self) -> bool:
        return self.value_max is not None


def _unit_at(text: str, at: int) -> tuple[str | None, int]:
    match = _UNIT_RE.match(text, at)
    if not match:
        return None, at
    return match.group(1), match.end()


def _form_of(written: str) -> str:
    if "分之" in written or "/" in written:
        return "percent_words" if written.startswith("百分之") else "fraction"
    if written in ("一半", "减半", "減半"):
        return "half"
    return "arabic" if written[0].isdigit() else "chinese"


def find_quantities(text: str) -> list[Quantity]:
    """Every number of `text` with the unit written after it, in order (words: see `words`)."""
    mentions = [m for m in find_numbers(text) if m.value is not None]
    found: list[Quantity] = []
    i = 0
    while i < len(mentions):
        mention = mentions[i]
        value, value_max, end = float(mention.value or 0), None, mention.end   # never None: filtered above
        form = _form_of(mention.text)
        nxt = mentions[i + 1] if i + 1 < len(mentions) else None
        if form in ("fraction", "percent_words", "half"):
            found.append(Quantity(mention.start, end, value, None, "%", form))
            i += 1
            continue
        first_unit, after_first = _unit_at(text, end)
        gap_end = after_first if first_unit in ("%", "‰") else end
        if (nxt is not None and text[gap_end:gap_end + 1] and text[gap_end] in _RANGE_DASH
                and nxt.start == gap_end + 1 and nxt.value is not None and nxt.value > value):
            value_max, end = float(nxt.value), nxt.end
            i += 1
        multiplier = 1.0
        last = mention.text if value_max is None else mentions[i].text
        if last[-1] in CN_BIG_UNITS and (text[end:end + 1] == "元" or text.startswith("美元", end)):
            # 两万元 is written in 万元: keep the unit as written, the value in it
            value, value_max = value / CN_BIG_UNITS[last[-1]], value_max and value_max / CN_BIG_UNITS[last[-1]]
            end -= 1
        elif text[end:end + 1] in CN_BIG_UNITS and text[end + 1:end + 2] != "元":
            multiplier = CN_BIG_UNITS[text[end]]
            end += 1
        unit, end = _unit_at(text, end)
        value *= multiplier
        value_max = value_max * multiplier if value_max is not None else None
        found.append(Quantity(mention.start, end, value, value_max, unit, form))
        i += 1
    for match in _TENTHS.finditer(text):
        found.append(Quantity(match.start(), match.end(), 10.0 * "一二三四五六七八九".index(match.group(1)) + 10,
                              None, "%", "percent_words"))
    found.sort(key=lambda q: (q.start, q.end))
    return found
