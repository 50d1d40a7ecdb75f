"""One sentence per verdict, in the promise's own terms: a time limit read as a time limit (即办 as
即时办结), the share of cases on time with the cases behind it, gaps in the promise's unit."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from monitor.cases import CaseCounts
from monitor.evaluate import Evaluation
from monitor.loader import load_catalogue
from monitor.model import Catalogue, Commitment
from monitor.verdict_text import limit_zh, promise_zh, sentence

FIXTURES = Path(__file__).parent / "pages" / "fixtures"
NOW = datetime(2021, 6, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(FIXTURES / "targets.yaml", seeds_dirs=[FIXTURES])


def per_case(c: Commitment, status: str, counts: CaseCounts, **extra) -> Evaluation:
    share = counts.on_time * 100 / counts.counted
    return Evaluation(commitment=c.id, evaluated_at=NOW, status=status, actual=share, target=c.measure.min_share,
                      op=">=", unit="%", margin=share - c.measure.min_share, cases=counts.counted,
                      data_time=NOW, case_counts=counts, overdue_open=counts.open_overdue, **extra)


def thirteen_days(catalogue: Catalogue, **changes) -> Commitment:
    return dataclasses.replace(catalogue.commitments["town2021.property_days"], value=13, **changes)


def test_a_share_of_cases_reads_as_cases_done_within_the_limit_with_the_late_ones(catalogue):
    c = thirteen_days(catalogue)
    counts = CaseCounts(received=130, completed_in_window=123, on_time=108, completed_late=15, open_overdue=3,
                        open_not_due=4, window_days=90)
    text = sentence(c, per_case(c, "missed", counts))
    assert text.startswith("近90天办结123件，其中108件在13个工作日内办结、15件超期办结，另有3件超期未办结；")
    assert "按时率85.7%（108/126件），承诺为全部按时，18件未按时" in text
    assert "不低于100%" not in text and text.count("。") == 1


def test_a_share_below_all_says_how_many_more_cases_must_be_on_time(catalogue):
    c = thirteen_days(catalogue)
    c = dataclasses.replace(c, measure=dataclasses.replace(c.measure, min_share=90))
    counts = CaseCounts(received=40, completed_in_window=40, on_time=34, completed_late=6, window_days=90)
    assert "承诺为不低于90%按时，还差2件按时办结" in sentence(c, per_case(c, "missed", counts))   # 36 of 40 is 90%
    assert promise_zh(c) == "不低于90%的案件在13个工作日内办结"


def test_an_immediate_limit_reads_as_done_on_the_spot_never_as_zero_working_days(catalogue):
    c = dataclasses.replace(catalogue.commitments["town2021.property_days"], value=0)
    counts = CaseCounts(received=10, completed_in_window=10, on_time=9, completed_late=1, window_days=90)
    text = sentence(c, per_case(c, "missed", counts))
    assert limit_zh(c) == "即时办结" and promise_zh(c) == "全部案件即时办结"
    assert "其中9件即时办结" in text and "0工作日" not in text and "0个工作日" not in text


def test_a_count_short_of_its_target_says_how_many_items_are_missing(catalogue):
    c = dataclasses.replace(catalogue.commitments["town2021.setup_days"], kind="value", op=">=", value=100, unit="项")
    ev = Evaluation(commitment=c.id, evaluated_at=NOW, status="missed", actual=77, target=100, op=">=", unit="项",
                    margin=-23, data_time=NOW)
    assert sentence(c, ev) == "最新数值为77项（2021-06-01），承诺为不低于100项，还差23项。"


def test_a_share_short_of_its_target_is_points_and_a_time_over_its_limit_is_time(catalogue):
    share = catalogue.commitments["town2021.online_share"]
    ev = Evaluation(commitment=share.id, evaluated_at=NOW, status="missed", actual=87.5, target=90, op=">=", unit="%",
                    margin=-2.5, data_time=NOW)
    assert "承诺为不低于90%，差2.5个百分点" in sentence(share, ev)
    days = catalogue.commitments["town2021.setup_days"]
    ev = Evaluation(commitment=days.id, evaluated_at=NOW, status="missed", actual=2.5, target=1, op="<=",
                    unit="个工作日", margin=-1.5, data_time=NOW)
    assert "承诺为不超过1个工作日，超出1.5个工作日" in sentence(days, ev)


def test_a_paced_running_total_says_where_it_should_be_and_how_far_behind(catalogue):
    c = catalogue.commitments["town2021.new_firms"]
    ev = Evaluation(commitment=c.id, evaluated_at=NOW, status="at_risk", actual=500, target=1800, op=">=", unit="家",
                    margin=-1300, expected=750, data_time=NOW)
    assert sentence(c, ev) == ("截至2021-06-01累计500家，承诺为2021-12-31前不低于1,800家，按进度此时应达750家，落后250家；"
                               "期限2021-12-31。")
    settled = dataclasses.replace(ev, status="missed", settled_on=date(2021, 12, 31), expected=1800)
    assert sentence(c, settled).endswith("还差1,300家；已于2021-12-31定论。")


def test_missing_or_stale_data_and_errors_are_said_in_chinese(catalogue):
    c = catalogue.commitments["town2021.online_share"]
    none_yet = Evaluation(commitment=c.id, evaluated_at=NOW, status="no_data", reason="no data yet from feed 'demo'")
    assert sentence(c, none_yet) == "数据源尚未提供数据，暂不能判断是否兑现。"
    stale = dataclasses.replace(none_yet, data_time=datetime(2021, 5, 20, tzinfo=UTC))
    assert "最新数据为2021-05-20的数据，已超过2天的时效" in sentence(c, stale)
    error = dataclasses.replace(none_yet, status="error", reason="2150-01-01 is outside the working-day calendar")
    assert "评估出错" in sentence(c, error) and "calendar" not in sentence(c, error)


def test_an_on_track_verdict_says_once_that_it_is_not_yet_kept_in_every_branch(catalogue):
    """Each branch words an on-track verdict itself (no sniffing of the text): the share of cases, a
    running total on pace, a latest value, a throughout promise holding so far."""
    c = thirteen_days(catalogue, deadline=date(2021, 12, 31))
    counts = CaseCounts(received=10, completed_in_window=10, on_time=10, window_days=90)
    share = sentence(c, per_case(c, "on_track", counts))
    assert "承诺为全部按时，已达到，正常推进，尚未兑现；期限2021-12-31。" in share
    firms = catalogue.commitments["town2021.new_firms"]
    paced = Evaluation(commitment=firms.id, evaluated_at=NOW, status="on_track", actual=800, target=1800, op=">=",
                       unit="家", margin=-1000, expected=750, data_time=NOW)
    assert sentence(firms, paced).endswith("按进度此时应达750家，已达进度，正常推进，尚未兑现；期限2021-12-31。")
    online = dataclasses.replace(catalogue.commitments["town2021.online_share"], deadline=date(2021, 12, 31))
    value = Evaluation(commitment=online.id, evaluated_at=NOW, status="on_track", actual=95, target=90, op=">=",
                       unit="%", margin=5, data_time=NOW)
    held = dataclasses.replace(online, throughout=True)
    texts = [share, sentence(firms, paced), sentence(online, value), sentence(held, value)]
    assert [t.count("正常推进") for t in texts] == [1, 1, 1, 0]
    assert "迄今符合要求，须保持至期限方为兑现" in texts[3]
