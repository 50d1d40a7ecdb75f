"""Issue 11 (drop folder): a file is claimed, parsed, its rows committed, and only then filed —
in that order and idempotently — against real files, a real SQLite store, a real refused
database connection, and the `monitor collect` command.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
import time
from datetime import datetime
from multiprocessing import forkserver
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine

from collectors import file_drop, file_reader, runner
from collectors.base import FetchContext
from monitor import migrations
from monitor.loader import ConfigError, load_catalogue
from monitor.service.cli import main as monitor_main
from monitor.spec.feeds import FileFeed
from monitor.store import Store, make_engine
from tests.collectors import agency_files as af
from tests.collectors.helpers import TZ, collect_once, feed
from tests.integration.daemon_process import free_port

FEED = "drop"


def drop_feed(folder, **more):
    return feed(id=FEED, kind="file", path=str(folder), columns=af.COLUMNS, series=af.SERIES, settle="1s", **more)


def a_store(tmp_path) -> Store:
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    migrations.upgrade(engine)
    return Store(engine)


def stored_cases(store: Store) -> int:
    data = store.measure_data(FEED, "cases", accumulates_cases=True)
    return 0 if data.cases is None else len(data.cases)


def collect_and_store(spec, store: Store):
    result = collect_once(spec, now=datetime.now(TZ), committed=None)
    store.save_collection(result, accumulates_cases=True)
    return result


def export(folder, name: str, n: int, first: int = 0):
    """An agency export of n closed cases; ids are the file's own (months never share a case id)."""
    rows = [row for row in af.cases() if row[4] not in af.OPEN_MARKERS][first:first + n]
    for row in rows:
        row[1] = f"{Path(name).stem}-{row[1]}"
    return af.write_xlsx(folder / name, rows)


def start_fork_server() -> None:
    """The readers' fork server started now (it takes a second or two, importing the readers), so a
    test's time limit measures the read, not the start."""
    file_reader._fork_server()
    forkserver.ensure_running()


def running_readers() -> list[int]:
    """The pids of the children reading a file now."""
    with file_reader._context_lock:
        return [pid for pid, process in file_reader._running.items() if process.is_alive()]


def test_a_corrected_resubmission_under_the_same_name_replaces_the_original(tmp_path):
    drop, store = tmp_path / "drop", a_store(tmp_path)
    drop.mkdir()
    export(drop, "十一月.xlsx", 8)
    collect_and_store(drop_feed(drop), store)
    assert stored_cases(store) == 8
    export(drop, "十一月.xlsx", 5, first=3)
    collect_and_store(drop_feed(drop), store)
    assert stored_cases(store) == 5
    export(drop, "十二月.xlsx", 2)   # another name adds
    collect_and_store(drop_feed(drop), store)
    assert stored_cases(store) == 7
    assert sorted(p.name for p in (drop / "processed").glob("*.xlsx"))[0].startswith("十一月")


def test_rows_committed_before_a_kill_that_left_the_file_unfiled_are_replaced_not_doubled(tmp_path):
    drop, store = tmp_path / "drop", a_store(tmp_path)
    drop.mkdir()
    export(drop, "nov.xlsx", 8)
    killed = collect_once(drop_feed(drop), now=datetime.now(TZ), committed=None)
    store._save(killed, True)            # committed; the process dies before filing the file
    assert killed.handover is not None
    killed.handover.abandoned()          # (its locks go with the process)
    assert stored_cases(store) == 8 and (drop / "nov.xlsx").exists()
    collect_and_store(drop_feed(drop), store)   # the restarted daemon reads it again
    assert stored_cases(store) == 8
    assert (drop / "processed" / "nov.xlsx").exists() and not (drop / "nov.xlsx").exists()


def test_a_database_that_refuses_connections_leaves_the_file_in_the_drop_folder(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    export(drop, "nov.xlsx", 8)
    down = Store(make_engine(f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/test?connect_timeout=2"))
    with pytest.raises(Exception, match="(?i)connect"):
        collect_and_store(drop_feed(drop), down)
    assert (drop / "nov.xlsx").exists() and not (drop / "processed").exists()
    store = a_store(tmp_path)
    collect_and_store(drop_feed(drop), store)   # the database is back: nothing was lost
    assert stored_cases(store) == 8 and (drop / "processed" / "nov.xlsx").exists()


def _claimed_by_someone(path) -> bool:
    with open(path, "rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def _gone(pid: int) -> bool:
    """The process has ended (no longer in /proc, or a zombie waiting to be reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):
        return True


def test_a_read_past_its_deadline_is_stopped_and_leaves_the_file_for_the_next_run(tmp_path, monkeypatch):
    """Issue 20, point 4: the read given up at the deadline went on beside the next runs (1.46 GB).
    The deadline cancels the collection's fetch (runner: asyncio.timeout); cancelling it while the
    file is being parsed must end the parse, not just stop waiting for it."""
    drop = tmp_path / "drop"
    drop.mkdir()
    rows = "".join(f"{i},YZ{i:09d},企业开办,2026-11-02 09:30,2026-11-04 10:30\n" for i in range(300_000))
    path = drop / "big.csv"
    path.write_text(",".join(af.HEADER) + "\n" + rows, encoding="utf-8")   # seconds to parse
    af.settle(path)
    gates: list[file_drop.Gate] = []

    class Recorded(file_drop.Gate):
        def __init__(self) -> None:
            super().__init__()
            gates.append(self)
    monkeypatch.setattr(file_drop, "Gate", Recorded)

    async def collect_until_parsing() -> list[int]:
        async with httpx.AsyncClient() as client:
            context = FetchContext(client=client, now=datetime.now(TZ), timezone=TZ, env={})
            fetch = asyncio.create_task(file_drop.FileCollector().fetch(drop_feed(drop), context))
            while not (readers := running_readers()) and not fetch.done():
                await asyncio.sleep(0.005)
            fetch.cancel()   # what the deadline does
            with pytest.raises(asyncio.CancelledError):
                await fetch
            return readers
    start_fork_server()
    started = time.monotonic()
    readers = asyncio.run(collect_until_parsing())
    assert readers, "the file was read before the collection could be cancelled"
    [gate] = gates
    assert gate.finished.wait(5), "the collection's thread is still reading"
    deadline = time.monotonic() + 5
    while not all(_gone(pid) for pid in readers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(pid) for pid in readers) and running_readers() == []
    assert time.monotonic() - started < 15
    assert not _claimed_by_someone(path)      # the worker let go of it, and filed nothing
    assert path.exists() and not (drop / "processed").exists() and not (drop / "rejected").exists()


def test_a_parse_that_times_out_files_nothing_then_is_set_aside_unread_on_the_next_run(tmp_path, monkeypatch):
    """A file that timed out the reader would time it out at every run: set aside, never parsed again."""
    drop, store = tmp_path / "drop", a_store(tmp_path)
    drop.mkdir()
    rows = "".join(f"{i},YZ{i:09d},企业开办,2026-11-02 09:30,2026-11-04 10:30\n" for i in range(300_000))
    path = drop / "slow.csv"
    path.write_text(",".join(af.HEADER) + "\n" + rows, encoding="utf-8")   # seconds to parse
    af.settle(path)
    monkeypatch.setattr(runner, "PARSE_ALLOWANCE_SECONDS", 0.5)
    start_fork_server()
    result = collect_once(drop_feed(drop, timeout="1s", retries=0), now=datetime.now(TZ))
    assert not result.ok and result.error_category == "timeout"
    assert not _claimed_by_someone(path)      # the worker let go of it, and filed nothing
    assert path.exists() and not (drop / "processed").exists()
    collect_and_store(drop_feed(drop), store)
    assert stored_cases(store) == 0 and (drop / "rejected" / "slow.csv").exists()
    assert "读取该文件超时" in (drop / "rejected" / "slow.csv.errors.txt").read_text(encoding="utf-8")


def test_an_upload_that_pauses_past_settle_is_read_again_when_the_rest_arrives(tmp_path):
    drop, store = tmp_path / "drop", a_store(tmp_path)
    drop.mkdir()
    rows = af.text_rows([row for row in af.cases() if row[4] not in af.OPEN_MARKERS][:6])
    path = drop / "upload.csv"
    with open(path, "w", encoding="utf-8") as upload:
        upload.write(",".join(af.HEADER) + "\n")
        upload.writelines(",".join(map(str, row)) + "\n" for row in rows[:3])
        upload.flush()
        af.settle(path)                    # the uploader pauses longer than settle
        collect_and_store(drop_feed(drop), store)
        assert stored_cases(store) == 3 and (drop / "processed" / "upload.csv").exists()
        upload.writelines(",".join(map(str, row)) + "\n" for row in rows[3:])   # the rest, into the filed file
    af.settle(drop / "processed" / "upload.csv")
    collect_and_store(drop_feed(drop), store)
    assert stored_cases(store) == 6
    collect_and_store(drop_feed(drop), store)   # unchanged since: not read again
    assert stored_cases(store) == 6


def _run_collect(argv) -> int:
    return monitor_main(argv)   # the `monitor` command as installed


def test_monitor_collect_without_dry_run_keeps_the_batches_stored_before(tmp_path, capsys):
    drop = tmp_path / "drop"
    drop.mkdir()
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        f"version: 1\nfeeds:\n  - id: {FEED}\n    kind: file\n    path: {drop}\n    settle: 0s\n"
        f"    columns: {{办件编号: id, 受理时间: submitted, 办结时间: completed}}\n"
        "    series:\n      - {name: cases, type: cases}\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    for month, n in enumerate((10, 11, 12, 13, 4)):
        export(drop, f"month{month}.xlsx", n)
        assert _run_collect(["collect", FEED, "--config", str(targets), "--database-url", url]) == 0
        capsys.readouterr()
    assert stored_cases(Store(make_engine(url))) == 50
    assert len(list((drop / "processed").glob("*.xlsx"))) == 5


def test_a_pattern_leading_outside_the_drop_folder_is_refused_at_validation_and_at_run_time(tmp_path):
    drop, outside = tmp_path / "drop", tmp_path / "outside"
    drop.mkdir()
    outside.mkdir()
    export(outside, "secret.xlsx", 3)
    targets = tmp_path / "targets.yaml"
    targets.write_text(f"version: 1\nfeeds:\n  - id: {FEED}\n    kind: file\n    path: {drop}\n"
                       "    pattern: \"../outside/*\"\n    series:\n      - {name: cases, type: cases}\n",
                       encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_catalogue(targets)
    problem = str(caught.value.problems[0])
    assert "targets.yaml:6" in problem and "pattern" in problem and "inside the drop folder" in problem
    # a feed built without validation (an older catalogue in memory) is refused when it runs
    unchecked = FileFeed.model_construct(**{**drop_feed(drop).model_dump(), "pattern": "../outside/*"})
    result = collect_once(unchecked, now=datetime.now(TZ))
    assert not result.ok and result.error_category == "config"
    assert sorted(os.listdir(outside)) == ["secret.xlsx"] and os.listdir(drop) == []


def test_a_symlink_is_refused_its_target_never_read_nor_copied_into_the_report(tmp_path):
    drop, store = tmp_path / "drop", a_store(tmp_path)
    drop.mkdir()
    secret = tmp_path / "password.csv"
    secret.write_text("办件编号,受理时间,办结时间\nTOPSECRET-hunter2,not a date,x\n", encoding="utf-8")
    (drop / "linked.csv").symlink_to(secret)
    (drop / "passwd.csv").symlink_to("/etc/passwd")
    result = collect_and_store(drop_feed(drop), store)
    assert result.rows_rejected == {"file_rejected": 2, "symlink": 2} and result.bytes_read == 0
    assert stored_cases(store) == 0
    for name in ("linked.csv", "passwd.csv"):
        assert (drop / "rejected" / name).is_symlink()
        report = (drop / "rejected" / f"{name}.errors.txt").read_text(encoding="utf-8")
        assert "符号链接不被接受" in report
        assert "hunter2" not in report and "root:" not in report
    assert secret.read_text(encoding="utf-8").startswith("办件编号")


def test_an_upload_cut_mid_row_is_rejected_then_accepted_when_the_rest_arrives(tmp_path):
    drop, store = tmp_path / "drop", a_store(tmp_path)
    drop.mkdir()
    lines = [",".join(af.HEADER)] + [",".join(map(str, row)) for row in af.text_rows(closed_rows(4))]
    text = "\n".join(lines) + "\n"
    cut = text.index(lines[3]) + 12           # in the middle of the third case
    path = drop / "cut.csv"
    with open(path, "w", encoding="utf-8") as upload:
        upload.write(text[:cut])
        upload.flush()
        af.settle(path)
        collect_and_store(drop_feed(drop), store)
        assert stored_cases(store) == 0 and (drop / "rejected" / "cut.csv.errors.txt").exists()
        upload.write(text[cut:])              # the rest, into the rejected file
    af.settle(drop / "rejected" / "cut.csv")
    result = collect_and_store(drop_feed(drop), store)
    assert result.rows_accepted == 4 and stored_cases(store) == 4
    assert (drop / "processed" / "cut.csv").exists()
    assert not (drop / "rejected" / "cut.csv").exists() and not (drop / "rejected" / "cut.csv.errors.txt").exists()


def closed_rows(n: int) -> list[list[object]]:
    return [row for row in af.cases() if row[4] not in af.OPEN_MARKERS][:n]


def test_a_locked_database_leaves_the_file_in_the_drop_folder(tmp_path):
    drop, store = tmp_path / "drop", a_store(tmp_path)
    drop.mkdir()
    export(drop, "nov.xlsx", 8)
    impatient = Store(create_engine(f"sqlite:///{tmp_path / 'monitor.db'}", connect_args={"timeout": 0.2}))
    holder = sqlite3.connect(tmp_path / "monitor.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")          # another writer holds the database
    try:
        with pytest.raises(Exception, match="locked"):
            collect_and_store(drop_feed(drop), impatient)
        assert (drop / "nov.xlsx").exists() and not (drop / "processed").exists()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        impatient.engine.dispose()
    collect_and_store(drop_feed(drop), store)
    assert stored_cases(store) == 8 and (drop / "processed" / "nov.xlsx").exists()


def test_links_planted_for_the_daemons_own_files_are_never_written_through(tmp_path):
    drop, store = tmp_path / "drop", a_store(tmp_path)
    drop.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched\n", encoding="utf-8")
    (drop / "rejected").mkdir()
    (drop / "rejected" / "bad.pdf.errors.txt").symlink_to(victim)      # the report's name, planted
    (drop / "processed").mkdir()
    (drop / "processed" / ".filed.json.tmp").symlink_to(victim)        # the ledger's temporary name
    os.mkfifo(drop / "processed" / ".filed.json")                     # a pipe would block a reader
    (drop / "bad.pdf").write_bytes(b"%PDF")
    af.settle(drop / "bad.pdf")
    export(drop, "nov.xlsx", 3)
    collect_and_store(drop_feed(drop), store)
    assert victim.read_text(encoding="utf-8") == "untouched\n"
    assert "不支持的文件类型" in (drop / "rejected" / "bad.pdf.errors.txt").read_text(encoding="utf-8")
    assert stored_cases(store) == 3 and (drop / "processed" / "nov.xlsx").exists()


def test_a_processed_folder_that_is_a_link_stops_the_collection_before_anything_moves(tmp_path):
    drop, elsewhere = tmp_path / "drop", tmp_path / "elsewhere"
    drop.mkdir()
    elsewhere.mkdir()
    (drop / "processed").symlink_to(elsewhere)
    export(drop, "nov.xlsx", 3)
    result = collect_once(drop_feed(drop), now=datetime.now(TZ))
    assert result.error is not None
    assert not result.ok and result.error_category == "config" and "processed" in result.error
    assert (drop / "nov.xlsx").exists() and os.listdir(elsewhere) == []
