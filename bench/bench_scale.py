"""National scale: the shipped catalogue copied as separate documents up to N commitments, run as
the real daemon (`monitor run --demo`, SQLite) and measured from outside. One JSON line per figure.

    .venv/bin/python bench/bench_scale.py                      # 10,000 and 100,000 (make bench)
    .venv/bin/python bench/bench_scale.py --sizes 10000 --layout single --feed-size 0 --demo-in-daemon

Figures: `monitor validate` seconds and peak RSS; seconds from start until every commitment has
a verdict (/healthz "evaluated"); steady cycle seconds (collect -> evaluate -> store -> alerts of
every feed once, in the third round, with every feed always due, from the daemon's
`event=cycle_done` log lines); /metrics scrape seconds and bytes (asking for gzip, as Prometheus
does); daemon RSS; rows and bytes the store gains per cycle, scaled to a day at the shipped 60 s
interval. A figure that cannot be reached within its time limit is printed with "reached": false,
never left out.

The demo feeds' timeout is raised to 120 s and their interval lowered to 1 s (always due).
`--layout include` (default) writes one document per file under targets.d/ and includes them;
`--layout single` writes everything into one targets.yaml (what a catalogue looked like before
includes existed).

`--catalogue copies` is the issue's scaled catalogue instead: the shipped targets.yaml copied
`--copies` times (default 10,100: 2,640 and 26,400 commitments) as separate included files, ids
suffixed _c1, _c2..., feeds, agencies and alerting as shipped except every feed's schedule.interval,
set to `--interval` (default 30s, shipped 5m) so that rounds repeat within minutes. `monitor run
--demo` on SQLite: the demo agencies drop case CSVs and monthly report workbooks where the feeds
read. Figures per copies: validate; first verdicts; the rounds (a round: every feed once; the first
two make and announce the alerts, `--steady-rounds` after them) with their busy seconds; the rows per
table and bytes the store gains in each steady round (evaluation rows should be 0: nothing changed);
/metrics (gzip), / and /api/v1/commitments seconds and bytes; daemon RSS and peak; mail files.

    .venv/bin/python bench/bench_scale.py --catalogue copies --copies 10,100
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
INTERVAL_SECONDS = 60          # the shipped demo feed's interval
DAY = 86400
PER_CYCLE_TABLES = ("evaluation", "collection_run")   # a row per changed verdict, per feed every cycle


def emit(**figure: object) -> None:
    print(json.dumps(figure, ensure_ascii=False), flush=True)


def _loader() -> type:
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _dumper() -> type:
    return getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _evaluated(c: dict) -> bool:
    return (c.get("monitorable", True) and c.get("status", "active") == "active"
            and not c.get("draft", False))


def build(folder: Path, size: int, layout: str, demo_url: str | None = None, feed_size: int = 0) -> int:
    """Write a catalogue of exactly `size` commitments into `folder`; returns how many get verdicts."""
    shipped = yaml.load((ROOT / "targets.yaml").read_text(encoding="utf-8"), Loader=_loader())
    base = {k: v for k, v in shipped.items() if k not in ("documents", "commitments")}
    # The shipped catalogue reads drop folders and the agencies' reports; at scale every measured
    # commitment reads a demo feed instead (one payload per feed: at 100,000 it is tens of MB), each
    # on its own series, so no two copies ask the same question.
    demo: dict = {"id": "demo", "kind": "demo", "timeout": "120s",
                  "schedule": {"interval": "1s"}}   # always due: a round measures the daemon, not the schedule
    if demo_url:
        demo["url"] = demo_url
    base["feeds"] = [demo]
    by_document: dict[str, list[dict]] = {}
    for c in shipped["commitments"]:
        by_document.setdefault(c["document"], []).append(c)
    copies = math.ceil(size / len(shipped["commitments"]))
    parts: list[tuple[dict, list[dict]]] = []
    left = size
    for k in range(copies):
        for document in shipped["documents"]:
            if left <= 0:
                break
            suffix = "" if k == 0 else f"_c{k}"
            doc = {**document, "id": document["id"] + suffix}
            commitments = []
            for c in by_document.get(document["id"], [])[:left]:
                c = copy.deepcopy(c)
                c["id"] = doc["id"] + c["id"][len(document["id"]):]
                c["document"] = doc["id"]
                commitments.append(c)
            left -= len(commitments)
            parts.append((doc, commitments))
    index = 0   # a demo feed per feed_size commitments, as jurisdictions bring their own feeds
    for _, commitments in parts:
        for c in commitments:
            if c.get("measure") is None:
                continue
            group = index // feed_size if feed_size else 0
            index += 1
            c["measure"] = {k: v for k, v in c["measure"].items() if k not in ("feed", "series")}
            c["measure"]["feed"] = f"demo_{group}" if group else "demo"
    if feed_size:
        base["feeds"] += [{**demo, "id": f"demo_{g}"} for g in range(1, math.ceil(size / feed_size))]
    (folder / "seeds").symlink_to(ROOT / "seeds")
    dump = lambda data: yaml.dump(data, Dumper=_dumper(), allow_unicode=True, sort_keys=False, width=200)  # noqa: E731
    if layout == "single":
        catalogue = {**base, "documents": [d for d, _ in parts], "commitments": [c for _, cs in parts for c in cs]}
        (folder / "targets.yaml").write_text(dump(catalogue), encoding="utf-8")
    else:
        (folder / "targets.d").mkdir()
        for i, (doc, commitments) in enumerate(parts):
            (folder / "targets.d" / f"{i:05d}-{doc['id']}.yaml").write_text(
                dump({"documents": [doc], "commitments": commitments}), encoding="utf-8")
        (folder / "targets.yaml").write_text(dump({**base, "include": ["targets.d/*.yaml"]}), encoding="utf-8")
    return sum(1 for _, cs in parts for c in cs if _evaluated(c))


def build_copies(folder: Path, copies: int, interval: str | None) -> tuple[int, int]:
    """The issue's scaled catalogue in `folder`: the shipped targets.yaml copied `copies` times as separate
    included files, every document and commitment id suffixed (_c1, _c2, ...; the first copy keeps the
    shipped ids), feeds, agencies and alerting as shipped except each feed's schedule.interval set to
    `interval` (None: as shipped). Returns (commitments, evaluated)."""
    shipped = yaml.load((ROOT / "targets.yaml").read_text(encoding="utf-8"), Loader=_loader())
    base = {k: v for k, v in shipped.items() if k not in ("documents", "commitments")}
    if interval:
        base["feeds"] = [{**feed, "schedule": {**feed.get("schedule", {}), "interval": interval}}
                         for feed in base["feeds"]]
    by_document: dict[str, list[dict]] = {}
    for c in shipped["commitments"]:
        by_document.setdefault(c["document"], []).append(c)
    dump = lambda data: yaml.dump(data, Dumper=_dumper(), allow_unicode=True, sort_keys=False, width=200)  # noqa: E731
    (folder / "targets.d").mkdir(parents=True)
    (folder / "seeds").symlink_to(ROOT / "seeds")
    total = evaluated = 0
    for k in range(copies):
        suffix = "" if k == 0 else f"_c{k}"
        for document in shipped["documents"]:
            doc = {**document, "id": document["id"] + suffix}
            commitments = []
            for c in by_document.get(document["id"], []):
                c = copy.deepcopy(c)
                c["id"] = doc["id"] + c["id"][len(document["id"]):]
                c["document"] = doc["id"]
                commitments.append(c)
            total += len(commitments)
            evaluated += sum(1 for c in commitments if _evaluated(c))
            (folder / "targets.d" / f"{k:04d}-{doc['id']}.yaml").write_text(
                dump({"documents": [doc], "commitments": commitments}), encoding="utf-8")
    (folder / "targets.yaml").write_text(dump({**base, "include": ["targets.d/*.yaml"]}), encoding="utf-8")
    return total, evaluated


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process this bench started (SIGTERM, then SIGKILL after 30 s) and reap it."""
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def rss_mb(pid: int) -> tuple[float, float]:
    """Current and peak resident set size of a live process, in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a live process has used so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_validate(folder: Path, size: int, timeout: float, **labels: object) -> None:
    started = time.perf_counter()
    command = [str(BIN / "monitor"), "validate", str(folder / "targets.yaml")]
    wrapper = [sys.executable, "-c", "import resource,subprocess,sys;"
               "r=subprocess.run(sys.argv[1:],capture_output=True,text=True);"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
               "sys.stderr.write(r.stderr[-2000:]);sys.exit(r.returncode)", *command]
    try:
        done = subprocess.run(wrapper, capture_output=True, text=True, timeout=timeout, cwd=folder)
    except subprocess.TimeoutExpired:
        emit(figure="validate_seconds", commitments=size, **labels, value=None, reached=False,
             note=f"over {timeout:.0f} s")
        return
    seconds = time.perf_counter() - started
    peak = int(done.stdout.strip().splitlines()[-1]) / 1024
    emit(figure="validate_seconds", commitments=size, **labels, value=round(seconds, 2), reached=done.returncode == 0,
         rss_mb=round(peak), **({} if done.returncode == 0 else {"error": done.stderr.strip()[-300:]}))


def _get(url: str, timeout: float, headers: dict[str, str] | None = None) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as response:
        return response.read()


def wait_for_demo(url: str, timeout: float, feeds: list[str]) -> None:
    """Until the demo server answers, then each feed's payload asked once: the server makes a payload
    once an hour, so the daemon's first round reads made ones (the figures are the monitor's)."""
    deadline = time.perf_counter() + timeout
    while True:
        try:
            _get(url, 60)
            break
        except OSError:
            if time.perf_counter() > deadline:
                raise
            time.sleep(0.5)
    for feed in feeds:
        _get(f"{url}?feed={feed}", timeout)


def _hourly_points(db: Path) -> int:
    """Value points dated in the newest data hour: what each hour adds to the store."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=60) as connection:
        newest = connection.execute("select max(data_time) from observation where cases is null").fetchone()[0]
        if newest is None:
            return 0
        since = (datetime.fromisoformat(newest) - timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M:%S")
        return connection.execute("select count(*) from observation where cases is null and data_time >= ?",
                                  (since,)).fetchone()[0]


def written_bytes(pid: int) -> dict[str, int]:
    """The process's write counters from /proc/PID/io (empty where the system has none)."""
    try:
        lines = Path(f"/proc/{pid}/io").read_text().splitlines()
    except OSError:
        return {}
    return {k: int(v) for k, _, v in (line.partition(": ") for line in lines) if k in ("wchar", "write_bytes")}


def _store_counts(db: Path) -> tuple[dict[str, int], int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=60) as connection:
        tables = [r[0] for r in connection.execute("select name from sqlite_master where type='table'")]
        rows = {t: connection.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}
    size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    return rows, size


def cycle_ends(logs: list[Path]) -> list[tuple[datetime, str]]:
    """(end time, feed) of every feed cycle so far, in order, from the daemons' event=cycle_done lines."""
    return sorted((datetime.strptime(line.split("time=", 1)[1][:23], "%Y-%m-%d %H:%M:%S,%f"),
                   line.split("feed=", 1)[1].split()[0])
                  for log in logs for line in log.read_text(errors="replace").splitlines()
                  if "event=cycle_done" in line)


def wait_for_cycles(logs: list[Path], n: int, timeout: float, alive: Callable[[], bool], poll: float = 1.0) -> None:
    deadline = time.perf_counter() + timeout
    while len(cycle_ends(logs)) < n and time.perf_counter() < deadline and alive():
        time.sleep(poll)


def feed_ids(folder: Path) -> list[str]:
    return [f["id"] for f in yaml.load((folder / "targets.yaml").read_text(encoding="utf-8"), Loader=_loader())["feeds"]]


def feed_count(folder: Path) -> int:
    return len(feed_ids(folder))


def emit_steady_cycle(logs: list[Path], size: int, feeds: int, cpu: float | None = None, **labels: object) -> float | None:
    """The third round of `feeds` cycles (None: not reached). The first round creates every alert, the
    second announces them (group_wait ends in it); feeds are always due (build: interval 1 s), so a
    round takes what it costs the daemon, not what the schedule allows."""
    ends = [at for at, _ in cycle_ends(logs)]
    rounds = [round((ends[k * feeds - 1] - ends[(k - 1) * feeds - 1]).total_seconds(), 2)
              for k in (2, 3) if len(ends) >= k * feeds]
    steady = rounds[1] if len(rounds) == 2 else None
    emit(figure="steady_cycle_seconds", commitments=size, **labels, value=steady, reached=steady is not None,
         feeds=feeds, announcing_round_seconds=rounds[0] if rounds else None,
         **({} if cpu is None else {"daemon_cpu_seconds": round(cpu, 2)}),
         note="the third round of every feed, every feed always due (the second announces the first alerts); "
              "daemon_cpu_seconds: its user+system time over that round (read within 0.2 s of the round's "
              "ends), the figure to compare on a loaded machine")
    return steady


def measure_daemon(folder: Path, size: int, evaluated: int, timeout: float, extra_env: dict[str, str],
                   demo_process: bool = False) -> None:
    port = free_port()
    db = folder / "monitor.db"
    env = {**os.environ, "MONITOR_TARGETS": str(folder / "targets.yaml"),
           "MONITOR_DATABASE_URL": f"sqlite:///{db}", "MONITOR_LISTEN": f"127.0.0.1:{port}",
           "MONITOR_PUBLIC_URL": f"http://127.0.0.1:{port}", "MONITOR_MAILDIR": str(folder / "mail"),
           **extra_env}
    log = (folder / "daemon.log").open("w")
    started = time.perf_counter()
    daemon = subprocess.Popen([str(BIN / "monitor"), "run"] + ([] if demo_process else ["--demo"]), cwd=folder,
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        first = None
        deadline = started + timeout
        while time.perf_counter() < deadline and daemon.poll() is None:
            try:
                health = json.loads(_get(base + "/healthz", 10))
                if health.get("evaluated", 0) >= evaluated:
                    first = time.perf_counter() - started
                    break
            except OSError:
                pass
            time.sleep(1.0)
        emit(figure="first_verdicts_seconds", commitments=size, value=None if first is None else round(first, 1),
             reached=first is not None, evaluated=evaluated,
             **({} if daemon.poll() is None else {"note": f"daemon exited {daemon.returncode}"}))
        if first is None:
            return

        logs, feeds = [folder / "daemon.log"], feed_count(folder)
        wait_for_cycles(logs, 2 * feeds, timeout, lambda: daemon.poll() is None, poll=0.2)
        cpu_before = cpu_seconds(daemon.pid) if daemon.poll() is None else None
        rows_before, bytes_before = _store_counts(db)
        written_before = written_bytes(daemon.pid)
        runs_before = len(cycle_ends(logs))
        wait_for_cycles(logs, 3 * feeds, timeout, lambda: daemon.poll() is None, poll=0.2)
        cpu = cpu_seconds(daemon.pid) - cpu_before if cpu_before is not None and daemon.poll() is None else None
        steady = emit_steady_cycle(logs, size, feeds, cpu)
        if steady:
            rows_after, bytes_after = _store_counts(db)
            rounds = max(1, len(cycle_ends(logs)) - runs_before) / feeds   # the feed cycles between the two counts
            per_day = DAY / INTERVAL_SECONDS / rounds
            added = {t: rows_after.get(t, 0) - rows_before.get(t, 0) for t in rows_after}
            by_table = {t: round(added.get(t, 0) * per_day) for t in PER_CYCLE_TABLES}
            # the history records changes (a round's changes x the rounds of a day) and one snapshot per
            # commitment per UTC day, which no single round shows
            by_table["evaluation"] = by_table.get("evaluation", 0) + evaluated
            by_table["observation"] = 24 * _hourly_points(db)   # the demo adds its points once an hour
            emit(figure="store_rows_per_day", commitments=size, value=sum(by_table.values()),
                 by_table={t: n for t, n in by_table.items() if n},
                 alert_rows_this_cycle={t: n for t, n in added.items() if n and t not in by_table},
                 note=f"one cycle's growth x {DAY // INTERVAL_SECONDS} cycles (the shipped interval, {INTERVAL_SECONDS}s), observations "
                      "24 x the points of the newest hour; before retention. Alert tables grow with changes, "
                      "not cycles: alert_rows_this_cycle is what the third round added")
            written = {k: v - written_before.get(k, 0) for k, v in written_bytes(daemon.pid).items()}
            emit(figure="store_bytes_per_day", commitments=size, value=round((bytes_after - bytes_before) * per_day),
                 file_bytes=bytes_after, daemon_write_bytes_per_day=round(written.get("write_bytes", 0) * per_day),
                 daemon_wchar_per_day=round(written.get("wchar", 0) * per_day),
                 note="value: the files' growth; daemon_*: what the daemon wrote in the round (/proc/PID/io: "
                      "write_bytes reached the disk, wchar every write() incl. the WAL and its logs), x the rounds of a day")
        times, sizes = [], []
        scrape = {"Accept-Encoding": "gzip"}   # as Prometheus asks
        for _ in range(3):
            t0 = time.perf_counter()
            try:
                sizes.append(len(_get(base + "/metrics", 120, scrape)))
                times.append(time.perf_counter() - t0)
            except OSError as exc:
                emit(figure="scrape_seconds", commitments=size, value=None, reached=False, error=str(exc))
                break
        if times:
            plain_started = time.perf_counter()
            body = _get(base + "/metrics", 120)
            plain_seconds = time.perf_counter() - plain_started
            emit(figure="scrape_seconds", commitments=size, value=round(sorted(times)[len(times) // 2], 3),
                 all=[round(t, 3) for t in times], uncompressed_seconds=round(plain_seconds, 3))
            emit(figure="scrape_bytes", commitments=size, value=sizes[-1], uncompressed=len(body),
                 samples=sum(1 for line in body.splitlines() if line and not line.startswith(b"#")))
        current, peak = rss_mb(daemon.pid)
        emit(figure="daemon_rss_mb", commitments=size, value=round(current), peak=round(peak))
    finally:
        stop(daemon)
        log.close()


def feed_cycles(logs: list[Path]) -> list[tuple[datetime, str, float]]:
    """(end time, feed, seconds the cycle took) of every feed cycle so far, from event=cycle_done lines."""
    cycles = []
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            if "event=cycle_done" in line:
                seconds = re.search(r"\bseconds=([0-9.]+)", line)
                cycles.append((datetime.strptime(line.split("time=", 1)[1][:23], "%Y-%m-%d %H:%M:%S,%f"),
                               line.split("feed=", 1)[1].split()[0], float(seconds.group(1)) if seconds else 0.0))
    return sorted(cycles)


def rounds_done(logs: list[Path], feeds: list[str]) -> list[tuple[datetime, float]]:
    """(end, busy seconds) of every complete round: round n ends when every feed has finished its n-th
    cycle; busy seconds add up the n-th cycles' own durations (what the round cost, whatever the schedule)."""
    by_feed: dict[str, list[tuple[datetime, float]]] = {f: [] for f in feeds}
    for at, feed, seconds in feed_cycles(logs):
        by_feed.setdefault(feed, []).append((at, seconds))
    complete = min((len(by_feed[f]) for f in feeds), default=0)
    return [(max(by_feed[f][n][0] for f in feeds), sum(by_feed[f][n][1] for f in feeds)) for n in range(complete)]


def _timed_get(url: str, timeout: float, headers: dict[str, str] | None = None) -> tuple[float, int]:
    started = time.perf_counter()
    body = _get(url, timeout, headers)
    return time.perf_counter() - started, len(body)


def mail_files(folder: Path) -> int:
    return sum(1 for p in (folder / "mail").rglob("*") if p.is_file()) if (folder / "mail").exists() else 0


def measure_copies(folder: Path, copies: int, size: int, evaluated: int, interval: str | None, timeout: float,
                   steady_rounds: int, extra_env: dict[str, str]) -> None:
    """`monitor run --demo` on SQLite over the copied catalogue, measured from outside: first verdicts,
    the rounds (every feed once) and what the store gains in each steady round, the pages, memory, mail."""
    labels = {"catalogue": "copies", "copies": copies, "commitments": size}
    port = free_port()
    db = folder / "monitor.db"
    env = {**os.environ, "MONITOR_TARGETS": str(folder / "targets.yaml"),
           "MONITOR_DATABASE_URL": f"sqlite:///{db}", "MONITOR_LISTEN": f"127.0.0.1:{port}",
           "MONITOR_PUBLIC_URL": f"http://127.0.0.1:{port}", "MONITOR_MAILDIR": str(folder / "mail"),
           **extra_env}
    feeds = feed_ids(folder)
    logs = [folder / "daemon.log"]
    base = f"http://127.0.0.1:{port}"
    with logs[0].open("w") as log:
        started = time.perf_counter()
        daemon = subprocess.Popen([str(BIN / "monitor"), "run", "--demo"], cwd=folder, env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
    alive = lambda: daemon.poll() is None  # noqa: E731
    try:
        first = None
        while time.perf_counter() < started + timeout and alive():
            try:
                if json.loads(_get(base + "/healthz", 10)).get("evaluated", 0) >= evaluated:
                    first = time.perf_counter() - started
                    break
            except OSError:
                pass
            time.sleep(1.0)
        emit(figure="first_verdicts_seconds", **labels, value=None if first is None else round(first, 1),
             reached=first is not None, evaluated=evaluated,
             **({} if alive() else {"note": f"daemon exited {daemon.returncode}"}))
        if first is None:
            return

        def wait_rounds(n: int) -> bool:
            deadline = time.perf_counter() + timeout
            while len(rounds_done(logs, feeds)) < n and time.perf_counter() < deadline and alive():
                time.sleep(0.5)
            return len(rounds_done(logs, feeds)) >= n

        # rounds 1-2 make and announce the first alerts; the rounds after them are the steady ones
        wait_rounds(2)
        snapshots, rss = [_store_counts(db)], [rss_mb(daemon.pid)[0]]
        for n in range(3, 3 + steady_rounds):
            if not wait_rounds(n):
                break
            snapshots.append(_store_counts(db))
            rss.append(rss_mb(daemon.pid)[0])
        rounds = rounds_done(logs, feeds)
        steady = [{"round": n + 1, "seconds": round((rounds[n][0] - rounds[n - 1][0]).total_seconds(), 1),
                   "busy_seconds": round(rounds[n][1], 2)} for n in range(2, min(len(rounds), 2 + steady_rounds))]
        emit(figure="steady_cycle_seconds", **labels, value=steady[-1]["busy_seconds"] if steady else None,
             reached=bool(steady), feeds=len(feeds), interval=interval or "as shipped",
             first_rounds=[{"round": n + 1, "busy_seconds": round(rounds[n][1], 2),
                            **({"seconds": round((rounds[n][0] - rounds[n - 1][0]).total_seconds(), 1)} if n else {})}
                           for n in range(min(2, len(rounds)))],
             steady_rounds=steady,
             note="value: the last steady round's busy seconds (its feeds' cycle_done seconds added up; cycles "
                  "overlap, so a first round's sum exceeds its wall time); "
                  "seconds: end of the previous round to end of this one, about the interval (set by the schedule, not the cost)")
        for n, ((rows_before, bytes_before), (rows_after, bytes_after)) in enumerate(zip(snapshots, snapshots[1:]), 3):
            added = {t: rows_after.get(t, 0) - rows_before.get(t, 0) for t in rows_after}
            emit(figure="store_rows_per_round", **labels, round=n, value=sum(added.values()),
                 by_table={t: k for t, k in sorted(added.items()) if k}, bytes=bytes_after - bytes_before,
                 file_bytes=bytes_after, evaluation_rows=added.get("evaluation", 0),
                 rss_mb=[round(rss[n - 3]), round(rss[n - 2])],
                 note="rows each table gained over one steady round (nothing changed in the data: the "
                      "history should not grow); bytes: the database files' growth (WAL included); "
                      "rss_mb: the daemon's RSS at the round's start and end")

        pages = {"metrics": ("/metrics", {"Accept-Encoding": "gzip"}), "board": ("/", None),
                 "api_commitments": ("/api/v1/commitments", None)}
        for name, (path, headers) in pages.items():
            try:
                timings = [_timed_get(base + path, 120, headers) for _ in range(3)]
            except OSError as exc:
                emit(figure=f"{name}_seconds", **labels, value=None, reached=False, error=str(exc))
                continue
            times = sorted(t for t, _ in timings)
            emit(figure=f"{name}_seconds", **labels, value=round(times[1], 3), all=[round(t, 3) for t, _ in timings],
                 bytes=timings[-1][1], **({"gzip": True} if headers else {}))
        current, peak = rss_mb(daemon.pid)
        emit(figure="daemon_rss_mb", **labels, value=round(current), peak=round(peak),
             seconds_running=round(time.perf_counter() - started))
        emit(figure="mail_files", **labels, value=mail_files(folder))
    finally:
        stop(daemon)


def run_copies(args: argparse.Namespace, extra_env: dict[str, str]) -> None:
    interval = None if args.interval in ("", "shipped") else args.interval
    for copies in (int(k) for k in args.copies.split(",") if k):
        folder = Path(tempfile.mkdtemp(prefix=f"bench-copies-{copies}-"))
        try:
            t0 = time.perf_counter()
            size, evaluated = build_copies(folder, copies, interval)
            emit(figure="catalogue_built", catalogue="copies", copies=copies, commitments=size, evaluated=evaluated,
                 feed_interval=interval or "as shipped", seconds=round(time.perf_counter() - t0, 1),
                 folder=str(folder) if args.keep else None,
                 note="targets.yaml copied as separate included files, ids suffixed _cK; feeds, agencies, "
                      "alerting as shipped" + (f" but every feed's schedule.interval set to {interval}" if interval else ""))
            skip = set(filter(None, args.skip.split(",")))
            if "validate" not in skip:
                measure_validate(folder, size, args.timeout, catalogue="copies", copies=copies)
            if "daemon" not in skip:
                measure_copies(folder, copies, size, evaluated, interval, args.timeout, args.steady_rounds, extra_env)
        finally:
            if not args.keep:
                subprocess.run(["rm", "-rf", str(folder)], check=False)


POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
STATUS_SAMPLE = re.compile(rb'^commitment_status\{[^}]*\bcommitment="([^"]+)"[^}]*\} 1\.0$', re.M)


def postgres_problem(url: str) -> str | None:
    """Why the PostgreSQL at `url` cannot be used (None: it can)."""
    import sqlalchemy
    try:
        engine = sqlalchemy.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any reason is a reason to skip
        return str(exc).strip().splitlines()[0][:200]
    return None


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A schema of its own on `url`'s database for one run, dropped afterwards; yields the URL that uses it."""
    import sqlalchemy
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _exported(base: str) -> set[bytes]:
    """The commitments a replica exports on /metrics (one commitment_status sample at 1 each)."""
    return set(STATUS_SAMPLE.findall(_get(base + "/metrics", 120)))


def measure_replicas(folder: Path, size: int, evaluated: int, timeout: float, extra_env: dict[str, str],
                     database: str, count: int, demo_process: bool) -> None:
    """`count` replicas with feed leases on a fresh PostgreSQL schema, started together: seconds until
    every commitment has a verdict on one of them, the steady cycle over all their logs, and the check
    that each commitment is exported by exactly one replica."""
    labels = {"database": "postgresql", "replicas": count}
    with fresh_schema(database) as url:
        replicas = []
        for i in range(count):
            port = free_port()
            log = folder / f"replica{count}-{i}.log"
            env = {**os.environ, "MONITOR_TARGETS": str(folder / "targets.yaml"), "MONITOR_DATABASE_URL": url,
                   "MONITOR_LISTEN": f"127.0.0.1:{port}", "MONITOR_PUBLIC_URL": f"http://127.0.0.1:{port}",
                   "MONITOR_MAILDIR": str(folder / "mail"), "MONITOR_FEED_LEASES": "true", **extra_env}
            with log.open("w") as out:
                process = subprocess.Popen([str(BIN / "monitor"), "run"] + ([] if demo_process else ["--demo"]),
                                           cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)
            replicas.append((process, f"http://127.0.0.1:{port}", log))
        started = time.perf_counter()
        try:
            first = None
            while time.perf_counter() < started + timeout and all(p.poll() is None for p, _, _ in replicas):
                try:
                    if sum(json.loads(_get(base + "/healthz", 10)).get("evaluated", 0)
                           for _, base, _ in replicas) >= evaluated:
                        first = time.perf_counter() - started
                        break
                except OSError:
                    pass
                time.sleep(1.0)
            dead = [p.returncode for p, _, _ in replicas if p.poll() is not None]
            emit(figure="first_verdicts_seconds", commitments=size, **labels,
                 value=None if first is None else round(first, 1), reached=first is not None, evaluated=evaluated,
                 **({"note": f"replica exited {dead}"} if dead else {}))
            if first is None:
                return
            logs, feeds = [log for _, _, log in replicas], feed_count(folder)
            wait_for_cycles(logs, 3 * feeds, timeout, lambda: all(p.poll() is None for p, _, _ in replicas))
            emit_steady_cycle(logs, size, feeds, **labels)
            exported = [_exported(base) for _, base, _ in replicas]
            newest = {feed: log for (_, feed), log in sorted((end, log) for log in logs for end in cycle_ends([log]))}   # who collects each feed now
            held = [sum(1 for log_ in newest.values() if log_ == log) for log in logs]
            everything = set().union(*exported)
            emit(figure="exported_once", commitments=size, **labels,
                 value=sum(map(len, exported)) == evaluated == len(everything),
                 per_replica=[len(e) for e in exported], distinct=len(everything), evaluated=evaluated,
                 feeds_per_replica=held,
                 rss_mb_per_replica=[round(rss_mb(p.pid)[0]) for p, _, _ in replicas])
        finally:
            for process, _, _ in replicas:
                process.terminate()   # all at once, then each waited for
            for process, _, _ in replicas:
                stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalogue", choices=("demo-feeds", "copies"), default="demo-feeds",
                        help="demo-feeds: --sizes commitments on demo feeds; copies: the shipped catalogue "
                             "copied --copies times (its feeds, the demo agencies)")
    parser.add_argument("--copies", default="10,100", help="copies mode: how many copies, comma-separated")
    parser.add_argument("--interval", default="30s",
                        help="copies mode: every feed's schedule.interval (shipped: 5m; 'shipped' keeps it)")
    parser.add_argument("--steady-rounds", type=int, default=2,
                        help="copies mode: steady rounds measured after the first two")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--layout", choices=("include", "single"), default="include")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds allowed per phase")
    parser.add_argument("--skip", default="",
                        help="comma-separated phases to skip: validate,daemon (daemon: the SQLite one)")
    parser.add_argument("--keep", action="store_true", help="keep the generated folders (printed)")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the daemon")
    parser.add_argument("--feed-size", type=int, default=2000,
                        help="commitments per demo feed, as jurisdictions bring their own feeds "
                             "(0: one demo feed for all, as shipped)")
    parser.add_argument("--demo-in-daemon", dest="demo_process", action="store_false",
                        help="serve the demo feed inside the daemon (default: `monitor demo-server`, its own "
                             "process, so the figures are the monitor's)")
    parser.add_argument("--replicas", default="1,2,4",
                        help="replica counts to run one after the other on PostgreSQL with feed leases, "
                             "e.g. 1,2,4 (empty or 0: none)")
    parser.add_argument("--replica-sizes", default="10000,100000",
                        help="the sizes (of --sizes) at which to run the replicas; default 10000,100000")
    parser.add_argument("--database", default=os.environ.get("BENCH_POSTGRES_URL", POSTGRES_URL),
                        help="PostgreSQL for the replicas (a schema is made and dropped per run); "
                             "unreachable: the replica figures are skipped, with a line saying so")
    args = parser.parse_args()
    if args.catalogue == "copies":
        run_copies(args, dict(item.split("=", 1) for item in args.env))
        return
    replica_counts = [int(n) for n in args.replicas.split(",") if n and int(n) > 0]
    replica_sizes = {int(s) for s in args.replica_sizes.split(",") if s} if replica_counts else set()
    postgres = postgres_problem(args.database) if replica_sizes else None
    if replica_sizes and postgres:
        emit(figure="replicas", skipped=True, reason=f"PostgreSQL unreachable: {postgres}")
        replica_sizes = set()
    skip = set(filter(None, args.skip.split(",")))
    extra_env = dict(item.split("=", 1) for item in args.env)
    for size in (int(s) for s in args.sizes.split(",")):
        folder = Path(tempfile.mkdtemp(prefix=f"bench-scale-{size}-"))
        try:
            t0 = time.perf_counter()
            demo_port = free_port() if args.demo_process else None
            demo_url = f"http://127.0.0.1:{demo_port}/demo/series.json" if demo_port else None
            evaluated = build(folder, size, args.layout, demo_url, args.feed_size)
            emit(figure="catalogue_built", commitments=size, evaluated=evaluated, layout=args.layout,
                 demo="process" if demo_url else "in-daemon", feed_size=args.feed_size or None,
                 seconds=round(time.perf_counter() - t0, 1), folder=str(folder) if args.keep else None)
            if "validate" not in skip:
                measure_validate(folder, size, args.timeout)
            if "daemon" not in skip or size in replica_sizes:
                demo = subprocess.Popen([str(BIN / "monitor"), "demo-server", "--listen", f"127.0.0.1:{demo_port}"],
                                        cwd=folder, stdout=subprocess.DEVNULL) if demo_port else None
                try:
                    if demo_url:   # the load generator up before the clock starts: the figures are the monitor's
                        wait_for_demo(demo_url, args.timeout, feed_ids(folder))
                    if "daemon" not in skip:
                        measure_daemon(folder, size, evaluated, args.timeout, extra_env, demo_process=demo is not None)
                    if size in replica_sizes:
                        for count in replica_counts:
                            measure_replicas(folder, size, evaluated, args.timeout, extra_env, args.database, count,
                                             demo_process=demo is not None)
                finally:
                    if demo is not None:
                        demo.terminate()
                        demo.wait(30)
        finally:
            if not args.keep:
                subprocess.run(["rm", "-rf", str(folder)], check=False)


if __name__ == "__main__":
    main()
