"""monitor extract: promises written in words (全程网办, 当场领证, 零跑腿, 一次申报, 清零...), in
simplified and traditional characters, and the word phrases that promise nothing."""

from __future__ import annotations

import pytest

from monitor.extract import extract_text
from monitor.extract.propose import Proposal

HEADER = "某区2022年优化营商环境工作要点\n2022年3月1日\n"


def one(sentence: str) -> Proposal:
    proposals = extract_text(HEADER + sentence + "。\n")
    assert len(proposals) == 1, [p.to_dict() for p in proposals]
    return proposals[0]


def none_in(sentence: str) -> list[Proposal]:
    return extract_text(HEADER + sentence + "。\n")


@pytest.mark.parametrize("sentence, value, op, unit, kind", [
    ("实现企业迁移登记全程网办", 100, ">=", "%", "share"),
    ("推动公积金业务全程网上办理", 100, ">=", "%", "share"),
    ("全面推行行政复议全流程在线办理", 100, ">=", "%", "share"),
    ("为外籍人才提供全程无纸化申请居留许可", 100, ">=", "%", "share"),
    ("实现辖区规模以上企业全量走访", 100, ">=", "%", "share"),
    ("实现全量企业纳入信用分级", 100, ">=", "%", "share"),
    ("适宜由小微企业提供的,应当专门面向小微企业采购", 100, ">=", "%", "share"),
    ("对采购项目实施全过程、全覆盖监管", 100, ">=", "%", "milestone"),
    ("实现用水报装零跑腿", 0, "==", "次", "value"),
    ("实现新设企业刻章零收费", 0, "==", "元", "value"),
    ("申请人不再需要提交纸质营业执照", 0, "==", "份", "value"),
    ("确保欠薪案件动态清零", 0, "==", "个", "value"),
    ("推动低效用地企业清零", 0, "==", "家", "value"),
    ("社保转移业务一次申报", 1, "<=", "次", "value"),
    ("实现企业注销最多跑一次", 1, "<=", "次", "value"),
    ("抵押登记当场办结", 0, "<=", "工作日", "case_duration"),
    ("车辆登记即办即取", 0, "<=", "工作日", "case_duration"),
])
def test_promises_in_words_are_read_with_value_and_comparator(sentence, value, op, unit, kind):
    proposal = one(sentence)
    assert (proposal.value, proposal.op, proposal.unit, proposal.kind) == (value, op, unit, kind)


@pytest.mark.parametrize("traditional, value", [
    ("實現企業遷移登記全程網辦", 100),
    ("提供全程無紙化申請居留許可", 100),
    ("抵押登記當場領證", 0),
    ("社保轉移業務一次申報", 1),
    ("實現用水報裝零跑腿", 0),
])
def test_traditional_characters_read_like_simplified(traditional, value):
    proposal = one(traditional)
    assert proposal.value == value
    assert proposal.quote == traditional


@pytest.mark.parametrize("text", [
    "优化全程网办系统功能",                 # the name of a system
    "提升全程网办事项运行速度",             # a noun phrase, no promise
    "实现政策一网通办、全程网办和诉求在线提交",  # a slogan list
    "探索实施税费、登记费一次收缴",         # exploring is not promising
    "按照全领域、全覆盖、全流程要求强化系统功能",  # a slogan of requirements
    "推进企业办事零见面",                   # a slogan with nothing to count
    "强化首问负责、一次告知、免费代办",       # service slogans
    "全面实施企业投资项目承诺制",           # 全面实施 alone is no coverage target
    "对简易注销企业不再提交清算报告",       # a simplification, not a zero to monitor
    "建立即时联合会商制",                   # a mechanism's name
])
def test_word_phrases_that_promise_nothing_are_left_out(text):
    assert none_in(text) == []


def test_a_written_share_wins_over_the_words_describing_it():
    proposal = one("预留采购预算总额的30%以上专门面向中小企业采购")
    assert (proposal.value, proposal.unit) == (30, "%")


def test_words_next_to_a_count_still_give_the_share():
    values = sorted(p.value for p in none_in("将规划核实等6个事项全部纳入联合验收"))
    assert 100 in values
