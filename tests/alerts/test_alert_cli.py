"""`monitor alerts`, `monitor notify --test`, `monitor preview`, `monitor silence` against a file store."""

from __future__ import annotations

import argparse

import pytest

from alerts.cli import add_alert_commands
from alerts.pipeline import AlertPipeline
from alerts.settings import AlertSettings
from monitor import migrations
from monitor.store import make_engine
from tests.alerts.alert_helpers import FIXTURES, SETUP, T0, Cycle, read_mails


@pytest.fixture
def monitor(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'monitor.db'}")
    monkeypatch.setenv("MONITOR_MAILDIR", str(tmp_path / "mail"))
    monkeypatch.delenv("MONITOR_SMTP_HOST", raising=False)
    parser = argparse.ArgumentParser(prog="monitor")
    def open_engine():
        engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
        migrations.upgrade(engine)
        return engine
    add_alert_commands(parser.add_subparsers(dest="command", required=True), open_engine)
    config = str(FIXTURES / "targets.yaml")

    def run(*argv: str) -> int:
        args = parser.parse_args(list(argv))
        if hasattr(args, "config"):
            args.config = config
        return args.func(args)
    return run


@pytest.fixture
def fired(tmp_path, monitor, catalogue):
    """The fixture commitment SETUP missed and firing in the CLI's database."""
    from monitor import migrations
    from monitor.store import Store, make_engine
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    migrations.upgrade(engine)
    pipeline = AlertPipeline(engine, AlertSettings(maildir=tmp_path / "unused"))
    Cycle(Store(engine), pipeline, catalogue)(T0, (SETUP, "missed", 2.5))
    engine.dispose()


def test_alerts_lists_what_is_firing(monitor, fired, capsys):
    assert monitor("alerts") == 0
    out = capsys.readouterr().out
    assert "firing" in out and SETUP in out and "critical" in out and "区市场监管局" in out


def test_alerts_says_so_when_nothing_fires(monitor, capsys):
    assert monitor("alerts") == 0
    assert "no alert is firing" in capsys.readouterr().out


def test_notify_test_sends_a_test_message_to_the_agency(monitor, tmp_path, capsys):
    assert monitor("notify", "--test", "town.data") == 0
    [mail] = read_mails(tmp_path / "mail")
    assert mail["To"] == "data@town.agencies.example, data2@town.agencies.example"
    assert mail["Subject"] == "【营商环境承诺监测】测试邮件：区大数据局"
    assert "sent" in capsys.readouterr().out


def test_notify_test_with_unknown_agency_lists_the_known_ones(monitor, capsys):
    assert monitor("notify", "--test", "town.nobody") == 1
    assert "town.market" in capsys.readouterr().err


def test_preview_renders_without_sending(monitor, fired, tmp_path, capsys):
    assert monitor("preview", SETUP) == 0
    out = capsys.readouterr().out
    assert "To: market@town.agencies.example" in out and "Cc: gov@town.agencies.example" in out
    assert "企业开办时间压缩至1个工作日以内" in out and "2.5个工作日" in out
    assert not (tmp_path / "mail").exists()


def test_preview_before_any_evaluation_says_what_to_do(monitor, capsys):
    assert monitor("preview", SETUP) == 1
    assert "monitor run" in capsys.readouterr().err


def test_silence_add_list_expire(monitor, capsys):
    assert monitor("silence", "add", "--agency", "town.market", "--until", "2h", "--comment", "迁移") == 0
    assert "silence #1" in capsys.readouterr().out
    assert monitor("silence", "list") == 0
    assert "agency=town.market" in capsys.readouterr().out
    assert monitor("silence", "expire", "1") == 0
    capsys.readouterr()
    assert monitor("silence", "list") == 0
    assert capsys.readouterr().out == ""


def test_silence_for_unknown_commitment_is_refused(monitor, capsys):
    assert monitor("silence", "add", "--commitment", "town2021.nope", "--until", "2h", "--comment", "x") == 1
    assert "unknown commitment" in capsys.readouterr().err
