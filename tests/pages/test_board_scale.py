"""The board and the list API on a catalogue of thousands: a summary by jurisdiction that drills
down to documents and to a paged list, and API pages chained by an opaque cursor. Every list is a
page, so what a request returns does not grow with the catalogue."""

from __future__ import annotations

import importlib.util
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.service.pages import views
from monitor.service.web import build_app
from tests.pages.conftest import Client, FakeBackend

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
BENCH = Path(__file__).resolve().parents[2] / "bench" / "synthetic.py"


def _synthetic():
    spec = importlib.util.spec_from_file_location("bench_synthetic", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def large():
    synthetic = _synthetic()
    catalogue = synthetic.copied(synthetic.shipped(), 3000, jurisdictions=7)
    return catalogue, synthetic.board(catalogue, NOW)


@pytest.fixture
def client(large) -> Client:
    catalogue, board = large
    return Client(build_app(FakeBackend(catalogue, board)))


def listed(html: str) -> list[str]:
    section = html[html.index('id="list"'):]
    return re.findall(r'<td><a href="/commitments/([^"]+)">', section)


def statuses_of(large, ids: list[str]) -> list[str]:
    catalogue, board = large
    return [board[i].status if i in board else "unmonitored" for i in ids]


def test_the_board_of_a_large_catalogue_summarises_by_jurisdiction_and_lists_a_page_worst_first(client, large):
    catalogue, board = large
    html = client.get("/").text
    assert len(html) < 300_000 and "<script" not in html
    jurisdictions = {d.jurisdiction for d in catalogue.documents.values()}
    assert "各地区" in html and all('href="/?jurisdiction=' in html for _ in jurisdictions)
    ids = listed(html)
    assert len(ids) == views.PAGE_SIZE
    assert statuses_of(large, ids) == ["missed"] * views.PAGE_SIZE   # the worst first
    assert f"共 {len(catalogue.commitments)} 项承诺" in html


def test_the_pages_of_a_filtered_list_cover_it_once_in_worst_first_order(client, large):
    catalogue, board = large
    jurisdiction = sorted({d.jurisdiction for d in catalogue.documents.values()})[0]
    expected = [c.id for c in catalogue.commitments.values() if c.document.jurisdiction == jurisdiction
                and c.agency is not None]   # every one of them, whatever its status
    members = {c.id for c in catalogue.commitments.values() if c.document.jurisdiction == jurisdiction}
    seen: list[str] = []
    path: str | None = f"/?jurisdiction={jurisdiction}"
    while path:
        html = client.get(path).text
        seen += listed(html)
        found = re.search(r'<a href="([^"]+)" rel="next">', html)
        path = found.group(1).replace("&amp;", "&") if found else None
    assert sorted(seen) == sorted(members) and len(seen) == len(set(seen)) and expected
    order = ["missed", "at_risk", "error", "no_data", "met", "unmonitored"]
    ranks = [order.index(s) for s in statuses_of(large, seen)]
    assert ranks == sorted(ranks)


def test_a_jurisdiction_drills_down_to_its_documents_and_a_document_to_its_list(client, large):
    catalogue, board = large
    document = next(iter(catalogue.documents.values()))
    html = client.get("/", params={"jurisdiction": document.jurisdiction}).text
    assert "各文件" in html and f'href="/documents/{document.id}"' in html
    others = [d for d in catalogue.documents.values() if d.jurisdiction != document.jurisdiction]
    assert f'href="/documents/{others[0].id}"' not in html
    page = client.get("/", params={"document": document.id, "status": "missed"}).text
    ids = listed(page)
    assert ids and all(catalogue.commitments[i].document.id == document.id for i in ids)
    assert set(statuses_of(large, ids)) == {"missed"}


def test_the_api_pages_with_a_cursor_through_every_match_once_in_id_order(client, large):
    catalogue, board = large

    def met_of(agency: str) -> list[str]:
        return sorted(c.id for c in catalogue.commitments.values()
                      if board.get(c.id) is not None and board[c.id].status == "met"
                      and (c.agency and c.agency.id == agency or any(a.id == agency for a in c.co_agencies)))
    agency = max(catalogue.agencies, key=lambda a: len(met_of(a)))   # the busiest: several pages
    expected = met_of(agency)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"status": "met", "agency": agency, "limit": 3, **({"cursor": cursor} if cursor else {})}
        data = client.get("/api/v1/commitments", params=params).json()
        assert data["total"] == len(expected) and len(data["commitments"]) <= 3
        seen += [c["id"] for c in data["commitments"]]
        pages += 1
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert seen == expected and pages == -(-len(expected) // 3) and pages >= 3


def test_the_api_refuses_a_cursor_it_did_not_give(client):
    reply = client.get("/api/v1/commitments", params={"cursor": "%%%"})
    assert reply.status_code == 400 and "cursor" in reply.json()["error"]


def test_the_api_caps_a_page_at_its_largest_limit(client, large):
    data = client.get("/api/v1/commitments", params={"limit": 100_000}).json()
    assert len(data["commitments"]) == views.API_LIMIT_MAX and data["next_cursor"]
    assert data["total"] == len(large[0].commitments)
