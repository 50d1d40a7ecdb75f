"""The upload page reached by a signed link: a good report lands in the agency's folder and is answered at once;
forged or expired links, forms from elsewhere, stale CSRF tokens, floods, oversize and non-spreadsheet files
get a Chinese answer and change nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.service.signed_links import LinkSigner
from monitor.service.uploads import RateLimit, UploadDesk, upload_link
from monitor.service.web import build_app
from tests.pages.conftest import Client, FakeBackend
from tests.reports.helpers import NOW, PERIOD, catalogue_in, fill, template
from tests.reports.test_intake import good_gov_report

SECRET = "a-test-secret-of-enough-length"
SITE = "http://monitor.example"


@dataclass
class Backend(FakeBackend):
    uploads: UploadDesk | None = None


def site(tmp_path, limit: int = 10, signer: LinkSigner | None = None):
    catalogue = catalogue_in(tmp_path)
    signer = signer or LinkSigner(SECRET)
    desk = UploadDesk(signer, lambda: catalogue, lambda: NOW, SITE, RateLimit(limit=limit))
    client = Client(build_app(Backend(catalogue, {}, uploads=desk)))
    path = upload_link(signer, SITE, "town.gov", PERIOD).removeprefix(SITE)
    return catalogue, client, path


def csrf_of(client, path) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)[1]  # type: ignore[index]


def post(client, path, content: bytes, name="report.xlsx", csrf=None, origin=SITE):
    headers = {"origin": origin} if origin else {}
    return client.post(path, data={"csrf": csrf if csrf is not None else csrf_of(client, path)},
                       files={"report": (name, content)}, headers=headers)


def folder_files(tmp_path):
    folder = tmp_path / "reports" / "town.gov"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_the_page_shows_the_agency_period_and_its_commitments_and_gives_the_template(tmp_path):
    _, client, path = site(tmp_path)
    page = client.get(path)
    assert page.status_code == 200 and "区政务服务中心 · 2026-11 进展填报" in page.text
    assert "政务服务事项网上可办率" in page.text and "2026-12-10" in page.text
    xlsx = client.get(path + "/template")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")


def test_a_good_report_is_written_to_the_agencys_folder_and_answered_at_once(tmp_path):
    catalogue, client, path = site(tmp_path)
    answer = post(client, path, good_gov_report(catalogue))
    assert answer.status_code == 200 and "核验通过" in answer.text
    (stored,) = folder_files(tmp_path)
    assert stored.startswith("upload-2026-11-") and stored.endswith(".xlsx")


def test_a_report_with_mistakes_is_answered_with_every_problem_and_still_filed_for_its_receipt(tmp_path):
    catalogue, client, path = site(tmp_path)
    answer = post(client, path, fill(template(catalogue, "town.gov"), {4: ("约30", "下周一"), 5: (1, datetime(2026, 11, 30))}))
    assert answer.status_code == 422
    assert "第4行「本期数值」：&#39;约30&#39; 不是数字" in answer.text and "2个问题" in answer.text
    assert len(folder_files(tmp_path)) == 1


def test_bad_uploads_get_a_chinese_answer_and_change_nothing(tmp_path):
    catalogue, client, path = site(tmp_path)
    good = good_gov_report(catalogue)
    forged = path[:-3] + ("x" if path[-3] != "x" else "y") + path[-2:]
    assert client.get(forged).status_code == 403 and "链接无效" in client.get(forged).text
    assert post(client, path, good, csrf="not-a-token").status_code == 403
    refused = post(client, path, good, origin="http://evil.example")
    assert refused.status_code == 403 and "其他网站" in refused.text
    assert post(client, path, b"%PDF-1.7 not a sheet", name="report.pdf").status_code == 415
    assert post(client, path, b"%PDF-1.7 disguised", name="report.xlsx").status_code == 415
    too_big = post(client, path, b"PK\x03\x04" + b"0" * 5_100_000)
    assert too_big.status_code == 413 and "文件过大" in too_big.text
    assert folder_files(tmp_path) == []


def test_an_expired_link_says_so(tmp_path):
    _, client, path = site(tmp_path, signer=LinkSigner(SECRET, validity=timedelta(seconds=-1)))
    page = client.get(path)
    assert page.status_code == 403 and "已过期" in page.text


def test_a_csrf_token_of_another_agencys_link_is_refused(tmp_path):
    catalogue, client, path = site(tmp_path)
    other = upload_link(LinkSigner(SECRET), SITE, "town.market", PERIOD).removeprefix(SITE)
    assert post(client, path, good_gov_report(catalogue), csrf=csrf_of(client, other)).status_code == 403
    assert folder_files(tmp_path) == []


def test_uploads_are_rate_limited(tmp_path):
    catalogue, client, path = site(tmp_path, limit=2)
    good = good_gov_report(catalogue)
    assert [post(client, path, good).status_code for _ in range(3)] == [200, 200, 429]
    assert len(folder_files(tmp_path)) == 2
