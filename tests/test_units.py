"""Units as written in the plans: the table, aliases, conversion and its errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.units import UNITS, UnitError, convert, multiplier_of, normalise, parse_unit

WRITTEN_IN_THE_PLANS = ["个工作日", "个工作小时", "天", "日", "小时", "分钟", "%", "％", "家", "个", "人", "次", "件",
                        "元", "万元", "亿元", "亩", "平方米", "个月", "年", "万家", "万户", "万人"]
ALIASES = ["％", "个工作日", "个工作小时", "个月", "个小时", "分", "平米", "㎡", "万家", "万户", "万人"]


@pytest.mark.parametrize("written", WRITTEN_IN_THE_PLANS)
def test_every_unit_written_in_the_plans_is_known(written):
    assert parse_unit(written).name in UNITS


@pytest.mark.parametrize(("written", "name", "dimension"), [
    ("个工作日", "工作日", "working_days"),
    ("工作日", "工作日", "working_days"),
    (" 个工作日 ", "工作日", "working_days"),
    ("个工作小时", "工作小时", "working_hours"),
    ("天", "天", "time"),
    ("％", "%", "share"),
    ("㎡", "平方米", "area"),
    ("万家", "家", "count"),
    ("亿元", "亿元", "money"),
])
def test_aliases_and_spacing_resolve_to_the_table_entry(written, name, dimension):
    unit = parse_unit(written)
    assert (unit.name, unit.dimension) == (name, dimension)
    assert normalise(written) == name


@pytest.mark.parametrize(("value", "source", "target", "expected"), [
    (15000, "万元", "亿元", 1.5),
    (1800, "亿元", "万元", 18_000_000),
    (3, "万元", "元", 30000),
    (90, "分钟", "小时", 1.5),
    (2, "天", "小时", 48),
    (1, "周", "日", 7),
    (1, "年", "个月", 12),
    (15, "亩", "平方米", 10000),
    (1.3, "万家", "家", 13000),
    (26000, "人", "万人", 2.6),
    (5, "‰", "%", 0.5),
    (3, "万", "个", 30000),
])
def test_convert_uses_the_table(value, source, target, expected):
    assert convert(value, source, target) == pytest.approx(expected, rel=1e-12)


def test_ten_thousands_carry_their_multiplier():
    assert multiplier_of("万家") == 1e4 and multiplier_of("家") == 1.0
    assert convert(2, "万", "家") == convert(2, "万家", "家") == 20000


def test_unknown_unit_error_lists_the_known_ones():
    with pytest.raises(UnitError) as raised:
        parse_unit("公顷")
    message = str(raised.value)
    assert message.startswith("unknown unit '公顷'; known: ")
    for name in ("%", "万元", "亿元", "工作日", "工作小时", "天", "家", "平方米"):
        assert name in message.split("known: ", 1)[1].split(", ")


def test_working_days_do_not_convert_to_calendar_time():
    with pytest.raises(UnitError, match=r"cannot convert 工作日 \(working_days\) to 天 \(time\)"):
        convert(5, "个工作日", "天")


def test_money_does_not_convert_to_counts():
    with pytest.raises(UnitError, match="cannot convert"):
        convert(5, "万元", "家")


def test_convert_reports_an_unknown_unit_on_either_side():
    with pytest.raises(UnitError, match="unknown unit '公顷'"):
        convert(1, "公顷", "亩")
    with pytest.raises(UnitError, match="unknown unit '公顷'"):
        convert(1, "亩", "公顷")


ALL_WRITTEN = sorted(set(UNITS) | set(ALIASES))
same_dimension_pairs = st.sampled_from(ALL_WRITTEN).flatmap(
    lambda a: st.tuples(st.just(a), st.sampled_from(
        [b for b in ALL_WRITTEN if parse_unit(b).dimension == parse_unit(a).dimension])))


@given(same_dimension_pairs, st.floats(min_value=-1e12, max_value=1e12, allow_subnormal=False))
def test_convert_there_and_back_returns_the_value(pair, value):
    a, b = pair
    assert convert(convert(value, a, b), b, a) == pytest.approx(value, rel=1e-12, abs=1e-12)


@given(st.sampled_from(ALL_WRITTEN), st.floats(min_value=-1e12, max_value=1e12, allow_subnormal=False))
def test_convert_to_the_same_unit_is_the_identity(unit, value):
    assert convert(value, unit, unit) == pytest.approx(value, rel=1e-15, abs=0)
