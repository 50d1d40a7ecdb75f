"""Bad input to the dispute form gets a clear Chinese answer and changes nothing: no dispute stored,
no file kept, no mail queued."""

from __future__ import annotations

import time
from datetime import timedelta

import itsdangerous.timed
import pytest
from sqlmodel import Session, select

from alerts.tables import Notification
from monitor.disputes import Dispute
from monitor.service.disputes.evidence import MAX_BYTES
from monitor.service.web import build_app
from tests.disputes.dispute_helpers import OPS, PDF, SETUP, Backend, Browser, make_desk, open_form, post

REASON = "系统漏计了12件"


def nothing_changed(engine, desk) -> bool:
    with Session(engine) as session:
        stored = session.exec(select(Dispute)).all()
        mails = session.exec(select(Notification)).all()
    kept = list(desk.evidence_dir.glob("*")) if desk.evidence_dir.exists() else []
    return not stored and not mails and not kept


def test_a_forged_link_is_refused_with_403_saying_whom_to_ask(client, desk, signer, engine):
    token = signer.token("dispute", "town.market", SETUP)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    page = client.get(f"/disputes/new?token={forged}")
    assert page.status_code == 403
    assert "链接无效" in page.text and OPS in page.text and "索取新链接" in page.text and "过期" not in page.text
    _, good, csrf = open_form(client, f"/disputes/new?token={token}")
    refused = post(client, forged, csrf, reason=REASON)
    assert refused.status_code == 403 and "链接无效" in refused.text
    assert nothing_changed(engine, desk)


def test_links_of_another_purpose_or_for_an_agency_not_on_the_commitment_are_refused(client, signer):
    assert client.get(f"/disputes/new?token={signer.token('upload', 'town.market', SETUP)}").status_code == 403
    assert client.get(f"/disputes/new?token={signer.token('dispute', 'town.data', SETUP)}").status_code == 403
    assert client.get(f"/disputes/new?token={signer.token('dispute', 'town.market', 'no.such')}").status_code == 403
    assert client.get("/disputes/new").status_code == 403


def test_an_expired_link_is_refused_as_expired_with_its_validity_and_whom_to_ask(client, desk, signer, engine,
                                                                               monkeypatch):
    with monkeypatch.context() as m:   # a link sent 31 days ago (links live 30 days)
        sent = int(time.time() - timedelta(days=31).total_seconds())
        m.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: sent)
        old = signer.token("dispute", "town.market", SETUP)
    page = client.get(f"/disputes/new?token={old}")
    assert page.status_code == 403
    assert "链接已过期" in page.text and "30 天内有效" in page.text and OPS in page.text
    assert "最近一封告警邮件" in page.text
    _, _, csrf = open_form(client, f"/disputes/new?token={signer.token('dispute', 'town.market', SETUP)}")
    assert post(client, old, csrf, reason=REASON).status_code == 403
    assert nothing_changed(engine, desk)


def test_an_empty_form_is_shown_again_with_every_problem(client, desk, signer, engine):
    _, token, csrf = open_form(client, f"/disputes/new?token={signer.token('dispute', 'town.market', SETUP)}")
    refused = post(client, token, csrf, figure="", reason="   ")
    assert refused.status_code == 400
    assert "请选择有异议的数字" in refused.text and "请填写异议理由" in refused.text and "未保存任何内容" in refused.text
    assert 'name="csrf"' in refused.text   # the form again, ready to correct
    assert nothing_changed(engine, desk)


def test_a_bad_link_as_evidence_is_refused_and_the_text_kept_in_the_form(client, desk, signer, engine):
    _, token, csrf = open_form(client, f"/disputes/new?token={signer.token('dispute', 'town.market', SETUP)}")
    refused = post(client, token, csrf, reason=REASON, link="javascript:alert(1)")
    assert refused.status_code == 400 and "http:// 或 https://" in refused.text and REASON in refused.text
    assert nothing_changed(engine, desk)


def test_a_file_over_10_mb_is_refused_and_nothing_kept(client, desk, signer, engine):
    _, token, csrf = open_form(client, f"/disputes/new?token={signer.token('dispute', 'town.market', SETUP)}")
    just_over = PDF + b"0" * (MAX_BYTES + 1 - len(PDF))
    refused = post(client, token, csrf, reason=REASON, file=("scan.pdf", just_over))
    assert refused.status_code == 400 and "超过 10 MB 的上限" in refused.text
    far_over = PDF + b"0" * (MAX_BYTES + 512 * 1024)
    refused = post(client, token, csrf, reason=REASON, file=("scan.pdf", far_over))
    assert refused.status_code == 413 and "超过 10 MB 上限" in refused.text   # refused before it is read
    assert nothing_changed(engine, desk)
    exactly = PDF + b"0" * (MAX_BYTES - len(PDF))
    assert post(client, token, csrf, reason=REASON, file=("scan.pdf", exactly)).status_code == 200


@pytest.mark.parametrize("name, data, says", [
    ("evidence.zip", b"PK\x03\x04" + b"\x00" * 40, "不接受“.zip”"),
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "不接受“.exe”"),
    ("page.html", b"<html><script>alert(1)</script></html>", "不接受“.html”"),
    ("renamed.pdf", b"MZ\x90\x00" + b"\x00" * 60, "内容与扩展名“.pdf”不符"),
    ("photo.png", PDF, "内容与扩展名“.png”不符"),
])
def test_a_file_of_a_refused_type_or_whose_content_belies_its_name_is_refused(client, desk, signer, engine,
                                                                            name, data, says):
    _, token, csrf = open_form(client, f"/disputes/new?token={signer.token('dispute', 'town.market', SETUP)}")
    refused = post(client, token, csrf, reason=REASON, file=(name, data))
    assert refused.status_code == 400 and says in refused.text
    assert nothing_changed(engine, desk)


def test_a_form_posted_from_another_site_is_refused(client, desk, signer, engine):
    _, token, csrf = open_form(client, f"/disputes/new?token={signer.token('dispute', 'town.market', SETUP)}")
    refused = post(client, token, csrf, reason=REASON, origin="https://evil.example")
    assert refused.status_code == 403 and "来源不符" in refused.text
    refused = post(client, token, csrf, reason=REASON, origin=None, headers={"Referer": "https://evil.example/x"})
    assert refused.status_code == 403 and "来源不符" in refused.text
    assert nothing_changed(engine, desk)


def test_a_form_without_the_browsers_cookie_or_with_another_links_token_is_refused(client, desk, signer, engine,
                                                                                 backend):
    _, token, csrf = open_form(client, f"/disputes/new?token={signer.token('dispute', 'town.market', SETUP)}")
    _, _, other_csrf = open_form(client, f"/disputes/new?token={signer.token('dispute', 'town.market', 'town2021.new_firms')}")
    refused = post(client, token, other_csrf, reason=REASON)
    assert refused.status_code == 403 and "表单已失效" in refused.text
    client.cookies.clear()   # a page on another site posting with the link it learnt: no cookie of ours
    refused = post(client, token, csrf, reason=REASON)
    assert refused.status_code == 403 and "表单已失效" in refused.text
    assert nothing_changed(engine, desk)


def test_a_flood_from_one_address_is_refused_with_429_and_retry_after(engine, signer, catalogue, board, tmp_path,
                                                                    alert_settings):
    desk = make_desk(engine, signer, catalogue, board, tmp_path / "evidence", alert_settings, ip_rate="3/minute")
    client = Browser(build_app(Backend(catalogue, board, desk)))
    _, token, csrf = open_form(client, f"/disputes/new?token={signer.token('dispute', 'town.market', SETUP)}")
    answers = [post(client, token, csrf, figure="", reason="").status_code for _ in range(3)]
    assert answers == [400, 400, 400]
    flooded = post(client, token, csrf, reason=REASON)
    assert flooded.status_code == 429 and "提交过于频繁" in flooded.text and int(flooded.headers["Retry-After"]) > 0
    assert nothing_changed(engine, desk)


def test_a_flood_of_disputes_from_one_agency_is_refused_after_its_limit(engine, signer, catalogue, board, tmp_path,
                                                                       alert_settings):
    desk = make_desk(engine, signer, catalogue, board, tmp_path / "evidence", alert_settings, agency_rate="2/hour")
    client = Browser(build_app(Backend(catalogue, board, desk)))
    _, token, csrf = open_form(client, f"/disputes/new?token={signer.token('dispute', 'town.market', SETUP)}")
    assert [post(client, token, csrf, reason=REASON).status_code for _ in range(2)] == [200, 200]
    flooded = post(client, token, csrf, reason=REASON)
    assert flooded.status_code == 429 and "贵单位近期提交的异议过多" in flooded.text
    with Session(engine) as session:
        assert len(session.exec(select(Dispute)).all()) == 2


def test_the_agencys_words_are_shown_on_the_page_as_text_not_markup(client, signer):
    _, token, csrf = open_form(client, f"/disputes/new?token={signer.token('dispute', 'town.market', SETUP)}")
    assert post(client, token, csrf, reason='数字不对<script>alert("x")</script>').status_code == 200
    page = client.get(f"/commitments/{SETUP}").text
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
