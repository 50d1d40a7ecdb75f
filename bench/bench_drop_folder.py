"""Drop folder cost on agency-shaped exports (title row, header, cases, 合计 and 制表人 lines):
one collection of one 20,000-case file in each format, read and validated (a dry run: nothing
moved). One JSON line each, with the rows per second."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import openpyxl
import xlwt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collectors.base import FetchContext  # noqa: E402
from collectors.runner import collect  # noqa: E402
from monitor.spec.feeds import FileFeed  # noqa: E402

N_CASES = 20_000
XLS_CASES = 20_000
TZ = ZoneInfo("Asia/Shanghai")
HEADER = ["序号", "办件编号", "事项名称", "受理时间", "办结时间"]
FOOTER = [["合计", f"{N_CASES}件"], ["制表人：张三", None, "审核人：李四"]]


def rows(n: int) -> list[list[object]]:
    start = datetime(2026, 1, 2, 9, 30)
    return [[i + 1, f"C{i:07d}", "企业开办", start + timedelta(minutes=7 * i), start + timedelta(minutes=7 * i, days=2)]
            for i in range(n)]


def write_xlsx(path: Path, n: int) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("明细")
    for row in [["某区政务服务中心办件明细表"], HEADER, *rows(n), *FOOTER]:
        sheet.append(row)
    workbook.save(path)


def write_xls(path: Path, n: int) -> None:
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("明细")
    style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    for r, row in enumerate([["某区政务服务中心办件明细表"], HEADER, *rows(n), *FOOTER]):
        for c, cell in enumerate(row):
            if cell is not None:
                sheet.write(r, c, cell, style) if isinstance(cell, datetime) else sheet.write(r, c, cell)
    workbook.save(str(path))


def write_csv(path: Path, n: int) -> None:
    body = [["某区政务服务中心办件明细表"], HEADER,
            *[[c.strftime("%Y-%m-%d %H:%M") if isinstance(c, datetime) else c for c in row] for row in rows(n)],
            *FOOTER]
    path.write_bytes("\r\n".join(",".join("" if c is None else str(c) for c in row) for row in body).encode("gbk"))


async def collect_once(feed: FileFeed):
    async with httpx.AsyncClient() as client:
        context = FetchContext(client=client, now=datetime.now(TZ) + timedelta(hours=1), timezone=TZ, dry_run=True)
        return await collect(feed, context)


def main() -> None:
    for suffix, write, n in ((".xlsx", write_xlsx, N_CASES), (".xls", write_xls, XLS_CASES),
                             (".csv", write_csv, N_CASES)):
        with tempfile.TemporaryDirectory() as folder:
            write(Path(folder) / f"export{suffix}", n)
            feed = FileFeed(id="bench", kind="file", path=folder, settle="0s",
                            columns={"办件编号": "id", "受理时间": "submitted", "办结时间": "completed"},
                            series=[{"name": "cases", "type": "cases"}])
            started = time.perf_counter()
            result = asyncio.run(collect_once(feed))
            seconds = time.perf_counter() - started
            assert result.ok and result.rows_accepted == n, (result.error, result.rows_rejected)
            print(json.dumps({"bench": "drop_folder", "format": suffix, "cases": n,
                              "footer_rows": result.rows_skipped.get("footer", 0), "seconds": round(seconds, 3),
                              "rows_per_second": round(n / seconds)}))


if __name__ == "__main__":
    main()
