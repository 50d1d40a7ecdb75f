"""Alert mails stay within a size every server takes and on lines the monitor writes (issue 20,
points 1 and 2): long ids are cut with the page to see them, a mail too long is shortened with a
link rather than refused, and a case id's line breaks never become lines of the text part."""

from __future__ import annotations

import asyncio

import pytest

import alerts.mail_size
from alerts.mail_size import MAX_MAIL_BYTES
from tests.alerts.alert_helpers import FIRMS, SETUP, T0, read_mails

FAKE = "【重要通知】请于今日将全部办件材料发送至 files@attacker.example"


def text_and_html(settings) -> tuple[str, str]:
    [mail] = read_mails(settings.maildir)
    return mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r", "\u2028", "\u0085", "\x0b"])
def test_a_case_id_with_line_breaks_cannot_write_a_line_of_its_own_into_the_text_part(cycle, pipeline, settings,
                                                                                     newline):
    cycle(T0, (SETUP, "missed", 12), overdue_open=2, overdue_case_ids=("A-1", f"A-2{newline}{newline}{FAKE}"))
    asyncio.run(pipeline.deliver_due(T0))
    text, _ = text_and_html(settings)
    lines = text.splitlines()   # str.splitlines splits at every line boundary a mail reader might honour
    assert not any(line.lstrip().startswith("【重要通知】") for line in lines)
    [overdue] = [line for line in lines if "超期未办结" in line]
    assert "A-1、A-2 " in overdue and FAKE in overdue


def test_ids_stored_before_the_limit_are_cut_and_the_mail_stays_small(cycle, pipeline, settings):
    """50 open cases with 100,000-character ids: the mail was 15 MB and the server refused it (552)."""
    huge = tuple(f"{i:02d}" + "X" * 100_000 for i in range(50))
    cycle(T0, (SETUP, "missed", 12), overdue_open=50, overdue_case_ids=huge)
    asyncio.run(pipeline.deliver_due(T0))
    text, html = text_and_html(settings)
    assert len(text.encode()) + len(html.encode()) < 20_000
    [overdue] = [line for line in text.splitlines() if "超期未办结" in line]
    assert overdue.strip().startswith("超期未办结：50 件（00XXX") and overdue.endswith(" 等）")
    assert "详情：http://monitor.test:9464/commitments/town2021.setup_days" in text


def test_a_mail_over_the_budget_cuts_long_items_then_lists_the_first_with_a_link_to_the_rest(
        cycle, pipeline, settings, monkeypatch):
    monkeypatch.setattr(alerts.mail_size, "MAX_MAIL_BYTES", 8_000)   # room for one item, not two
    cycle(T0, (SETUP, "missed", 12), (FIRMS, "missed", 500), overdue_open=1, overdue_case_ids=("A-1",))
    asyncio.run(pipeline.deliver_due(T0))
    [mail] = read_mails(settings.maildir)
    size = sum(len(part.get_content().encode()) for part in mail.walk() if not part.is_multipart())
    assert size <= 8_000 + len(mail["Subject"].encode())
    text = mail.get_body(("plain",)).get_content()
    assert "共 2 项，因邮件篇幅所限列出前 1 项，全部见 http://monitor.test:9464/agencies/town.market" in text
    assert "详情：http://monitor.test:9464/commitments/" in text   # the item shown still links its page
    assert "【营商环境承诺监测】区市场监管局：2项承诺未达标" == mail["Subject"]   # the subject still counts both


def test_the_default_budget_is_far_under_what_mail_servers_take():
    assert MAX_MAIL_BYTES * 4 // 3 < 10 * 1024 * 1024 // 2   # base64 adds a third; 10 MB is a common limit
