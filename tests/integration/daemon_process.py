"""Start the real daemon as a subprocess on a free port and wait until it serves."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
# The instant a daemon under test starts at (MONITOR_CLOCK_START), never the machine's date: a
# Monday morning in Beijing, weeks from any holiday and inside the published calendar.
# Every daemon of one test session shares one timeline: CLOCK_START at the session's first instant
# (MONITOR_CLOCK_ANCHOR), so replicas and successors agree on the time.
CLOCK_START = "2026-06-15T10:00:00+08:00"
CLOCK_ANCHOR = datetime.now(UTC).isoformat()


def daemon_now() -> datetime:
    """What a daemon under test reads as now."""
    return datetime.fromisoformat(CLOCK_START) + (datetime.now(UTC) - datetime.fromisoformat(CLOCK_ANCHOR))


def wait_for(condition, timeout: float, process: subprocess.Popen | None, log: Path, what: str) -> None:
    """Poll `condition` until it is true; fail early when `process` has exited, with its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if condition():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{what}: condition not met within {timeout}s; log:\n{log.read_text()[-3000:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DaemonProcess:
    def __init__(self, workdir: Path, *, targets: Path | None = None, demo: bool = True, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "daemon.log"
        self.env = {**os.environ, "MONITOR_LISTEN": f"127.0.0.1:{self.port}",
                    "MONITOR_DATABASE_URL": f"sqlite:///{workdir / 'monitor.db'}",
                    "MONITOR_TARGETS": str(targets or ROOT / "targets.yaml"),
                    "MONITOR_MAILDIR": str(workdir / "mail"), "MONITOR_CLOCK_START": CLOCK_START,
                    "MONITOR_CLOCK_ANCHOR": CLOCK_ANCHOR,
                    **(env or {})}
        self.args = [sys.executable, "-m", "monitor", "run"] + (["--demo"] if demo else [])
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> DaemonProcess:
        return self.spawn().wait_ready(timeout)

    def spawn(self) -> DaemonProcess:
        """Start the process without waiting (several replicas racing for the feeds start this way)."""
        with self.log.open("ab") as log:
            # in its own folder: the shipped drop folders (var/reports, var/cases/...) are relative to it
            self.process = subprocess.Popen(self.args, cwd=self.log.parent, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout: float = 30) -> DaemonProcess:
        self.wait_until(lambda: httpx.get(self.url + "/healthz", timeout=1).status_code == 200, timeout)
        return self

    def wait_until(self, condition, timeout: float) -> None:
        wait_for(condition, timeout, self.process, self.log, "daemon")

    def admin_headers(self) -> dict[str, str]:
        """What POST /-/reload needs: the token the daemon was given, or the one it generated beside
        its database."""
        token = self.env.get("MONITOR_ADMIN_TOKEN") or (
            Path(self.env["MONITOR_DATABASE_URL"].removeprefix("sqlite:///")).parent / "admin-token"
        ).read_text(encoding="utf-8").strip()
        return {"Authorization": f"Bearer {token}"}

    def reload(self, timeout: float = 30) -> httpx.Response:
        return httpx.post(self.url + "/-/reload", headers=self.admin_headers(), timeout=timeout)

    def metrics(self) -> str:
        return httpx.get(self.url + "/metrics", timeout=5).text

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def stop(self, timeout: float = 20) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
