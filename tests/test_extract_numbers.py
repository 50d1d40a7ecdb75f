"""monitor extract: numbers as written, comparators, kinds, deadlines and what is left out."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.extract import extract_text
from monitor.extract.modality import OTHER
from monitor.extract.propose import Proposal, candidates

HEADER = "某区2021年优化营商环境实施方案\n2021年7月23日\n"


def one(sentence: str, year: int | None = None) -> Proposal:
    """The one number of `sentence` that is more than a date or a label (a promise, a report or a
    condition: how numbers are read does not depend on the modality; see test_extract_modality)."""
    proposals = [p for p in candidates(HEADER + sentence + "。\n", year) if p.modality != OTHER]
    assert len(proposals) == 1, [p.to_dict() for p in proposals]
    return proposals[0]


def none_in(sentence: str) -> list[Proposal]:
    return extract_text(HEADER + sentence + "\n")


@pytest.mark.parametrize("sentence, value, value_max, unit", [
    ("新增就业两万人以上", 20000, None, "人"),
    ("新增学位1.3万个", 13000, None, "个"),
    ("人才总量突破84万人", 840000, None, "人"),
    ("新增贷款投放额度1800亿元", 1800, None, "亿元"),
    ("给予不超过20万元补贴", 20, None, "万元"),
    ("审查周期压缩一半以上", 50, None, "%"),
    ("企业所得税减半征收", 50, None, "%"),
    ("压减三分之一的申请材料", 100 / 3, None, "%"),
    ("压减纳税人涉税资料1/4以上", 25, None, "%"),
    ("网办率达到百分之九十", 90, None, "%"),
    ("不良贷款率控制在5‰以下", 5, None, "‰"),
    ("办理总时长压缩到6—15个工作日", 6, 15, "个工作日"),
    ("给予10-30万元一次性奖励", 10, 30, "万元"),
    ("给予企业1—3年监管包容期", 1, 3, "年"),
    ("处置土地4000亩以上", 4000, None, "亩"),
    ("拆除违建55万平方米以上", 550000, None, "平方米"),
    ("全年开展活动60场以上", 60, None, "场"),
    ("建设口袋公园4处", 4, None, "处"),
    ("免检公厕100座", 100, None, "座"),
    ("培训8000人次以上", 8000, None, "人次"),
    ("走访小微企业1000户", 1000, None, "户"),
    ("办理商标业务1000件以上", 1000, None, "件"),
    ("推进核心技术攻关不少于50项", 50, None, "项"),
    ("纳税时间压缩至120小时", 120, None, "小时"),
    ("实现1分钟响应", 1, None, "分钟"),
    ("提前一个月公示价格调整", 1, None, "个月"),
    ("办理时间不超过8个工作小时", 8, None, "个工作小时"),
    ("公告时间压缩至7天以内", 7, None, "天"),
    ("签订合同不超过20日", 20, None, "日"),
])
def test_numbers_as_written_are_read_in_the_unit_as_written(sentence, value, value_max, unit):
    proposal = one(sentence)
    assert proposal.value == pytest.approx(value)
    assert proposal.value_max == value_max
    assert proposal.unit == unit


def test_full_width_digits_are_read_and_quoted_as_written():
    proposal = one("网上受理率达到９０％以上")
    assert (proposal.value, proposal.unit, proposal.op) == (90, "%", ">=")
    assert "９０％" in proposal.quote


@pytest.mark.parametrize("sentence, op", [
    ("总用时不超过9个工作日", "<="),
    ("审批时间控制在20个工作日以内", "<="),
    ("不良贷款率控制在1.5%以下", "<="),
    ("办理时限压缩至4个工作日", "<="),
    ("停电时间低于0.45小时", "<"),
    ("满意率不低于98%", ">="),
    ("满意率98%以上", ">="),
    ("新增企业不少于10家", ">="),
    ("网办率达到70%", ">="),
    ("托管中小微企业突破1000家", ">"),
    ("累计投放超过30亿元", ">"),
    ("办理总时长压缩到6—15个工作日", "range"),
])
def test_comparator_follows_the_wording(sentence, op):
    assert one(sentence).op == op


@pytest.mark.parametrize("sentence, kind", [
    ("压缩货物通关时间60%以上", "reduction"),
    ("平均审理天数缩短5天", "reduction"),
    ("实现邮递费用降幅10%以上", "reduction"),
    ("企业开办3个工作日内办结", "case_duration"),
    ("网办率达到90%以上", "share"),
    ("年内新增AEO企业10家", "cumulative"),
    ("10月底前实现全覆盖", "milestone"),
    ("平均用时不超过30个工作日", "value"),
])
def test_kind_follows_the_wording(sentence, kind):
    assert one(sentence).kind == kind


@pytest.mark.parametrize("sentence, deadline", [
    ("年内新增AEO企业10家", date(2021, 12, 31)),
    ("年底前打造概念验证中心1个", date(2021, 12, 31)),
    ("10月底前实现受理事项100%网办", date(2021, 10, 31)),
    ("到2022年底新增企业30家", date(2022, 12, 31)),
    ("力争“十四五”期间新增两万套人才公寓", date(2025, 12, 31)),
    ("2021年12月底实现线上线下融合互认", date(2021, 12, 31)),
    ("企业开办3个工作日内办结", None),
])
def test_deadline_phrases(sentence, deadline):
    assert one(sentence).deadline == deadline


def test_year_from_the_option_wins_over_the_text():
    assert one("年内新增AEO企业10家", year=2030).deadline == date(2030, 12, 31)


@pytest.mark.parametrize("text", [
    "渝中府办〔2021〕16号",
    "2021年7月23日",
    "发布时间:2019-09-04",
    "客服电话: 028-85987214",
    "一、总体要求\n(一)指导思想\n1.优化开办企业服务",
    "推出《惠企政策词典》3.0版",
    "拿地即开工2.0版",
    "实施“3×100”计划",
    "构建“1+4+1”政策体系",
    "举办第六届科技成果交易博览会",
    "区政府第166次常务会议",
    "实现一个终端全办结",
    "打造“24小时智能自助法院”",
    "二次拍卖等各时间节点",
    "推进能力提升三年行动计划",
])
def test_what_is_not_a_commitment_is_left_out(text):
    assert none_in(text) == []


def test_a_baseline_is_not_proposed_on_its_own():
    proposal = one("名称登记审查时限由两个工作日缩短至20分钟")
    assert (proposal.value, proposal.unit) == (20, "分钟")


def test_achieved_figures_are_left_out():
    assert none_in("2020年已累计完成新增企业500家。") == []


@pytest.mark.parametrize("sentence, value, unit", [
    ("执法记录仪实现配备全覆盖", 100, "%"),
    ("实现外线工程“零投资”", 0, "元"),
    ("注销登记即时办结", 0, "工作日"),
])
def test_promises_in_words(sentence, value, unit):
    proposal = one(sentence)
    assert (proposal.value, proposal.unit) == (value, unit)
