"""Every page type in headless Chromium on the real daemon with demo data, reached from an e-mail link.

Screenshots go to var/test-artefacts/ (MONITOR_TEST_ARTEFACTS); scripts are off in the browser,
so the pages are checked as a reader without JavaScript sees them.
"""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import httpx
import pytest

from alerts.render import number
from monitor.service.pages.views import PAGE_SIZE
from monitor.service.pages.wording import STATUS_ORDER, STATUS_WORDS
from tests.integration.browser import Browser
from tests.integration.daemon_process import ROOT, DaemonProcess

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo daemon with a 1 s group_wait, mailing into a folder, with public_url set to itself."""
    workdir = tmp_path_factory.mktemp("pages")
    text = (ROOT / "targets.yaml").read_text(encoding="utf-8")
    fast = text.replace("  group_wait: 30s\n", "  group_wait: 1s\n", 1)
    assert "group_wait: 1s" in fast, "targets.yaml layout changed"
    (workdir / "targets.yaml").write_text(fast, encoding="utf-8")
    (workdir / "seeds").symlink_to(ROOT / "seeds")
    daemon = DaemonProcess(workdir, targets=workdir / "targets.yaml",
                           env={"MONITOR_DELIVER_INTERVAL_SECONDS": "0.3"})
    daemon.env["MONITOR_PUBLIC_URL"] = daemon.url
    daemon.start()
    try:
        daemon.wait_until(lambda: len(list((workdir / "mail").glob("*.eml"))) > 0, timeout=90)
        yield daemon
    finally:
        daemon.stop()


def api(site: DaemonProcess, path: str) -> dict:
    return httpx.get(site.url + "/api/v1" + path, timeout=10).json()


def first_mail_link(site: DaemonProcess, label: str) -> str:
    mails = sorted((Path(site.env["MONITOR_MAILDIR"])).glob("*.eml"))
    for path in mails:
        text = BytesParser(policy=policy.default).parsebytes(path.read_bytes()).get_body(("plain",)).get_content()  # type: ignore[union-attr]   # no text part: the test fails
        found = re.search(rf"{label}：(\S+)", text)
        if found:
            return found.group(1)
    raise AssertionError(f"no '{label}' link in {len(mails)} mails")


def test_board_shows_status_counts_in_words_and_filters_without_script(site, browser):
    visit = browser.open(site.url + "/")
    page = visit.page
    for _ in range(10):   # the demo's agencies keep filing: compare while no verdict changed
        counts = api(site, "/commitments")["counts"]
        page.goto(site.url + "/")
        summary = page.locator("main > ul.counts").inner_text()
        if api(site, "/commitments")["counts"] == counts:
            break
    browser.screenshot(visit, "board")
    browser.screenshot(visit, "board-viewport", full_page=False)   # docs/screenshots/board.png
    assert visit.status == 200 and visit.errors == []
    assert page.title() == "总览 · 营商环境承诺监测"
    for status, n in counts.items():
        if n:
            assert f"{n} {STATUS_WORDS[status]}" in summary
    assert f"共 {sum(counts.values())} 项承诺" in page.locator("main").inner_text()
    assert page.locator(".doc-card").count() == 5

    for _ in range(10):   # the demo's agencies keep filing: compare while no verdict changed
        missed = api(site, "/commitments")["counts"]["missed"]
        page.goto(site.url + "/")
        page.select_option("select[name=status]", "missed")   # a plain GET form: no script involved
        page.click("form.filters button")
        page.wait_for_url(re.compile(r"status=missed"))
        words = page.locator("table.list").last.locator("tbody tr td:first-child .status").all_inner_texts()
        text = page.locator("main").inner_text()
        if api(site, "/commitments")["counts"]["missed"] == missed:
            break
    counts["missed"] = missed
    assert len(words) == min(missed, PAGE_SIZE) and set(words) == {STATUS_WORDS["missed"]}
    assert f"{missed} 项，问题最重的在前" in text
    browser.screenshot(visit, "board-missed")
    if counts["missed"] > PAGE_SIZE:   # the rest on the next page, by a plain link
        page.click("a[rel=next]")
        page.wait_for_url(re.compile(r"page=2"))
        rest = page.locator("table.list").last.locator("tbody tr td:first-child .status").all_inner_texts()
        assert len(rest) == min(counts["missed"] - PAGE_SIZE, PAGE_SIZE) and set(rest) == {STATUS_WORDS["missed"]}
    page.close()


def test_commitment_page_from_an_email_link_shows_quote_numbers_and_charts(site, browser):
    link = first_mail_link(site, "详情")
    assert link.startswith(site.url + "/commitments/")
    visit = browser.open(link)
    page = visit.page
    browser.screenshot(visit, "commitment-from-email")
    assert visit.status == 200 and visit.errors == []
    data = api(site, link.removeprefix(site.url))
    assert page.locator("h1").inner_text() == data["measured"]
    if data["quote"]["changed"]:    # shown simplified without pinyin; the exact text under 原文
        assert page.locator("blockquote.source").first.inner_text() == data["quote"]["shown"]
        assert page.locator("blockquote.source mark").first.inner_text() == data["quote"]["shown_parts"][1]
        assert page.locator("details.exact mark").inner_text() == ""    # folded until the reader opens 原文
        page.click("details.exact summary")   # a plain <details>: opens without script
        assert page.locator("details.exact mark").inner_text() == data["quote"]["text"]
    else:
        assert page.locator("blockquote.source mark").inner_text() == data["quote"]["text"]
        assert data["quote"]["text"] in page.locator("blockquote.source").inner_text()
    assert page.locator("p.verdict .status").inner_text() == data["status_zh"]
    v = data["verdict"]
    assert page.locator("#actual").inner_text() == (v["on_time"] or f"{number(v['actual'])}{v['unit']}")
    assert page.locator("svg.chart").count() >= 1
    page.close()


def test_case_duration_page_draws_durations_against_the_limit_and_lists_overdue_cases(site, browser):
    rows = [c for c in api(site, "/commitments")["commitments"] if c["kind"] == "case_duration" and c["actual"] is not None]
    details = [api(site, f"/commitments/{c['id']}") for c in rows]
    data = max(details, key=lambda d: d["verdict"]["overdue_open"] or 0)
    assert data["verdict"]["overdue_open"], "the demo feeds leave some cases open past their limit"
    visit = browser.open(f"{site.url}/commitments/{data['id']}")
    page = visit.page
    browser.screenshot(visit, "commitment-cases")   # docs/screenshots/commitment.png
    assert visit.status == 200 and visit.errors == []
    text = page.locator("main").inner_text()
    assert "办理时长分布" in text and f"时限 {number(data['value'])}{data['promise_unit']}" in text
    assert page.locator("#actual").inner_text() == data["verdict"]["on_time"]
    assert page.locator("svg.chart").count() == 2
    listed = page.locator("table.cases tbody tr td:first-child").all_inner_texts()
    assert listed == [k["id"] for k in data["verdict"]["late_cases"]]
    assert f"共 {data['verdict']['late_total']} 件未按时" in text and "未办结" in text
    page.close()


def test_agency_page_from_an_email_link_lists_worst_first(site, browser):
    link = first_mail_link(site, "本单位全部承诺")
    visit = browser.open(link)
    page = visit.page
    browser.screenshot(visit, "agency-from-email")
    assert visit.status == 200 and visit.errors == []
    data = api(site, link.removeprefix(site.url))
    assert page.locator("h1").inner_text() == data["name"]
    words = page.locator("table.list tbody tr td:first-child .status").all_inner_texts()
    order = [STATUS_ORDER.index(next(s for s, w in STATUS_WORDS.items() if w == word)) for word in words]
    assert words and order == sorted(order)
    assert len(words) == len(data["commitments"])
    page.close()


def test_document_page_lists_commitments_in_clause_order_and_the_numbers_left_out(site, browser):
    data = api(site, "/documents/gaoxin2019")
    visit = browser.open(site.url + "/documents/gaoxin2019")
    page = visit.page
    browser.screenshot(visit, "document")
    assert visit.status == 200 and visit.errors == []
    assert page.locator("h1").inner_text() == data["title"]
    measured = page.locator("table.list").first.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert measured == [c["measured"] for c in data["commitments"]]
    text = page.locator("main").inner_text()
    assert "未纳入的数字" in text and data["excluded"][0]["reason"] in text
    page.close()


def test_an_unknown_commitment_is_a_readable_chinese_404(site, browser):
    visit = browser.open(site.url + "/commitments/removed.long.ago")
    page = visit.page
    browser.screenshot(visit, "not-found")
    assert visit.status == 404
    assert "未找到该页面" in page.locator("h1").inner_text()
    page.close()
