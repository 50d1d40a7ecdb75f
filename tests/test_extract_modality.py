"""monitor extract: each number judged promise, report, condition or other, with its reason; a
confidence explained by features; --all and --min-confidence."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from monitor.extract import add_extract_command, candidates, extract_text
from monitor.extract.confidence import WEIGHTS, score

HEADER = "某市2023年优化营商环境工作方案\n2023年3月2日\n"


def judged(sentence: str) -> list[tuple[float, str]]:
    return [(p.value, p.modality) for p in candidates(HEADER + sentence + "\n") if p.start >= len(HEADER)]


@pytest.mark.parametrize("sentence, value", [
    ("今年以来,全市共办理审批事项2.6万件。", 26000),
    ("截至9月底,已累计为企业减负42.6亿元。", 42.6),
    ("去年全市新增市场主体5.6万户。", 56000),
    ("1—10月份全市新设立市场主体1.2万户。", 12000),
    ("“现在网上申请,3天就到账了。”", 3),
    ("她当天提交申请,3个工作日内就拿到了许可证。", 3),
    ("5月20日,县委书记调研了12个重点项目。", 12),
    ("6月15日下午,区政府举行活动,现场收集企业诉求37条。", 37),
    ("今年以来,全县重点项目完成投资58.6亿元,占年度计划的46%。", 46),
    ("记者从市统计局获悉,一季度全市新登记企业4560户。", 4560),
    ("这一年,我市推出主题服务120项。全市新设经营主体12.6万户。", 126000),
    ("该中心已将1568项政务服务事项纳入“一窗通办”。", 1568),
])
def test_achieved_figures_are_reports(sentence, value):
    assert (value, "report") in judged(sentence)


@pytest.mark.parametrize("sentence, value", [
    ("对期限超过6个月的流动资金贷款给予贴息。", 6),
    ("贷款年利率在4.35%以下的,按实际利率计算。", 4.35),
    ("对年营业收入500万元以上的企业给予奖励。", 500),
    ("申领对象应符合以下条件:年龄不超过35周岁。", 35),
    ("上年度裁员率不高于5.5%的企业,可按60%返还。", 5.5),
    ("30人(含)以下的参保企业也可享受返还。", 30),
    ("对年化利率15%以下的部分给予贴息。", 15),
    ("对年纳税额500万元以上的企业,给予一次性奖励10万元。", 500),
    ("对新吸纳就业困难人员的企业,按每人每月300元给予补贴,补贴期限最长不超过3年。", 3),
    ("LPR减150个基点以上部分由财政给予全额贴息。", 150),
])
def test_eligibility_thresholds_of_subsidies_are_no_drafts(sentence, value):
    assert (value, "condition") in judged(sentence) or (value, "other") in judged(sentence)
    assert (value, "promise") not in judged(sentence) and (value, "benefit") not in judged(sentence)


@pytest.mark.parametrize("sentence, value", [
    ("按每人1000元给予一次性吸纳就业补贴。", 1000),
    ("按购房价格的10%给予补助,最高不超过1000万元。", 1000),
    ("按购房价格的10%给予补助,最高不超过1000万元。", 10),
    ("租金按同地段市场租金的30%收取。", 30),
    ("对期限超过6个月的流动资金贷款,按贷款额的5‰给予补助,单户企业每年最高不超过20万元。", 5),
    ("对期限超过6个月的流动资金贷款,按贷款额的5‰给予补助,单户企业每年最高不超过20万元。", 20),
    ("对符合条件的承租人免收1个月房租。", 1),
    ("对企业购买科技保险的,按实际保费支出的50%给予补贴。", 50),
    ("第四条 补贴标准为:博士每月3000元。", 3000),
    ("个人可申请最高不超过30万元的创业担保贷款。", 30),
])
def test_promised_payments_and_reliefs_are_benefits(sentence, value):
    assert (value, "benefit") in judged(sentence)


def test_a_benefit_is_drafted_as_the_amount_given_and_a_cap_as_a_ceiling():
    drafts = {p.value: p for p in extract_text(HEADER + "按贷款额的5‰给予补助,单户企业每年最高不超过20万元。\n")}
    assert drafts[5].op == "==" and drafts[5].unit == "‰" and drafts[5].monitorable
    assert drafts[20].op == "<=" and drafts[20].unit == "万元" and drafts[20].kind == "value"


def test_a_total_of_tax_and_fee_cuts_is_an_amount_to_reach_not_a_reduction():
    [draft] = [p for p in extract_text(HEADER + "1.全年为各类经营主体减税降费不少于3亿元。\n") if p.value == 3]
    assert draft.kind in ("value", "cumulative") and draft.op == ">=" and draft.modality == "promise"


def test_services_listed_with_jun_give_one_draft_each():
    drafts = [p for p in extract_text(HEADER + "2.用水、用气报装办理时间均不超过4个工作日。\n") if p.value == 4]
    assert sorted(d.measured for d in drafts) == ["用气报装办理时间", "用水报装办理时间"]
    assert all(d.quote == "用水、用气报装办理时间均不超过4个工作日" for d in drafts)


@pytest.mark.parametrize("sentence", ["县税务局每季度通报一次减税降费政策落实情况。", "考核结果每月通报一次。"])
def test_a_routine_of_reporting_is_no_promise(sentence):
    assert not [v for v, m in judged(sentence) if m in ("promise", "benefit")]


@pytest.mark.parametrize("sentence, value", [
    ("我市出台30条措施优化营商环境。", 30),
    ("《措施》涉及21个部门。", 21),
    ("今天(9日)上午召开新闻发布会。", 9),
    ("新引进企业须设置不少于6个月的观察期。", 6),
    ("公示期为5个工作日。", 5),
    ("入住人才租赁合同期限一般为2年。", 2),
    ("人才公寓租赁期限最长不超过3年。", 3),
    ("下半年,我市将重点推进三项工作。", 3),
    ("情况复杂的,可以延长五个工作日。", 5),
    ("该产品最快1分钟放款。", 1),
    ("督查分3个组,每组5人。", 3),
    ("督查分3个组,每组5人。", 5),
    ("缓缴社会保险费,缓缴期限不超过6个月。", 6),
    ("考核结果纳入年度绩效考核,权重为5%。", 5),
    ("行动方案共包括8个方面、32项具体任务。", 32),
])
def test_counts_dates_and_other_durations_are_other(sentence, value):
    assert (value, "other") in judged(sentence)


@pytest.mark.parametrize("sentence, value", [
    ("力争到年底,企业开办时间压缩至0.5个工作日以内。", 0.5),
    ("下一步,将实现90%以上的高频事项“全程网办”。", 90),
    ("确保符合条件的社会投资项目100%实现“拿地即开工”。", 100),
    ("市财政局自受理申请之日起10个工作日内完成审核。", 10),
    ("提供不低于100亿元的专业保险额度。", 100),
    ("2023年,全省一般工商业平均电价再降低1.5%。", 1.5),
    ("每季度开展1次督查。", 1),
    ("实际利用外资1.5亿美元。", 1.5),
    ("确保惠及中小企业1000家以上。", 1000),
    ("力争全年兑现惠企资金10亿元。", 10),
    ("每年评估一次实施效果。", 1),
    ("对历史遗留问题,由各区在6个月内完成集中化解。", 6),
    ("通过推行容缺受理,为企业节约成本1亿元以上。", 1),
    ("2022年,全市已完成投资300亿元。2023年,全市新增投资350亿元。", 350),
    ("到2023年,营商环境评价进入全省前3名。", 3),
])
def test_targets_are_promises_even_beside_report_or_condition_words(sentence, value):
    assert (value, "promise") in judged(sentence)


def test_verbs_of_results_report_in_news_and_promise_in_plans():
    news = "今年以来,全市已办理审批事项2.6万件。去年新增市场主体5.6万户。通过容缺受理,惠及企业3200余家。"
    plan = "1.新建城区公办幼儿园3所。\n2.改造老旧小区12个,惠及居民2600户。"
    assert (3200, "report") in judged(news)
    assert (2600, "promise") in judged(plan)


def test_a_forecast_is_no_promise():
    assert judged("预计每年可为企业兑现资金超过15亿元。") == [(15, "other")]


def test_a_span_ending_in_nei_before_a_target_is_its_deadline():
    assert judged("三年内培育上市企业十家以上。") == [(3, "other"), (10, "promise")]
    assert judged("项目竣工投产后3年内,由开发区组织达产复核。") == [(3, "promise")]


def test_a_baseline_is_no_draft_and_a_later_sentence_can_promise_again():
    text = HEADER + "施工许可办理时间由原来的105天减至45天。这一年,我市推出主题服务120项。下一步,将新增服务50项。\n"
    assert [(d.value, d.unit) for d in sorted(extract_text(text), key=lambda d: d.start)] == [(45, "天"), (50, "项")]


def test_a_share_of_cases_is_folded_into_the_time_limit():
    drafts = extract_text(HEADER + "90%以上的涉企事项在3个工作日内办结。\n")
    assert [(d.value, d.unit, d.kind, d.min_share) for d in drafts] == [(3, "个工作日", "case_duration", 90)]


@pytest.mark.parametrize("sentence, value, unit", [
    ("企业名称自主申报系统覆盖全区所有登记机关。", 100, "%"),
    ("名称申报实现“即报即得”。", 0, "工作日"),
    ("推进企业办事“零上门”。", 0, "次"),
    ("重大网络安全事件“零发生”。", 0, "件"),
])
def test_more_promises_in_words(sentence, value, unit):
    (draft,) = extract_text(HEADER + sentence + "\n")
    assert (draft.value, draft.unit) == (value, unit)


def test_corner_brackets_quote_like_double_quotes():
    assert [(d.value, d.unit) for d in extract_text(HEADER + "高頻事項實現「最多跑一次」比例達到１００％。\n")] \
        == [(100, "%")]


def test_tenths_are_shares_and_a_share_keeps_what_it_achieves():
    text = HEADER + "承诺时限压缩三成以上。高频事项中一半以上实现“零跑腿”。\n"
    assert [(d.value, d.unit) for d in sorted(extract_text(text), key=lambda d: d.start)] == [(30, "%"), (50, "%")]


def test_a_clause_label_before_a_year_is_no_number():
    assert [(d.value, d.unit) for d in extract_text(HEADER + "3.2021年底前,全程网办比例达到50%以上。\n")] \
        == [(50, "%")]


def test_words_that_describe_a_thing_are_no_promise():
    assert extract_text(HEADER + "推行覆盖所有行业的标准招标文件。\n") == []


@pytest.mark.parametrize("sentence, low, high", [
    ("施工许可证核发时间控制在7到10天。", 7, 10),
    ("一般登记业务办理时间压缩至3至5个工作日。", 3, 5),
    ("审批时限压缩至5—8个工作日。", 5, 8),
])
def test_ranges_with_dash_zhi_and_dao(sentence, low, high):
    (draft,) = extract_text(HEADER + sentence + "\n")
    assert (draft.value, draft.value_max, draft.op) == (low, high, "range")


def test_confidence_is_explained_and_ranks_a_firm_time_limit_above_a_bare_count():
    firm, bare = (extract_text(HEADER + s + "\n", min_confidence=0)[0] for s in
                  ("企业开办时间压缩至1个工作日以内。", "建设口袋公园4处。"))
    assert firm.confidence > bare.confidence
    for draft in (firm, bare):
        assert set(draft.features) <= set(WEIGHTS)
        assert draft.confidence == score(list(draft.features))
    assert "service time limit (工作日, 小时, 分钟)" in firm.features


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="monitor")
    add_extract_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["extract", *argv])
    return args.func(args)


NEWS = (HEADER + "今年以来,全市共办理审批事项2.6万件。对期限超过6个月的贷款给予贴息。\n"
        "下一步,将把企业开办时间压缩至0.5个工作日以内,建设口袋公园4处。\n")


def test_all_lists_the_rest_with_reasons_and_min_confidence_filters(tmp_path: Path, capsys):
    path = tmp_path / "news.txt"
    path.write_text(NEWS, encoding="utf-8")
    assert run([str(path), "--format", "json"]) == 0
    drafts = json.loads(capsys.readouterr().out)
    assert all(row["draft"] and row["modality"] == "promise" for row in drafts)
    assert [row["value"] for row in drafts] == [0.5, 4]   # ranked: the time limit first
    confidences = [row["confidence"] for row in drafts]
    assert confidences == sorted(confidences, reverse=True)
    assert run([str(path), "--format", "json", "--all"]) == 0
    rows = json.loads(capsys.readouterr().out)
    rest = {row["value"]: row for row in rows if not row["draft"]}
    assert rest[26000]["modality"] == "report" and "achieved" in rest[26000]["why"]
    assert rest[6]["modality"] == "condition" and rest[6]["why"]
    assert run([str(path), "--format", "json", "--min-confidence", str(confidences[0])]) == 0
    assert [row["value"] for row in json.loads(capsys.readouterr().out)] == [0.5]


@pytest.mark.parametrize("sentence, value", [
    ("涉企检查总量同比减少20%以上,户均停电时间同比下降10%。", 20),
    ("涉企检查总量同比减少20%以上,户均停电时间同比下降10%。", 10),
    ("一般工商业电价在2022年基础上再降低2分钱/千瓦时。", 2),
    ("在2022年工作基础上,信用信息归集量较上年增长20%以上。", 20),
    ("政策资金兑现时间平均缩短至10个工作日。", 10),
])
def test_year_on_year_and_base_years_are_targets_in_a_plan(sentence, value):
    assert (value, "promise") in judged(sentence)


def test_year_on_year_reports_in_news():
    news = "上半年全市经济运行情况\n今年上半年,全市新增市场主体6.8万户,同比增长9.6%。\n"
    assert [(p.value, p.modality) for p in candidates(news) if p.value == 9.6] == [(9.6, "report")]


@pytest.mark.parametrize("sentence, value", [
    ("会议通报,2022年全市新登记市场主体1.1万户,为企业减免各类费用3200万元。", 3200),
    ("会上,县政府与12家企业签订了投资协议,总投资达86亿元。", 86),
])
def test_an_earlier_year_or_a_verb_with_le_reports_the_rest_of_the_sentence(sentence, value):
    assert (value, "report") in judged(sentence)


@pytest.mark.parametrize("sentence, value", [
    ("方案共提出6个方面23项重点任务。", 23),
    ("督查分三个阶段进行。", 3),
    ("抽调20名骨干组成4个督查组。", 20),
    ("抽调20名骨干组成4个督查组。", 4),
    ("今后三年市场主体数量年均增长10%以上。", 3),
])
def test_policy_counts_organisation_and_spans_are_no_targets(sentence, value):
    assert (value, "promise") not in judged(sentence)


def test_a_table_unit_in_ten_thousands_and_rows_are_no_titles():
    table = ("序号\t指标\t单位\t2020年\t2025年目标\n"
             "1\t市场主体总量\t万户\t12.6\t18\n"
             "2\t首贷户新增数量\t户\t800\t1500\n")
    drafts = {p.value: p for p in extract_text("某区规划主要指标\n\n" + table)}
    assert set(drafts) == {180000, 1500}
    assert all("on a heading or title line" not in p.features for p in drafts.values())


@pytest.mark.parametrize("sentence, value", [
    ("记者了解到,今年前三季度全市新增市场主体4.2万户。", 42000),
    ("目前,全区政务服务事项网上可办率为96.3%。", 96.3),
])
def test_period_to_date_and_present_state_are_reports(sentence, value):
    assert (value, "report") in judged(sentence)


def test_a_year_label_inside_the_period_of_the_title_is_no_past():
    plan = ("某市优化营商环境三年行动计划(2018—2020年)\n到2020年,企业开办时间压缩至3个工作日以内。\n"
            "2019年:全面推行“一窗受理”,综合窗口比例不低于80%。\n")
    assert (80, "promise") in [(p.value, p.modality) for p in candidates(plan)]


def test_將目前的_is_a_baseline_not_a_report():  # noqa: N802 - the words under test
    assert (1, "promise") in judged("將目前的1.5%-3%的擔保費率降低至1%以下。")


def test_a_target_column_with_its_unit_in_the_header_and_a_same_day_cell():
    table = ("序号\t事项名称\t法定时限(工作日)\t承诺时限(工作日)\t实施部门\n"
             "1\t食品经营许可\t20\t5\t区市场监管局\n"
             "2\t户外广告设施设置审批\t20\t即办\t区城市管理委\n")
    drafts = extract_text("关于公布政务服务事项承诺时限的通知\n\n" + table)
    assert sorted((p.value, p.unit) for p in drafts) == [(0, "个工作日"), (5, "个工作日")]


def test_a_number_in_a_title_and_a_tolerance_are_no_targets():
    assert (20, "promise") not in judged("某区近日出台《助企纾困二十条》,今年将减免房租1亿元以上。")
    assert (3, "promise") not in judged("普惠小微贷款不良率容忍度放宽至3%。")


def test_year_on_year_after_a_future_is_a_target_in_news_too():
    news = ("全市外贸工作会议召开\n会议指出,2022年全市进出口总额达1260亿元,同比增长6.8%。\n"
            "会议提出,2023年全市进出口总额力争同比增长8%以上,跨境电商交易额突破200亿元。\n")
    judged_news = {p.value: p.modality for p in candidates(news)}
    assert judged_news[6.8] == "report" and judged_news[8] == "promise" and judged_news[200] == "promise"


@pytest.mark.parametrize("sentence, value, modality", [
    ("二、服务标准。群众平均排队等候时间不超过10分钟。", 10, "promise"),
    ("第四条 申报条件为:上年度营业收入3000万元以上。", 3000, "condition"),
    ("企业投资项目审批全流程“最多100天”。", 100, "promise"),
])
def test_headings_of_standards_and_quoted_limits(sentence, value, modality):
    assert (value, modality) in judged(sentence)


@pytest.mark.parametrize("sentence, value", [
    ("参会人员:每单位限1人。", 1),
    ("材料篇幅控制在3000字以内。", 3000),
])
def test_quotas_and_counts_of_unknown_things_are_no_targets(sentence, value):
    assert (value, "promise") not in judged(sentence)


def test_words_in_the_title_of_the_document_name_it():
    plan = "某市2018年深化“最多跑一次”改革工作要点\n\n一、“最多跑一次”事项覆盖率达到100%。\n"
    assert [p.value for p in extract_text(plan)] == [100]


def test_recent_news_reports_and_the_size_of_a_ranked_group_is_no_target():
    sentence = "近日,全市营商环境评价结果公布,我县位列全市12个县第一名,18项评价指标中有15项进入全市前三。"
    assert all(modality != "promise" for _, modality in judged(sentence))
    assert (20, "promise") in judged("各单位于12月20日前完成整改,整改期限不超过20日。")   # 20日前 is no 日前


@pytest.mark.parametrize("sentence, value", [
    ("记者看到,56个综合窗口一字排开。", 56),
    ("据工作人员介绍,大厅每天接待办事群众约3000人次。", 3000),
])
def test_what_the_reporter_sees_or_is_told_is_a_report(sentence, value):
    assert (value, "report") in judged(sentence)


def test_rent_relief_and_a_deferral_are_no_targets_but_a_total_relief_is():
    assert (50, "promise") not in judged("对承租国有经营用房的中小企业,4月至6月房租减半。")
    assert (3, "promise") not in judged("可申请延期缴纳税款,最长不超过3个月。")
    assert (1, "promise") in judged("今年全区将为中小微企业减免房租1亿元以上。")


@pytest.mark.parametrize("sentence, value, modality", [
    ("提供最长3年、最高50万元的创业担保贷款。", 3, None),
    ("检查人员不得少于2人。", 2, None),
    ("为实现全年增长6%以上的目标打下了坚实基础。", 6, "promise"),
    ("确保签约项目6个月内开工、开工项目1年内投产。", 6, "promise"),
    ("确保签约项目6个月内开工、开工项目1年内投产。", 1, "promise"),
    ("对信用等级为A级的纳税人,可实行“即申即退”。", 0, "promise"),
])
def test_loan_terms_inspection_staff_targets_named_so_and_two_limits(sentence, value, modality):
    if modality is None:
        assert (value, "promise") not in judged(sentence)
    else:
        assert (value, modality) in judged(sentence)
