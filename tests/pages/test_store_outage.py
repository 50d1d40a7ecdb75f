"""Pages and API while the database is unreachable (issue 20, point 5): what memory holds is
served, what it does not is a Chinese 503 page (JSON under /api), and the outage is logged once
when it starts and once when it ends, never a traceback per request."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.exc import OperationalError

from monitor.service.outage import StoreOutage
from monitor.service.pages.views import HistoryPoint, Snapshot
from monitor.service.web import build_app
from tests.pages.conftest import Client, FakeBackend

LOG = logging.getLogger("monitor.test_outage")


def refused() -> OperationalError:
    return OperationalError("SELECT", {}, Exception('connection to server at "10.1.2.3", port 5432 failed: refused'))


@dataclass
class OutageBackend(FakeBackend):
    """Reads history the way the daemon does (through StoreOutage); `store_up` says whether they work."""

    store_up: bool = False
    store_reads: StoreOutage = field(default_factory=lambda: StoreOutage(LOG))

    def history(self, commitment: str, limit: int):
        def read() -> list[HistoryPoint]:
            if not self.store_up:
                raise refused()
            return self.histories.get(commitment, [])[-limit:]
        return self.store_reads.read("history", read)


class MemoryGone(FakeBackend):
    """A backend with nothing in memory to answer from: every read goes to the store, which is down."""

    def snapshot(self) -> Snapshot:
        raise refused()


def test_commitment_page_and_api_answer_from_memory_while_the_store_is_down(catalogue, board):
    client = Client(build_app(OutageBackend(catalogue, board)))
    page = client.get("/commitments/town2021.property_days")
    assert page.status_code == 200
    assert "数据库暂时无法访问" in page.text and "BDC-0017" in page.text   # the verdict, from the board
    data = client.get("/api/v1/commitments/town2021.property_days")
    assert data.status_code == 200
    assert data.json()["verdict"]["status"] == "missed" and data.json()["history_unavailable"] is True
    assert data.json()["history"] == []


def test_what_memory_cannot_answer_is_a_chinese_503_page_and_json_under_api(catalogue, board):
    client = Client(build_app(MemoryGone(catalogue, board)))
    page = client.get("/commitments/town2021.property_days")
    assert page.status_code == 503 and "数据库暂时无法访问" in page.text
    assert page.headers["content-type"].startswith("text/html")
    api = client.get("/api/v1/commitments/town2021.property_days")
    assert api.status_code == 503 and api.json() == {"error": "the database is unreachable; try again later"}
    assert "10.1.2.3" not in page.text + api.text


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(backend, caplog):
    backend = OutageBackend(backend.catalogue, backend.board, backend.histories)
    client = Client(build_app(backend))
    with caplog.at_level(logging.INFO, logger=LOG.name):
        for _ in range(20):
            assert client.get("/commitments/town2021.online_share").status_code == 200
            assert client.get("/api/v1/commitments/town2021.online_share").status_code == 200
        backend.store_up = True
        for _ in range(3):
            history = client.get("/api/v1/commitments/town2021.online_share").json()["history"]
    ours = [r for r in caplog.records if r.name == LOG.name]
    assert [r.getMessage() for r in ours] == ["store_unreachable", "store_reachable_again"]
    assert not any(r.exc_info for r in caplog.records)
    assert ours[-1].failed_reads == 40
    assert len(history) == 7   # the history is back once the store is


def test_pages_memory_cannot_answer_log_one_line_per_outage(catalogue, board, caplog):
    client = Client(build_app(MemoryGone(catalogue, board)))
    with caplog.at_level(logging.INFO):
        for _ in range(10):
            assert client.get("/api/v1/commitments").status_code == 503
    assert [r.getMessage() for r in caplog.records if r.name.startswith("monitor")] == ["store_unreachable"]
    assert not any(r.exc_info for r in caplog.records)
