"""A commitment no measure wires to a feed: shown as 未接入数据 on the pages and in the API, never judged."""

from __future__ import annotations

from monitor.loader import load_catalogue
from monitor.service.web import build_app
from tests.pages.conftest import FIXTURES, Client, FakeBackend
from tests.pages.test_pages import text_of


def unwired_client(tmp_path, board) -> Client:
    text = (FIXTURES / "targets.yaml").read_text(encoding="utf-8")
    block = text.index("  - id: town2021.setup_days")
    text = text[:block] + text[block:].replace("    measure: {feed: demo}\n", "", 1)
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    catalogue = load_catalogue(path, seeds_dirs=[FIXTURES])
    board = {k: v for k, v in board.items() if k != "town2021.setup_days"}
    return Client(build_app(FakeBackend(catalogue, board)))


def test_commitment_without_a_measure_shows_as_unwired_on_its_page_and_the_board(tmp_path, board):
    client = unwired_client(tmp_path, board)
    page = text_of(client.get("/commitments/town2021.setup_days").text)
    assert "未接入数据" in page and "不作评估" in page
    assert "达标" not in page and "暂无可用数据" not in page
    assert "status-unwired" in client.get("/?status=unwired").text


def test_api_counts_unwired_apart_from_no_data(tmp_path, board):
    client = unwired_client(tmp_path, board)
    data = client.get("/api/v1/commitments").json()
    assert data["counts"]["unwired"] == 1
    row = client.get("/api/v1/commitments/town2021.setup_days").json()
    assert row["status"] == "unwired" and row["status_zh"] == "未接入数据"
