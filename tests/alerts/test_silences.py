"""Silences and maintenance windows: muted alerts are recorded, not sent; told once the mute ends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from alerts.pipeline import AlertPipeline
from alerts.silences import add_silence, expire_silence, in_window
from alerts.tables import SILENCED, Notification
from monitor.spec.alerting import MaintenanceWindowSpec
from tests.alerts.alert_helpers import FIRMS, SETUP, T0, Cycle, load_fixture_catalogue, minutes, read_mails


def notifications(engine) -> list[Notification]:
    with Session(engine) as session:
        return list(session.exec(select(Notification).order_by(col(Notification.id))).all())


def test_silenced_agency_alert_is_recorded_not_sent_and_told_after_expiry(cycle, pipeline, engine, settings):
    with Session(engine) as session:
        silence = add_silence(session, T0, T0 + timedelta(hours=2), "系统迁移", agency="town.market")
    assert silence.id is not None
    cycle(T0, (SETUP, "missed", 2.5))
    asyncio.run(pipeline.deliver_due(T0))
    assert read_mails(settings.maildir) == []
    [row] = notifications(engine)
    assert row.last_error is not None
    assert row.state == SILENCED and f"silence #{silence.id}" in row.last_error and "系统迁移" in row.last_error
    cycle(T0 + minutes(1), (SETUP, "missed", 2.6))       # still muted: not recorded again
    assert len(notifications(engine)) == 1
    with Session(engine) as session:
        expire_silence(session, silence.id, T0 + minutes(2))
    cycle(T0 + minutes(3), (SETUP, "missed", 2.7))
    asyncio.run(pipeline.deliver_due(T0 + minutes(3)))
    [mail] = read_mails(settings.maildir)
    assert "未达标" in mail["Subject"] and "2.7个工作日" in mail.get_body(("plain",)).get_content()


def test_silence_on_one_commitment_leaves_the_others_of_the_agency_alone(cycle, pipeline, engine, settings):
    with Session(engine) as session:
        add_silence(session, T0, T0 + timedelta(hours=2), "数据核对中", commitment=SETUP)
    cycle(T0, (SETUP, "missed", 2.5), (FIRMS, "at_risk", 500))
    asyncio.run(pipeline.deliver_due(T0))
    [mail] = read_mails(settings.maildir)
    assert mail["Subject"] == "【营商环境承诺监测】区市场监管局：1项承诺有风险"
    assert "企业开办时间压缩" not in mail.get_body(("plain",)).get_content()
    assert [n.state for n in notifications(engine)] == ["sent", "silenced"]


def test_maintenance_window_in_targets_mutes_alerts_in_its_own_time_zone(store, engine, settings):
    # T0 is 10:00 in Shanghai on a Tuesday; the window is Tuesdays 09:00-11:00 Shanghai time.
    window = {"name": "周二维护", "days": ["tue"], "start": "09:00", "end": "11:00", "timezone": "Asia/Shanghai"}
    catalogue = load_fixture_catalogue(maintenance=[window])
    pipeline = AlertPipeline(engine, settings)
    cycle = Cycle(store, pipeline, catalogue)
    cycle(T0, (SETUP, "missed", 2.5))
    asyncio.run(pipeline.deliver_due(T0))
    assert read_mails(settings.maildir) == []
    held = notifications(engine)[0].last_error
    assert held is not None and "周二维护" in held
    cycle(T0 + minutes(61), (SETUP, "missed", 2.5))     # 11:01 Shanghai: window closed
    asyncio.run(pipeline.deliver_due(T0 + minutes(61)))
    assert len(read_mails(settings.maildir)) == 1


def test_window_past_midnight_counts_from_the_day_it_starts():
    window = MaintenanceWindowSpec(name="夜间", days=["sat"], start="22:00", end="06:00", timezone="Asia/Shanghai")
    shanghai_sunday_0300 = datetime(2026, 5, 2, 19, 0, tzinfo=UTC)     # Sun 03:00 +08:00
    shanghai_sunday_2300 = datetime(2026, 5, 3, 15, 0, tzinfo=UTC)     # Sun 23:00 +08:00
    assert in_window(window, shanghai_sunday_0300)
    assert not in_window(window, shanghai_sunday_2300)


def test_window_follows_daylight_saving_in_zones_that_have_it():
    window = MaintenanceWindowSpec(name="berlin", days=["mon"], start="09:00", end="10:00", timezone="Europe/Berlin")
    assert in_window(window, datetime(2026, 1, 5, 8, 30, tzinfo=UTC))    # CET: 09:30
    assert in_window(window, datetime(2026, 7, 6, 7, 30, tzinfo=UTC))    # CEST: 09:30
    assert not in_window(window, datetime(2026, 7, 6, 8, 30, tzinfo=UTC))


def test_an_expired_silence_releases_the_held_alert_at_the_next_delivery_without_a_new_cycle(
        cycle, pipeline, engine, settings):
    with Session(engine) as session:
        silence = add_silence(session, T0, T0 + timedelta(hours=2), "系统迁移", agency="town.market")
    assert silence.id is not None
    cycle(T0, (SETUP, "missed", 2.5))
    asyncio.run(pipeline.deliver_due(T0 + minutes(1)))
    assert read_mails(settings.maildir) == []
    with Session(engine) as session:
        expire_silence(session, silence.id, T0 + minutes(2))
    asyncio.run(pipeline.deliver_due(T0 + minutes(3)))   # no evaluation since: what mutes changed
    [mail] = read_mails(settings.maildir)
    assert "未达标" in mail["Subject"] and "2.5个工作日" in mail.get_body(("plain",)).get_content()
