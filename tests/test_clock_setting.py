"""MONITOR_CLOCK_START / MONITOR_CLOCK_ANCHOR: a daemon runs at an instant its operator (or a test) chooses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from monitor.service.settings import Settings, clock_from

START = datetime(2027, 2, 10, 10, 0, tzinfo=timezone(timedelta(hours=8)))


def test_without_a_start_the_clock_is_the_machines():
    before = datetime.now(UTC)
    assert before <= clock_from(None)() <= datetime.now(UTC)


def test_a_started_clock_reads_its_start_and_then_advances_at_real_speed():
    clock = clock_from(START)
    first, second = clock(), clock()
    assert timedelta(0) <= first - START < timedelta(seconds=5) and second >= first


def test_two_clocks_on_one_anchor_share_one_timeline():
    anchor = datetime.now(UTC) - timedelta(hours=1)    # the first process started an hour ago
    early, late = clock_from(START, anchor), clock_from(START, anchor)
    assert abs(early() - late()) < timedelta(seconds=1)
    assert timedelta(minutes=59) < early() - START < timedelta(minutes=61)


def test_the_settings_read_both_from_the_environment(monkeypatch):
    monkeypatch.setenv("MONITOR_CLOCK_START", "2028-02-29T09:00:00+08:00")
    monkeypatch.setenv("MONITOR_CLOCK_ANCHOR", datetime.now(UTC).isoformat())
    now = Settings().clock()()
    assert now.astimezone(timezone(timedelta(hours=8))).date().isoformat() == "2028-02-29"
