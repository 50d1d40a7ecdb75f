"""Messages: HTML escaped, text not; templates overridable from a folder; a broken template is a
permanent failure recorded at once; paced targets show the expected-to-date value."""

from __future__ import annotations

import asyncio

from sqlmodel import Session, select

from alerts.pipeline import AlertPipeline
from alerts.render import TEMPLATES
from alerts.tables import FAILED, Notification
from tests.alerts.alert_helpers import FIRMS, ONLINE, SETUP, T0, Cycle, load_fixture_catalogue, read_mails


def test_html_part_escapes_what_the_text_part_shows_verbatim(store, pipeline, settings):
    catalogue = load_fixture_catalogue(contact={"name": "<script>alert(1)</script> & more"})   # on every mail
    Cycle(store, pipeline, catalogue)(T0, (SETUP, "no_data", None))
    asyncio.run(pipeline.deliver_due(T0))
    [mail] = read_mails(settings.maildir)
    assert "<script>alert(1)</script> & more" in mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html and "<script>" not in html


def test_paced_target_shows_the_expected_to_date_value_and_deadline(cycle, pipeline, settings):
    cycle(T0, (FIRMS, "at_risk", 500), expected=750.0)
    asyncio.run(pipeline.deliver_due(T0))
    text = read_mails(settings.maildir)[0].get_body(("plain",)).get_content()
    assert "按进度应达：750家" in text and "期限 2021-12-31" in text


def test_agencies_are_not_shown_the_evaluator_s_english_reason(cycle, pipeline, settings):
    cycle(T0, (SETUP, "missed", 2.5), reason="the latest value breaks the promise")
    asyncio.run(pipeline.deliver_due(T0))
    assert "breaks the promise" not in read_mails(settings.maildir)[0].get_body(("plain",)).get_content()


def test_trend_lists_recent_evaluations_oldest_first(cycle, pipeline, settings):
    from datetime import timedelta
    for minute, value in enumerate((0.5, 0.9)):
        cycle(T0 + timedelta(minutes=minute), (SETUP, "met", value))
    cycle(T0 + timedelta(minutes=2), (SETUP, "missed", 2.5))
    asyncio.run(pipeline.deliver_due(T0 + timedelta(minutes=2)))
    text = read_mails(settings.maildir)[0].get_body(("plain",)).get_content()
    assert ("近期评估：2021-06-01 10:00 0.5个工作日（达标）；2021-06-01 10:01 0.9个工作日（达标）；"
            "2021-06-01 10:02 2.5个工作日（未达标）") in text


def test_templates_folder_in_settings_overrides_one_file(tmp_path, store, engine, catalogue, settings):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "alert.subject.j2").write_text("自定义：{{ receiver_name }}", encoding="utf-8")
    pipeline = AlertPipeline(engine, settings.model_copy(update={"templates_dir": folder}))
    Cycle(store, pipeline, catalogue)(T0, (SETUP, "missed", 2.5))
    asyncio.run(pipeline.deliver_due(T0))
    [mail] = read_mails(settings.maildir)
    assert mail["Subject"] == "自定义：区市场监管局"
    assert "企业开办时间压缩至1个工作日以内" in mail.get_body(("plain",)).get_content()   # the rest is built in


def test_broken_template_is_a_permanent_failure_recorded_when_queued(tmp_path, store, engine, catalogue, settings):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "alert.txt.j2").write_text("{{ no_such_variable }}", encoding="utf-8")
    pipeline = AlertPipeline(engine, settings.model_copy(update={"templates_dir": folder}))
    Cycle(store, pipeline, catalogue)(T0, (SETUP, "missed", 2.5))
    with Session(engine) as session:
        [row] = session.exec(select(Notification)).all()
    assert row.last_error is not None
    assert row.state == FAILED and "no_such_variable" in row.last_error
    assert pipeline.stats()["failed"] == {"email": 1}   # given up on, though never claimed by the outbox
    asyncio.run(pipeline.deliver_due(T0))
    assert read_mails(settings.maildir) == []


def test_every_template_has_subject_text_and_html():
    names = {p.name.split(".")[0] for p in TEMPLATES.glob("*.j2") if not p.name.startswith("_")}
    for name in names:
        assert {f"{name}.{part}.j2" for part in ("subject", "txt", "html")} <= {p.name for p in TEMPLATES.glob("*.j2")}


def test_a_hedged_promise_says_how_its_text_was_read_in_both_parts(store, pipeline, catalogue, settings):
    import dataclasses
    from types import MappingProxyType

    from tests.alerts.alert_helpers import Cycle
    hedged = dataclasses.replace(catalogue.commitments[SETUP], hedge="原则上")
    catalogue = dataclasses.replace(catalogue, commitments=MappingProxyType({**catalogue.commitments, SETUP: hedged}))
    Cycle(store, pipeline, catalogue)(T0, (SETUP, "missed", 2.5))
    asyncio.run(pipeline.deliver_due(T0))
    mail = read_mails(settings.maildir)[0]
    text = mail.get_body(("plain",)).get_content()
    assert "评估口径：原文为'原则上'，按原文数值评估\n" in text
    assert "（常态化要求）\n  评估口径" in text and "评估口径：原文为'原则上'，按原文数值评估\n  当前实际" in text
    assert "原文为&#39;原则上&#39;，按原文数值评估" in mail.get_body(("html",)).get_content()


def test_an_unhedged_promise_has_no_reading_line(cycle, pipeline, settings):
    cycle(T0, (SETUP, "missed", 2.5))
    asyncio.run(pipeline.deliver_due(T0))
    text = read_mails(settings.maildir)[0].get_body(("plain",)).get_content()
    assert "评估口径" not in text and "（常态化要求）\n  当前实际" in text


def test_a_promise_kept_only_after_its_deadline_says_when_in_the_mail(cycle, pipeline, settings):
    from monitor.evaluate import LATE_NOTE
    cycle(T0, (ONLINE, "missed", 60), reason=f"the latest value, 60 %, breaks the promise (settled on 2021-05-31)"
                                            f"{LATE_NOTE}2021-06-01 00:30达到100%（迟于截止日30分钟）")
    asyncio.run(pipeline.deliver_due(T0))
    mail = read_mails(settings.maildir)[0]
    text = mail.get_body(("plain",)).get_content()
    assert "当前实际：60%\n  逾期达成：截止日后于2021-06-01 00:30达到100%（迟于截止日30分钟）\n" in text
    assert "settled on" not in text
    assert "2021-06-01 00:30达到100%" in mail.get_body(("html",)).get_content()
