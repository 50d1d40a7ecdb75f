"""Issue 16 at the daemon level: the real daemon's drop folder fed with a title-row, 合计-footer
.xlsx, the same as .xls, and a GBK CSV with a title line and a 制表人 line, no header_row set,
accepts every case of every file and reports the skipped footer rows (in /metrics and the log).
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.collectors import agency_files as af
from tests.integration.daemon_process import DaemonProcess
from tests.integration.test_daemon_bad_feeds import value

pytestmark = pytest.mark.integration

WAIT = 30.0


def drop_targets(drop) -> str:
    return (f"version: 1\nfeeds:\n  - id: agency_drop\n    kind: file\n    path: {drop}\n"
            "    schedule: {interval: 1s}\n    settle: 1s\n"
            "    columns: {办件编号: id, 受理时间: submitted, 办结时间: completed}\n"
            "    series:\n      - {name: cases, type: cases}\n")


def stored_cases(database) -> int:
    with sqlite3.connect(database) as connection:
        (total,) = connection.execute(
            "SELECT coalesce(sum(n_cases), 0) FROM observation WHERE feed = 'agency_drop'").fetchone()
    return total


def test_agency_exports_in_xlsx_xls_and_gbk_csv_are_accepted_whole_with_footers_reported(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    targets = tmp_path / "targets.yaml"
    targets.write_text(drop_targets(drop), encoding="utf-8")
    daemon = DaemonProcess(tmp_path, targets=targets, demo=False).start()
    try:
        af.write_xlsx(drop / "渝中区11月办件明细.xlsx")
        af.write_xls(drop / "渝中区11月办件明细.xls")
        af.write_csv(drop / "渝中区11月办件明细.csv", "gbk")
        processed = drop / "processed"
        daemon.wait_until(lambda: processed.is_dir() and len(list(processed.glob("渝中区*"))) == 3, WAIT)
        text = daemon.metrics()
        assert value(text, "monitor_feed_rows_accepted_total", feed="agency_drop") == 3 * af.N_CASES
        assert value(text, "monitor_feed_rows_skipped_total", feed="agency_drop", reason="footer") == 3 * len(af.FOOTER)
        assert value(text, "monitor_feed_rows_rejected_total", feed="agency_drop", reason="file_rejected") == 0
        assert not (drop / "rejected").exists()
        assert stored_cases(tmp_path / "monitor.db") == 3 * af.N_CASES
        log = daemon.log.read_text(encoding="utf-8")
        assert log.count("event=file_accepted feed=agency_drop") == 3
        assert f"rows=20 footer_rows={len(af.FOOTER)}" in log
    finally:
        assert daemon.stop() == 0
