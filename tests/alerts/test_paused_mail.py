"""The mail says how much suspended time was left out of the verdict, and for how many cases."""

from __future__ import annotations

import asyncio

from tests.alerts.alert_helpers import SETUP, T0, read_mails


def _text(pipeline, settings) -> str:
    asyncio.run(pipeline.deliver_due(T0))
    return read_mails(settings.maildir)[0].get_body(("plain",)).get_content()


def test_mail_says_how_much_suspended_time_was_left_out_in_the_promises_unit(cycle, pipeline, settings):
    cycle(T0, (SETUP, "missed", 2.5), paused_cases=12, paused_total=37.0)
    text = _text(pipeline, settings)
    assert "已扣除暂停计时：12件，共37个工作日" in text


def test_mail_says_nothing_of_suspended_time_when_none_was_left_out(cycle, pipeline, settings):
    cycle(T0, (SETUP, "missed", 2.5), paused_cases=0, paused_total=0.0)
    assert "暂停计时" not in _text(pipeline, settings)
