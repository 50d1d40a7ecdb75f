"""Benchmark: the board `/` and a page of `/api/v1/commitments` at two catalogue sizes, in process
(the real Starlette application over httpx's ASGI transport; a synthetic catalogue and board,
bench/synthetic.py; no daemon). The baseline, measured in the same run at the same size, is a
commitment page (`/commitments/<id>`), whose work does not depend on the catalogue's size: a
ratio near 1 means the board and the list cost what one commitment costs.

A second comparison, also in the same run: the list as the API answered it before it paged (a row
for every commitment, worst first, as JSON), built in process.

Figures, one JSON line each: the board's bytes and seconds (cold: the first request after the
board of verdicts changed, which builds the index; warm: the next), a filtered and paged board
(`?status=missed&page=3`), an API page (100 rows) and the next page by its cursor.

Run: python bench/bench_pages.py [N ...]   (default 10000 100000; `make bench`)
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
import synthetic  # noqa: E402
from prometheus_client import CollectorRegistry  # noqa: E402

from monitor.service.pages import views  # noqa: E402
from monitor.service.pages.views import Snapshot  # noqa: E402
from monitor.service.pages.wording import STATUS_ORDER  # noqa: E402
from monitor.service.web import build_app  # noqa: E402

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
TARGETS = {"board_bytes": 300_000, "board_s": 0.1, "api_page_s": 0.1}


class Backend:
    def __init__(self, catalogue, board) -> None:
        self.catalogue, self.board, self.registry = catalogue, board, CollectorRegistry()

    def snapshot(self) -> Snapshot:
        return Snapshot(self.catalogue, self.board, NOW)

    def history(self, commitment: str, limit: int) -> list:
        return []

    def health(self):
        return True, {}

    def status(self, commitment):
        return None

    async def reload(self):
        return True, []


def line(name: str, value: float, unit: str, base: float | None = None, **extra: object) -> None:
    record: dict[str, object] = {"bench": name, "value": round(value, 5), "unit": unit}
    if base is not None:
        record |= {"baseline": "commitment_page", "baseline_value": round(base, 5), "ratio": round(value / base, 3)}
    print(json.dumps(record | extra, ensure_ascii=False), flush=True)


def unpaged_list(catalogue, board) -> tuple[float, int]:
    """The list as the API gave it before paging: a row for every commitment, sorted worst first, as JSON."""
    t0 = time.perf_counter()
    rows = [views.row(c, board.get(c.id)) for c in catalogue.commitments.values()]
    rows.sort(key=lambda r: (STATUS_ORDER.index(r["status"]), r["deadline"] or "9999", r["id"]))
    body = json.dumps({"commitments": rows}, ensure_ascii=False, indent=1, default=str).encode()
    return time.perf_counter() - t0, len(body)


def measure(size: int, base_catalogue, repeats: int = 5) -> None:
    catalogue = synthetic.copied(base_catalogue, size)
    backend = Backend(catalogue, synthetic.board(catalogue, NOW))
    app = build_app(backend)
    one = next(iter(catalogue.commitments))

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            async def timed(path: str) -> tuple[float, httpx.Response]:
                t0 = time.perf_counter()
                reply = await client.get(path)
                elapsed = time.perf_counter() - t0
                assert reply.status_code == 200, (path, reply.status_code)
                return elapsed, reply

            await timed("/")   # templates compiled, catalogue index built
            commitment = min([(await timed(f"/commitments/{one}"))[0] for _ in range(repeats)])
            colds = []
            for _ in range(repeats):   # a new board of verdicts (as after each evaluated feed): the index is rebuilt
                backend.board = dict(backend.board)
                colds.append((await timed("/"))[0])
            warm, reply = min([await timed("/") for _ in range(repeats)], key=lambda t: t[0])
            line(f"pages_{size}_commitment_page_s", commitment, "s")
            line(f"pages_{size}_board_cold_s", min(colds), "s", commitment, target=TARGETS["board_s"])
            line(f"pages_{size}_board_warm_s", warm, "s", commitment, target=TARGETS["board_s"])
            line(f"pages_{size}_board_bytes", len(reply.content), "bytes", target=TARGETS["board_bytes"])
            paged, reply = min([await timed("/?status=missed&page=3") for _ in range(repeats)], key=lambda t: t[0])
            line(f"pages_{size}_board_missed_page3_s", paged, "s", commitment, bytes=len(reply.content))
            api, reply = min([await timed("/api/v1/commitments?limit=100") for _ in range(repeats)],
                             key=lambda t: t[0])
            line(f"pages_{size}_api_page_s", api, "s", commitment, target=TARGETS["api_page_s"], bytes=len(reply.content))
            unpaged, size_unpaged = min(unpaged_list(catalogue, backend.board) for _ in range(2))
            line(f"pages_{size}_unpaged_list_s", unpaged, "s", commitment, bytes=size_unpaged,
                 meaning="every row as JSON, worst first: what /api/v1/commitments answered before it paged")
            line(f"pages_{size}_api_page_vs_unpaged", api / unpaged, "ratio", bytes_ratio=round(len(reply.content) / size_unpaged, 5))
            cursor = reply.json()["next_cursor"]
            following, reply = min([await timed(f"/api/v1/commitments?limit=100&status=missed&cursor={cursor}")
                                    for _ in range(repeats)], key=lambda t: t[0])
            line(f"pages_{size}_api_next_page_missed_s", following, "s", commitment, target=TARGETS["api_page_s"],
                 bytes=len(reply.content))

    asyncio.run(run())


def main(sizes: list[int]) -> None:
    base = synthetic.shipped()
    for size in sizes:
        measure(size, base)
    line("pages_load_average_1min", os.getloadavg()[0], "runnable processes", cores=os.cpu_count())


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
