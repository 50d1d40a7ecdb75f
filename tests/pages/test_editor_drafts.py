"""Drafts stay off the public pages and the API; the editors' view lists them with their sentence,
from loopback or with the admin token."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from monitor.loader import load_catalogue
from monitor.service.web import build_app
from tests.pages.conftest import FIXTURES, Client, FakeBackend

DRAFT = """\
  - id: town2021.c2_3_total
    document: town2021
    clause: "（二）3."
    quote: "全年新增市场主体1800家"
    measured: {zh: 草稿专用的新增主体, en: ""}
    kind: cumulative
    op: ">="
    value: 1800
    unit: 家
    deadline: 2021-12-31
    agency: town.market
    status: draft
    todo: ["选定数据源：填写 measure（feed 与 series），否则不能监测"]
"""


@pytest.fixture
def with_draft(tmp_path: Path, board) -> FakeBackend:
    shutil.copy(FIXTURES / "seed.txt", tmp_path / "seed.txt")
    text = (FIXTURES / "targets.yaml").read_text(encoding="utf-8")
    at = text.index("commitments:\n") + len("commitments:\n")
    (tmp_path / "targets.yaml").write_text(text[:at] + DRAFT + text[at:], encoding="utf-8")
    return FakeBackend(load_catalogue(tmp_path / "targets.yaml"), board)


def test_a_draft_is_on_no_public_page_and_in_no_api_answer(with_draft: FakeBackend):
    client = Client(build_app(with_draft))
    for path in ("/", "/agencies/town.market", "/documents/town2021", "/api/v1/commitments",
                 "/api/v1/agencies/town.market", "/api/v1/documents/town2021"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert "草稿专用的新增主体" not in answer.text and "c2_3_total" not in answer.text, path
    assert client.get("/commitments/town2021.c2_3_total").status_code == 404
    assert client.get("/api/v1/commitments/town2021.c2_3_total").status_code == 404


def test_the_editors_view_lists_drafts_with_their_sentence_and_checklist(with_draft: FakeBackend):
    client = Client(build_app(with_draft, admin_token="s3cret"))
    token = {"Authorization": "Bearer s3cret"}
    page = client.get("/editor/drafts", headers=token)
    assert page.status_code == 200
    assert "town2021.c2_3_total" in page.text and "（二）3.<mark>全年新增市场主体1800家</mark>。" in page.text
    assert "选定数据源" in page.text
    [row] = client.get("/editor/drafts?format=json", headers=token).json()["drafts"]
    assert row["sentence"] == {"before": "（二）3.", "quote": "全年新增市场主体1800家", "after": "。"}


def test_the_editors_view_needs_the_admin_token_when_one_is_set(with_draft: FakeBackend):
    client = Client(build_app(with_draft, admin_token="s3cret"))
    assert client.get("/editor/drafts").status_code == 401
    assert client.get("/editor/drafts", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/editor/drafts", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_the_editors_view_refuses_a_caller_from_elsewhere_without_a_token(with_draft: FakeBackend):
    import asyncio

    import httpx

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=build_app(with_draft), client=("203.0.113.7", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://pages.test") as client:
            return await client.get("/editor/drafts")
    answer = asyncio.run(get())
    assert answer.status_code == 403 and "town2021" not in answer.text
