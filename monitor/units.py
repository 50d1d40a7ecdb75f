"""Units as written in the plans, and conversion between them, by table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    name: str          # normalised name, e.g. 工作日
    dimension: str     # working_days, working_hours, time, share, count, money, area, ratio
    factor: float      # multiply a value in this unit by factor to get the dimension's base unit
    en: str


_TABLE = [
    Unit("工作日", "working_days", 1, "working days"),
    Unit("工作小时", "working_hours", 1, "working hours"),
    Unit("天", "time", 86400, "days"),
    Unit("日", "time", 86400, "days"),
    Unit("自然日", "time", 86400, "calendar days"),
    Unit("小时", "time", 3600, "hours"),
    Unit("分钟", "time", 60, "minutes"),
    Unit("秒", "time", 1, "seconds"),
    Unit("周", "time", 7 * 86400, "weeks"),
    Unit("月", "months", 1, "months"),
    Unit("年", "months", 12, "years"),
    Unit("%", "share", 1, "percent"),
    Unit("‰", "share", 0.1, "per mille"),
    Unit("元", "money", 1, "yuan"),
    Unit("万元", "money", 1e4, "10k yuan"),
    Unit("亿元", "money", 1e8, "100m yuan"),
    Unit("亩", "area", 10000 / 15, "mu"),
    Unit("平方米", "area", 1, "square metres"),
    Unit("倍", "ratio", 1, "times"),
    Unit("万", "count", 1e4, "ten-thousands"),   # 2万 items = 20,000 items, like 万家
    Unit("kV", "voltage", 1000, "kilovolts"),
    Unit("千伏", "voltage", 1000, "kilovolts"),
] + [Unit(name, "count", 1, en) for name, en in (
    ("家", "firms"), ("个", "items"), ("人", "people"), ("人次", "person-times"), ("次", "times"),
    ("件", "cases"), ("项", "items"), ("户", "households"), ("场", "events"), ("处", "sites"),
    ("座", "buildings"), ("名", "people"), ("所", "institutions"), ("类", "categories"),
    ("条", "items"), ("批", "batches"), ("张", "sheets"), ("份", "copies"), ("环节", "steps"),
    ("台", "units"), ("套", "sets"), ("级", "levels"),
    ("支", "teams"), ("种", "kinds"), ("块", "pieces"), ("轮", "rounds"), ("个领域", "fields"),
)]
UNITS: dict[str, Unit] = {u.name: u for u in _TABLE}
_ALIASES = {"％": "%", "个工作日": "工作日", "个工作小时": "工作小时", "个月": "月", "个小时": "小时",
            "分": "分钟", "平米": "平方米", "㎡": "平方米", "万家": "家", "万户": "户", "万人": "人"}
_ALIAS_FACTOR = {"万家": 1e4, "万户": 1e4, "万人": 1e4}


class UnitError(ValueError):
    pass


def parse_unit(text: str) -> Unit:
    """The unit for a unit as written ('个工作日', '％', '亿元'). Raises UnitError for unknown ones."""
    key = text.strip()
    key = _ALIASES.get(key, key)
    if key not in UNITS:
        raise UnitError(f"unknown unit {text!r}; known: {', '.join(sorted(UNITS))}")
    return UNITS[key]


def multiplier_of(text: str) -> float:
    """Extra multiplier carried by a unit as written (万家 = 10,000 家)."""
    return _ALIAS_FACTOR.get(text.strip(), 1.0)


def convert(value: float, source: str, target: str) -> float:
    """Convert `value` from one unit as written to another of the same dimension."""
    a, b = parse_unit(source), parse_unit(target)
    if a.dimension != b.dimension:
        raise UnitError(f"cannot convert {a.name} ({a.dimension}) to {b.name} ({b.dimension})")
    return value * multiplier_of(source) * a.factor / (b.factor * multiplier_of(target))


def normalise(text: str) -> str:
    """The normalised name of a unit as written."""
    return parse_unit(text).name
