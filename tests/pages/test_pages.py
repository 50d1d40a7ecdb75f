"""The HTML pages: Chinese words with colours, quotes in their sentence, marks, lists in the right order."""

from __future__ import annotations

import re
from datetime import UTC
from html.parser import HTMLParser


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


def row_ids(html: str) -> list[str]:
    return re.findall(r'<td><a href="/commitments/([^"]+)">', html)


def row_statuses(html: str) -> list[str]:
    return re.findall(r'<tr>\s*<td><span class="status status-([a-z_]+)">', html)


def test_board_counts_each_status_in_words_per_document(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = text_of(page.text)
    for count, word in (("2", "未达标"), ("1", "有风险"), ("1", "达标"), ("1", "未监测")):
        assert f"{count} {word}" in text
    assert "某区2021年优化营商环境实施方案" in text and "共 5 项承诺" in text
    assert "<script" not in page.text   # works without JavaScript


def test_board_filters_by_status_and_agency_without_script(client):
    missed = client.get("/", params={"status": "missed"}).text
    assert set(row_statuses(missed)) == {"missed"} and len(row_ids(missed)) == 2
    market = client.get("/", params={"agency": "town.market"}).text   # lead or co-responsible
    assert set(row_ids(market)) == {"town2021.setup_days", "town2021.new_firms", "town2021.property_days"}


def test_commitment_page_shows_the_quote_inside_its_sentence_escaped(client):
    html = client.get("/commitments/town2021.online_share").text
    assert "<mark>政务服务事项网上可办率达到90%以上；推行&lt;b&gt;即办&lt;/b&gt;</mark>事项清单。" in html
    text = text_of(html)
    assert "有风险" in text and "最新数值为91%（2021-06-01），承诺为不低于90%，已达到，但余量仅1个百分点。" in text
    assert "区政务服务中心" in text and "条款 （三）5." in text


def test_commitment_page_draws_history_as_svg_with_status_bands(client):
    html = client.get("/commitments/town2021.online_share").text
    svg = html[html.index("<svg"):html.index("</svg>") + 6]
    assert svg.count('<rect x=') >= 7 + 1   # the plot and one band per evaluation
    assert "#f9a825" in svg and "#2e7d32" in svg   # at_risk and met stretches
    assert 'class="actual"' in svg and 'class="target"' in svg


def test_settled_verdict_says_so_with_its_date(client):
    text = text_of(client.get("/commitments/town2021.new_firms").text)
    assert "已于2021-12-31定论" in text
    assert "截至2021-06-01累计1,500家，承诺为2021-12-31前不低于1,800家，还差300家；已于2021-12-31定论。" in text


def test_case_promise_shows_durations_against_the_limit_and_open_overdue_cases(client):
    html = client.get("/commitments/town2021.property_days").text
    text = text_of(html)
    assert "临时" in text   # provisional calendar
    assert "统计40件，按时率80%，承诺为全部案件在5个工作日内办结，差15个百分点；其中3件超期未办结。" in text
    assert "按时办结按时率80%（共40件）" in text and "不低于95%" not in text   # never a time limit against a share
    assert "3 件仍未办结且已超过时限" in text
    assert all(case in text for case in ("BDC-0001", "BDC-0017", "BDC-0203"))
    assert "时限 5个工作日" in text and "≤9个工作日（超时限）" in text and "≤3个工作日" in text


def test_unmonitored_commitment_says_why(client):
    text = text_of(client.get("/commitments/town2021.one_network").text)
    assert "未监测" in text and "没有可采集的数据来源" in text


def test_agency_page_lists_its_commitments_worst_first_with_its_role(client):
    html = client.get("/agencies/town.market").text
    assert row_statuses(html) == ["missed", "missed", "met"]
    text = text_of(html)
    assert "区市场监管局" in text and "牵头" in text and "责任" in text


def test_document_page_follows_the_text_and_lists_what_was_left_out(client):
    html = client.get("/documents/town2021").text
    assert row_ids(html) == ["town2021.setup_days", "town2021.one_network", "town2021.new_firms",
                             "town2021.online_share", "town2021.property_days"]
    text = text_of(html)
    assert "“15分钟政务服务圈”" in text and "项目名称，不是目标" in text


def test_unknown_ids_get_a_chinese_404_page(client):
    for path in ("/commitments/nope", "/agencies/nope", "/documents/nope", "/nowhere"):
        page = client.get(path)
        assert page.status_code == 404 and "未找到该页面" in page.text, path


def test_stylesheet_is_served_by_the_daemon_itself(client):
    html = client.get("/").text
    assert 'href="/static/site.css"' in html
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)   # nothing from another host
    css = client.get("/static/site.css")
    assert css.status_code == 200 and ".status-missed" in css.text


def test_history_chart_marks_a_deadline_in_view_and_names_one_outside_it():
    from datetime import date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from monitor.service.pages.charts import Point, history_svg
    t0 = datetime(2021, 12, 1, tzinfo=UTC)
    points = [Point(t0 + timedelta(days=d), 10.0 * d, 100.0, "at_risk") for d in range(10)]
    zone = ZoneInfo("Asia/Shanghai")
    inside = history_svg(points, None, date(2021, 12, 15), "家", zone)
    assert 'class="deadline"' in inside and "期限 2021-12-15" in inside and "图中时段" not in inside
    before = history_svg(points, None, date(2021, 6, 30), "家", zone)
    assert 'class="deadline"' not in before and "期限 2021-06-30（早于图中时段）" in before
    import xml.etree.ElementTree as ElementTree
    ElementTree.fromstring(inside)   # well-formed SVG


def test_board_lists_deadlines_due_within_ninety_days(catalogue, board):
    from datetime import datetime

    from monitor.service.pages import views
    near = views.board(views.Snapshot(catalogue, board, datetime(2021, 11, 15, tzinfo=UTC)))
    assert [r["id"] for r in near["due_soon"]] == ["town2021.new_firms"]
    far = views.board(views.Snapshot(catalogue, board, datetime(2021, 6, 1, tzinfo=UTC)))
    past = views.board(views.Snapshot(catalogue, board, datetime(2022, 1, 1, tzinfo=UTC)))
    assert far["due_soon"] == [] and past["due_soon"] == []


def _client_with(catalogue, board, commitment: str, **changes):
    import dataclasses
    from types import MappingProxyType

    from monitor.service.web import build_app
    from tests.pages.conftest import Client, FakeBackend
    changed = dataclasses.replace(catalogue.commitments[commitment], **changes)
    catalogue = dataclasses.replace(catalogue, commitments=MappingProxyType({**catalogue.commitments,
                                                                             commitment: changed}))
    return Client(build_app(FakeBackend(catalogue, board)))


def test_a_hedged_case_promise_says_it_is_read_over_every_case(catalogue, board):
    client = _client_with(catalogue, board, "town2021.property_days", hedge="原则上")
    assert "原文为'原则上'，按全部办件评估" in text_of(client.get("/commitments/town2021.property_days").text)
    plain = text_of(client.get("/commitments/town2021.online_share").text)
    assert "原文为" not in plain


def test_an_on_track_verdict_reads_in_progress_not_kept(catalogue, board):
    from tests.pages.conftest import verdict
    board = {**board, "town2021.new_firms": verdict("town2021.new_firms", "on_track", 900, target=1800, op=">=",
                                                    unit="家", margin=-900, expected=800)}
    client = _client_with(catalogue, board, "town2021.new_firms")
    text = text_of(client.get("/commitments/town2021.new_firms").text)
    assert "累计900家" in text and "按进度此时应达800家，已达进度，正常推进，尚未兑现" in text
    assert "达标" not in text.replace("未达标", "")


def test_a_promise_kept_only_after_its_deadline_says_when_on_its_page(catalogue, board):
    from monitor.evaluate import LATE_NOTE
    from tests.pages.conftest import verdict
    board = {**board, "town2021.online_share": verdict(
        "town2021.online_share", "missed", 60, target=90, op=">=", unit="%", margin=-30,
        reason=f"the latest value breaks the promise{LATE_NOTE}2022-01-01 00:30达到95%（迟于截止日30分钟）")}
    text = text_of(_client_with(catalogue, board, "town2021.online_share").get("/commitments/town2021.online_share").text)
    assert "差30个百分点" in text and "；截止日后于2022-01-01 00:30达到95%（迟于截止日30分钟）" in text
