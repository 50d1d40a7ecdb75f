"""A dispute end to end, in process: the alert mail's link, the form, a file, the stored dispute, the
commitment page, the operators' mail, `monitor disputes list/resolve`, the reply mail and the page."""

from __future__ import annotations

import asyncio
import os
import re
import stat
from datetime import timedelta

from sqlmodel import Session, select

from alerts.pipeline import AlertPipeline
from monitor.disputes import Dispute
from monitor.service.cli import main
from monitor.service.disputes.desk import dispute_token
from tests.disputes.dispute_helpers import (
    ALERT_FIXTURES,
    ONLINE,
    OPS,
    PDF,
    SECRET,
    SETUP,
    SITE,
    T0,
    form_path,
    open_form,
    post,
    read_mails,
    text_of,
    verdict,
)

MARKET = "market@town.agencies.example"


def deliver(pipeline: AlertPipeline, at) -> int:
    return asyncio.run(pipeline.deliver_due(at))


def test_a_dispute_filed_through_the_mail_link_reaches_the_operators_and_its_answer_the_agency_and_the_page(
        engine, store, catalogue, board, signer, alert_settings, client, desk, database, monkeypatch, capsys):
    # the alert mail to the lead agency carries a signed dispute link per item
    pipeline = AlertPipeline(engine, alert_settings, dispute_token=dispute_token(signer))
    store.save_evaluations([board[SETUP]])
    pipeline.process(catalogue, [board[SETUP]], T0)
    assert deliver(pipeline, T0) == 1
    [alert] = read_mails(alert_settings.maildir)
    assert alert["To"] == MARKET
    found = re.search(r"对结论有异议：(\S+)", text_of(alert))
    assert found and found.group(1).startswith(f"{SITE}/disputes/new?token=")
    assert found.group(1) in alert.get_body(("html",)).get_content()
    grant = signer.verify(found.group(1).split("token=")[1], "dispute")
    assert (grant.agency, grant.subject) == ("town.market", SETUP)

    # the link opens a Chinese form about that commitment
    page, token, csrf = open_form(client, form_path(found.group(1)))
    assert "对结论有异议" in page.text and "企业开办时间" in page.text and "区市场监管局" in page.text
    assert "统计案件数" in page.text and "19 件" in page.text

    # the agency posts it with a file
    reason = "我局系统记录本季度企业开办平均0.8个工作日，\n监测所用数据漏计了5月的12件。"
    filed = post(client, token, csrf, figure="actual", reason=reason, file=("办件统计.pdf", PDF))
    assert filed.status_code == 200, filed.text
    assert "已收到贵单位的异议（编号 1）" in filed.text

    with Session(engine) as session:
        [row] = session.exec(select(Dispute)).all()
    assert (row.commitment, row.agency, row.figure, row.state) == (SETUP, "town.market", "actual", "open")
    assert row.reason == reason.strip() and row.evidence_name == "办件统计.pdf"
    assert (row.verdict_status, row.verdict_actual) == ("missed", 2.5)
    kept = desk.evidence_dir / row.evidence_file
    assert kept.read_bytes() == PDF and kept.parent.parent == desk.evidence_dir.parent   # beside the database
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600

    # the commitment page shows it, with the agency's words; the file itself is not served
    shown = client.get(f"/commitments/{SETUP}").text
    assert "有异议·处理中" in shown and "漏计了5月的12件" in shown and "区市场监管局" in shown
    assert row.evidence_file not in shown
    assert client.get(f"/dispute-evidence/{row.evidence_file}").status_code == 404

    # the operators are mailed through the outbox
    assert deliver(pipeline, T0 + timedelta(hours=1)) == 1
    to_ops = read_mails(alert_settings.maildir)[-1]
    assert to_ops["To"] == OPS and "异议" in to_ops["Subject"] and "区市场监管局" in to_ops["Subject"]
    assert "漏计了5月的12件" in text_of(to_ops) and "monitor disputes resolve 1" in text_of(to_ops)
    assert "办件统计.pdf" in text_of(to_ops)

    # the operators list and answer it on the command line
    for name, value in {"MONITOR_DATABASE_URL": database, "MONITOR_LINK_SECRET": SECRET, "MONITOR_PUBLIC_URL": SITE,
                        "MONITOR_CLOCK_START": "2021-06-01T06:00:00+00:00"}.items():
        monkeypatch.setenv(name, value)
    config = str(ALERT_FIXTURES / "targets.yaml")
    assert main(["disputes", "list", "--config", config]) == 0
    listed = capsys.readouterr().out
    assert "#1" in listed and SETUP in listed and "区市场监管局" in listed and "[附件]" in listed
    assert main(["disputes", "show", "1", "--config", config]) == 0
    detail = capsys.readouterr().out
    assert str(kept) in detail and "未达标" in detail and "漏计了5月的12件" in detail
    reply = "经核实，5月漏计的12件已补录，重新评估后结论以页面为准。"
    assert main(["disputes", "resolve", "1", "--reply", reply, "--config", config]) == 0
    assert "已答复" in capsys.readouterr().out
    assert main(["disputes", "resolve", "1", "--reply", "again", "--config", config]) == 1   # answered once only

    assert deliver(pipeline, T0 + timedelta(hours=5)) == 1
    answer = read_mails(alert_settings.maildir)[-1]
    assert answer["To"] == MARKET and answer["Cc"] == OPS and "异议答复" in answer["Subject"]
    assert reply in text_of(answer) and "漏计了5月的12件" in text_of(answer)
    shown = client.get(f"/commitments/{SETUP}").text
    assert "有异议·处理中" not in shown and "异议已答复" in shown and reply in shown
    assert main(["disputes", "list", "--config", config]) == 0
    assert "没有待处理的异议" in capsys.readouterr().out


def test_operators_mails_carry_no_dispute_link_and_agency_mails_one_per_item(engine, store, catalogue, signer,
                                                                            alert_settings):
    pipeline = AlertPipeline(engine, alert_settings, dispute_token=dispute_token(signer))
    evaluations = [verdict(SETUP, "missed", 2.5), verdict(ONLINE, "no_data", None)]
    store.save_evaluations(evaluations)
    pipeline.process(catalogue, evaluations, T0)
    deliver(pipeline, T0)
    mails = {m["To"]: text_of(m) for m in read_mails(alert_settings.maildir)}
    assert mails[MARKET].count("对结论有异议：") == 1
    assert "对结论有异议" not in mails[OPS]   # data problems go to the operators, who do not dispute


def test_the_cli_prints_a_fresh_link_for_the_lead_or_a_co_agency_only(database, engine, signer, monkeypatch, capsys):
    monkeypatch.setenv("MONITOR_DATABASE_URL", database)
    monkeypatch.setenv("MONITOR_LINK_SECRET", SECRET)
    monkeypatch.setenv("MONITOR_PUBLIC_URL", SITE)
    config = str(ALERT_FIXTURES / "targets.yaml")
    assert main(["disputes", "link", SETUP, "--config", config]) == 0
    link = capsys.readouterr().out.strip()
    assert signer.verify(link.split("token=")[1], "dispute").agency == "town.market"
    assert main(["disputes", "link", SETUP, "--agency", "town.gov_service", "--config", config]) == 0
    assert main(["disputes", "link", SETUP, "--agency", "town.data", "--config", config]) == 1
    assert "town.market" in capsys.readouterr().err

