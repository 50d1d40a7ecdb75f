"""Issue 11 (drop folder) against the real daemon: a corrected resubmission replaces, an upload that
pauses past `settle` is read whole, symlinks are refused unread, a file name cannot forge a log
line, two daemons share one folder without a failure, and a PostgreSQL outage loses no file.
"""

from __future__ import annotations

import json
import signal
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy

from collectors import drop_suspects
from tests.collectors import agency_files as af
from tests.faults.tcp_proxy import TcpProxy
from tests.integration.daemon_process import DaemonProcess
from tests.integration.test_daemon_bad_feeds import samples, value

pytestmark = pytest.mark.integration

FEED = "agency_drop"
WAIT = 30.0


def drop_targets(drop) -> str:
    return (f"version: 1\nfeeds:\n  - id: {FEED}\n    kind: file\n    path: {drop}\n"
            "    schedule: {interval: 1s}\n    settle: 1s\n"
            "    columns: {办件编号: id, 受理时间: submitted, 办结时间: completed}\n"
            "    series:\n      - {name: cases, type: cases}\n")


def closed_cases(n: int, first: int = 0) -> list[list[object]]:
    return [row for row in af.cases() if row[4] not in af.OPEN_MARKERS][first:first + n]


def cases_from(database, source: str | None = None) -> int:
    query = "SELECT coalesce(sum(n_cases), 0) FROM observation WHERE feed = ?"
    with sqlite3.connect(database) as connection:
        if source is None:
            return connection.execute(query, (FEED,)).fetchone()[0]
        return connection.execute(query + " AND source = ?", (FEED, source)).fetchone()[0]


class DropDaemon(DaemonProcess):
    drop: Path         # set by the module's fixture: the folder it reads
    database: Path     # and the SQLite file it writes


def start_daemon(workdir, drop, env: dict | None = None) -> DropDaemon:
    workdir.mkdir(exist_ok=True)
    targets = workdir / "targets.yaml"
    targets.write_text(drop_targets(drop), encoding="utf-8")
    daemon = DropDaemon(workdir, targets=targets, demo=False, env=env)
    daemon.start()
    return daemon


def failed_collections(metrics_text: str) -> float:
    return sum(v for n, ls, v in samples(metrics_text)
               if n == "monitor_collections_total" and ls.get("feed") == FEED and ls.get("result") != "ok")


@pytest.fixture(scope="module")
def drop_daemon(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("drop_daemon")
    drop = workdir / "drop"
    drop.mkdir()
    daemon = start_daemon(workdir, drop)
    daemon.drop, daemon.database = drop, workdir / "monitor.db"
    yield daemon
    assert daemon.stop() == 0, daemon.log.read_text()[-3000:]


def test_a_corrected_resubmission_under_the_same_name_replaces_the_original(drop_daemon):
    drop, database = drop_daemon.drop, drop_daemon.database
    af.write_xlsx(drop / "十一月明细.xlsx", closed_cases(8))
    drop_daemon.wait_until(lambda: cases_from(database, "十一月明细.xlsx") == 8, WAIT)
    af.write_xlsx(drop / "十一月明细.xlsx", closed_cases(5, first=8))
    drop_daemon.wait_until(lambda: len(list((drop / "processed").glob("十一月明细*.xlsx"))) == 2, WAIT)
    assert cases_from(database, "十一月明细.xlsx") == 5
    assert failed_collections(drop_daemon.metrics()) == 0


def test_a_formula_saved_without_its_value_is_reported_not_taken_for_an_open_case(drop_daemon):
    drop, database = drop_daemon.drop, drop_daemon.database
    rows = closed_cases(6)
    rows[1][4] = "=D5+2"                   # openpyxl, like any script, saves no computed value
    af.write_xlsx(drop / "formula.xlsx", rows)
    report = drop / "rejected" / "formula.xlsx.errors.txt"
    drop_daemon.wait_until(report.exists, WAIT)
    assert "第5行，E列（办结时间）：公式没有计算结果" in report.read_text(encoding="utf-8")
    assert cases_from(database, "formula.xlsx") == 0


def test_an_upload_that_pauses_longer_than_settle_is_read_whole(drop_daemon):
    drop, database = drop_daemon.drop, drop_daemon.database
    rows = af.text_rows(closed_cases(6))
    path = drop / "uploading.csv"
    with open(path, "w", encoding="utf-8") as upload:
        upload.write(",".join(af.HEADER) + "\n")
        upload.writelines(",".join(map(str, row)) + "\n" for row in rows[:3])
        upload.flush()
        # the uploader pauses: the daemon takes the half file for a finished one and files it
        drop_daemon.wait_until(lambda: (drop / "processed" / "uploading.csv").exists(), WAIT)
        assert cases_from(database, "uploading.csv") == 3
        upload.writelines(",".join(map(str, row)) + "\n" for row in rows[3:])
    drop_daemon.wait_until(lambda: cases_from(database, "uploading.csv") == 6, WAIT)
    assert not (drop / "rejected" / "uploading.csv").exists()


def test_symlinks_are_refused_unread_and_a_newline_in_a_name_cannot_forge_a_log_line(drop_daemon, tmp_path):
    drop = drop_daemon.drop
    secret = tmp_path / "password.txt"
    secret.write_text("办件编号,受理时间,办结时间\nhunter2-SECRET,x,y\n", encoding="utf-8")
    (drop / "report.csv").symlink_to(secret)
    (drop / "passwd.xlsx").symlink_to("/etc/passwd")
    forged = "x.pdf\ntime=2026-01-01 level=INFO logger=monitor.daemon event=forged_line"
    (drop / forged).write_bytes(b"%PDF")
    af.settle(drop / forged)
    rejected = drop / "rejected"
    drop_daemon.wait_until(lambda: all((rejected / f"{name}.errors.txt").exists()
                                       for name in ("report.csv", "passwd.xlsx", forged)), WAIT)
    for name in ("report.csv", "passwd.xlsx"):
        report = (rejected / f"{name}.errors.txt").read_text(encoding="utf-8")
        assert "符号链接不被接受" in report and "hunter2" not in report and "root:" not in report
        assert (rejected / name).is_symlink()
    log_lines = drop_daemon.log.read_text(encoding="utf-8").splitlines()
    assert not [line for line in log_lines if line.startswith("time=2026-01-01")]
    assert any("event=forged_line" in line and "x.pdf\\n" in line for line in log_lines)
    assert value(drop_daemon.metrics(), "monitor_feed_rows_rejected_total", feed=FEED, reason="symlink") == 2


def test_two_daemons_on_one_drop_folder_file_every_file_once_without_a_failure(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    shared = {"MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}"}
    daemons = [start_daemon(tmp_path / name, drop, shared) for name in ("one", "two")]
    try:
        names = [f"agency{i:02d}.xlsx" for i in range(12)]
        for name in names:
            af.write_xlsx(drop / name, closed_cases(10))
        processed = drop / "processed"
        daemons[0].wait_until(lambda: processed.is_dir() and len(list(processed.glob("*.xlsx"))) >= 12
                              and not list(drop.glob("*.xlsx")), WAIT)
        assert sorted(p.name for p in processed.glob("*.xlsx")) == names   # each once, no stamped copies
        assert not (drop / "rejected").exists()
        assert cases_from(tmp_path / "shared.db") == 12 * 10
        for daemon in daemons:
            text = daemon.metrics()
            assert failed_collections(text) == 0
            assert value(text, "monitor_collections_total", feed=FEED, result="ok") >= 1
            log = daemon.log.read_text(encoding="utf-8")
            assert "Traceback" not in log and "collector_bug" not in log
    finally:
        for daemon in daemons:
            assert daemon.stop() == 0


def test_a_postgresql_outage_leaves_the_file_in_the_drop_folder_until_it_is_stored(tmp_path, postgres_url):
    parts = urlsplit(postgres_url)
    proxy = TcpProxy(parts.hostname, parts.port).start()
    through_proxy = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    drop = tmp_path / "drop"
    drop.mkdir()
    daemon = start_daemon(tmp_path / "daemon", drop, {"MONITOR_DATABASE_URL": through_proxy})
    try:
        proxy.stop()
        af.write_xlsx(drop / "outage.xlsx", closed_cases(9))
        # read at least twice while the database is away: nothing stored, nothing moved
        daemon.wait_until(lambda: value(daemon.metrics(), "monitor_feed_rows_accepted_total", feed=FEED) >= 18, WAIT)
        assert (drop / "outage.xlsx").exists() and not (drop / "processed").exists()
        # fetched but not stored: counted as a store failure, never as a success (issue 11, point 8)
        assert value(daemon.metrics(), "monitor_collections_total", feed=FEED, result="store") >= 2
        proxy.start()
        daemon.wait_until(lambda: (drop / "processed" / "outage.xlsx").exists(), WAIT)
        engine = sqlalchemy.create_engine(postgres_url)
        with engine.connect() as connection:
            stored = connection.execute(sqlalchemy.text(
                "SELECT sum(n_cases) FROM observation WHERE feed = :feed AND source = 'outage.xlsx'"),
                {"feed": FEED}).scalar()
        engine.dispose()
        assert stored == 9
    finally:
        proxy.stop()
        daemon.stop()


def _being_read(drop, name: str) -> bool:
    """The drop folder notes the file as being read (collectors/drop_suspects.py): its read has begun."""
    try:
        return name in json.loads((drop / drop_suspects.NOTES).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return False


def test_a_daemon_killed_while_reading_a_file_loses_nothing_and_counts_nothing_twice(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    big = drop / "big.csv"   # large enough that reading it takes a moment: the kill lands mid-read
    rows = [[i + 1, f"K{i:07d}", "企业开办", "2026-11-02 09:30", "2026-11-04 10:30"] for i in range(300_000)]
    af.write_csv(big, "gbk", rows)
    database = {"MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'kill.db'}"}
    daemon = start_daemon(tmp_path / "first", drop, database)
    daemon.wait_until(lambda: _being_read(drop, "big.csv"), WAIT)
    daemon.signal(signal.SIGKILL)
    assert daemon.process is not None
    daemon.process.wait(10)
    assert big.exists() and not (drop / "processed").exists()
    # a reader that died with its file under way is not trusted with it again: the successor sets the
    # file aside to rejected/ unread, with its report and in rejected/'s ledger, and stores nothing of it
    again = start_daemon(tmp_path / "second", drop, database)
    try:
        again.wait_until(lambda: (drop / "rejected" / "big.csv").exists(), WAIT)
        assert not big.exists() and not (drop / "processed" / "big.csv").exists()
        assert "异常中止" in (drop / "rejected" / "big.csv.errors.txt").read_text(encoding="utf-8")
        ledger = json.loads((drop / "rejected" / ".filed.json").read_text(encoding="utf-8"))
        assert ledger["big.csv"]["source"] == "big.csv"
        again.wait_until(lambda: value(again.metrics(), "monitor_feed_rows_rejected_total", feed=FEED,
                                       reason="reader_crashed") == 1, WAIT)
        with sqlite3.connect(tmp_path / "kill.db") as connection:
            assert connection.execute("SELECT count(*) FROM observation WHERE feed = ?", (FEED,)).fetchone()[0] == 0
        assert not _being_read(drop, "big.csv")
    finally:
        assert again.stop() == 0
