"""Targets in tables: a row per indicator, a unit column and a target column (目标, 目标值, 预期).

Word files and web pages often give their indicators as a table; the readers turn a row into a
line of tab-separated cells. A cell holding a bare number in the target column is a quantity in
the row's unit (工作日 → 个工作日). Numbers written with their unit in a cell (3个工作日) need no
table: `numbers` reads them like any other.
"""

from __future__ import annotations

import re

from monitor.extract.numbers import UNITS, Quantity
from monitor.textnum import CN_BIG_UNITS

_TARGET_HEADER = re.compile(r"目标|预期|承诺")
_UNIT_HEADER = re.compile(r"^单位$|^计量单位$|^\(?单位\)?")
# 承诺时限(工作日): the unit in the header of the target column, when no column gives it
_UNIT_IN_HEADER = re.compile(r"[((]([^()()]{1,6})[))]\s*$")
_AT_ONCE = re.compile(r"^(?:即办|即时办结?|即来即办|当场办结|当场办理|立即办理|当日办结|当天办结)$")
_TIME_UNITS = ("个工作日", "工作日", "天", "日", "个工作小时", "小时")
_BARE_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*$")


def _cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, at = [], start
    for cell in text[start:end].split("\t"):
        spans.append((at, at + len(cell)))
        at += len(cell) + 1
    return spans


def _unit(written: str) -> tuple[str | None, float]:
    """The unit of a unit cell and the multiplier it carries (万户 → 户, 10000; 万元 stays 万元)."""
    written = re.sub(r"^[((]|[))]$", "", written.strip())
    multiplier = 1.0
    if written[:1] in CN_BIG_UNITS and written not in UNITS:
        multiplier, written = CN_BIG_UNITS[written[0]], written[1:]
    for candidate in ("个" + written, written):   # 工作日 is written 个工作日 in the text
        if candidate in UNITS:
            return candidate, multiplier
    return None, 1.0


def table_quantities(text: str) -> list[Quantity]:
    """The bare numbers of target columns in the tab-separated tables of cleaned `text`."""
    found: list[Quantity] = []
    header: tuple[int, int | None] | None = None   # (target column, unit column) of the current table
    header_unit: tuple[str | None, float] = (None, 1.0)   # the unit its target header names
    width = 0
    at = 0
    for line in text.split("\n"):
        start, end = at, at + len(line)
        at = end + 1
        cells = _cells(text, start, end)
        if len(cells) < 3:
            header = None
            continue
        names = [text[a:b].strip() for a, b in cells]
        targets = [i for i, name in enumerate(names) if _TARGET_HEADER.search(name)]
        units = [i for i, name in enumerate(names) if _UNIT_HEADER.search(name)]
        in_header = _UNIT_IN_HEADER.search(names[targets[-1]]) if targets else None
        if targets and (units or (in_header and _unit(in_header.group(1))[0])):
            header, width = (targets[-1], units[0] if units else None), len(cells)
            header_unit = _unit(in_header.group(1)) if in_header else (None, 1.0)
            continue
        if header is None or len(cells) != width:
            continue
        target, unit_column = header
        number = _BARE_NUMBER.match(names[target])
        unit, multiplier = _unit(names[unit_column]) if unit_column is not None else header_unit
        if unit in _TIME_UNITS and _AT_ONCE.match(names[target]):   # 即办: the same working day
            a, b = cells[target]
            offset = len(text[a:b]) - len(text[a:b].lstrip())
            found.append(Quantity(a + offset, a + offset + len(names[target]), 0.0, None, unit, "table", "<="))
            continue
        if number and unit:
            a, b = cells[target]
            offset = len(text[a:b]) - len(text[a:b].lstrip())
            value_end = a + offset + len(number.group(1))
            found.append(Quantity(a + offset, value_end, float(number.group(1)) * multiplier, None, unit,
                                  "table"))
    return found
