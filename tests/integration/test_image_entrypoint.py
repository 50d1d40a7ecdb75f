"""The container image run natively (no container engine runs here): the Dockerfile's runtime stage
is read — ENV, WORKDIR, COPY, VOLUME, ENTRYPOINT, CMD, HEALTHCHECK — and what the container would
run is run as subprocesses, with the image's environment, its paths mapped into a temporary folder
and only its port replaced by a free one. The default command serves the baked catalogue without a
failing feed, and the HEALTHCHECK's command finds the daemon where MONITOR_LISTEN says it listens."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from tests.generators.test_deploy_stack import instructions
from tests.integration.daemon_process import CLOCK_START, ROOT, free_port, wait_for

CONTAINER_ROOTS = ("/opt/venv", "/catalogue", "/data", "/drops", "/app")


def runtime_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from + 1:]


def exec_form(text: str) -> list[str]:
    """The JSON array of an exec-form ENTRYPOINT, CMD or HEALTHCHECK CMD."""
    words = json.loads(text)
    assert isinstance(words, list) and all(isinstance(w, str) for w in words), text
    return words


def healthcheck() -> tuple[dict[str, str], list[str]]:
    """The HEALTHCHECK's options (--timeout=5s ...) and its command."""
    [text] = [args for word, args in runtime_stage() if word == "HEALTHCHECK"]
    options, _, command = text.partition("CMD ")
    return dict(option.lstrip("-").split("=", 1) for option in options.split()), exec_form(command)


def seconds(duration: str) -> float:
    return float(duration.rstrip("s"))


class Image:
    """The runtime stage's file system under `root`, its environment and its commands."""

    def __init__(self, root: Path):
        self.root = root
        for path in CONTAINER_ROOTS[1:]:
            (root / path.lstrip("/")).mkdir(parents=True, exist_ok=True)
        self.env: dict[str, str] = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(root / "app")}
        self.workdir = root
        self.port = free_port()
        for word, args in runtime_stage():
            if word == "ENV":
                for pair in shlex.split(args):
                    name, _, value = pair.partition("=")
                    self.env[name] = self.host(value.replace("$PATH", self.env["PATH"]))
            elif word == "WORKDIR":
                self.workdir = Path(self.host(args))
            elif word == "COPY" and "--from=" not in args:
                *sources, target = shlex.split(args)
                for source in sources:
                    destination = Path(self.host(target)) if target.startswith("/") else self.workdir / target
                    if target.endswith("/") or target in (".", "./"):
                        destination = destination / Path(source).name
                    if (ROOT / source).is_dir():
                        shutil.copytree(ROOT / source, destination)
                    else:
                        shutil.copy(ROOT / source, destination)
            elif word == "VOLUME":
                for volume in exec_form(args):
                    assert Path(self.host(volume)).is_dir(), f"VOLUME {volume}: not mapped"
        host, _, port = self.env["MONITOR_LISTEN"].rpartition(":")
        assert f"EXPOSE {port}" in [f"{w} {a}" for w, a in runtime_stage()]
        self.env["MONITOR_LISTEN"] = f"{host}:{self.port}"   # the one change: a free port
        self.env["MONITOR_CLOCK_START"] = CLOCK_START          # tests choose the instant they run at
        self.entrypoint = exec_form(next(a for w, a in runtime_stage() if w == "ENTRYPOINT"))
        self.cmd = exec_form(next(a for w, a in runtime_stage() if w == "CMD"))
        self.health_options, self.health_command = healthcheck()

    def host(self, value: str) -> str:
        """A value of the image with its paths moved under `root` (/opt/venv is this virtualenv)."""
        for container in CONTAINER_ROOTS:
            target = sys.prefix if container == "/opt/venv" else str(self.root / container.lstrip("/"))
            value = re.sub(rf"(?<![\w.]){re.escape(container)}(?=/|:|$)", target.replace("\\", "\\\\"), value)
        return value

    def executable(self, name: str) -> str:
        found = shutil.which(name, path=self.env["PATH"])
        assert found, f"{name} not on the image's PATH {self.env['PATH']}"
        return found

    def start(self, command: list[str] | None = None) -> subprocess.Popen:
        argv = self.entrypoint + (self.cmd if command is None else command)
        self.log = self.root / "container.log"
        with self.log.open("ab") as log:
            return subprocess.Popen([self.executable(argv[0]), *argv[1:]], cwd=self.workdir, env=self.env,
                                    stdout=log, stderr=subprocess.STDOUT)

    def health(self, **env: str) -> subprocess.CompletedProcess:
        """The HEALTHCHECK's command, as Docker runs it inside the container (its timeout included)."""
        argv = self.health_command
        return subprocess.run([self.executable(argv[0]), *argv[1:]], cwd=self.workdir, env={**self.env, **env},
                              capture_output=True, text=True, timeout=seconds(self.health_options["timeout"]))

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=5)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def collected(image: Image, result: str) -> dict[str, float]:
    """Collections with this result so far, by feed (the baked catalogue: a drop folder per agency and
    the agencies' progress reports)."""
    found = re.findall(rf'^monitor_collections_total\{{feed="([^"]+)",result="{result}"\}} (\S+)$',
                       image.get("/metrics").text, re.M)
    return {feed: float(n) for feed, n in found if float(n) > 0}


def baked_feeds(image: Image) -> set[str]:
    catalogue = yaml.safe_load(Path(image.env["MONITOR_TARGETS"]).read_text(encoding="utf-8"))
    return {feed["id"] for feed in catalogue["feeds"]}


@pytest.fixture
def image(tmp_path: Path) -> Image:
    return Image(tmp_path)


def test_the_image_default_command_serves_its_catalogue_and_its_healthcheck_finds_it(image):
    assert "9464" not in " ".join(image.health_command)   # the address comes from the settings
    process = image.start()
    try:
        wait_for(lambda: image.health().returncode == 0, seconds(image.health_options["start-period"]) + 30,
                 process, image.log, "the image's HEALTHCHECK")
        feeds = baked_feeds(image)   # the demo's agencies fill every one of them
        wait_for(lambda: set(collected(image, "ok")) == feeds, 60, process, image.log, "every feed's first collection")
        health = image.get("/healthz").json()
        assert health["status"] == "ok" and health["feeds_failing"] == 0
        assert health["feeds_collected"] == len(feeds)
        assert collected(image, "config") == {} and "ok=False" not in image.log.read_text()
        assert (image.root / "data" / "monitor.db").exists()   # the database lands in the /data volume
        assert (image.root / "drops" / "var" / "reports").is_dir()   # the demo's files in the /drops volume
        elsewhere = image.health(MONITOR_LISTEN=f"0.0.0.0:{free_port()}")   # MONITOR_LISTEN decides
        assert elsewhere.returncode == 1 and "unreachable" in elsewhere.stderr
    finally:
        stop(process)
    after = image.health()
    assert after.returncode == 1 and "unreachable" in after.stderr


def test_without_its_demo_the_image_reports_every_feed_failing_as_unhealthy(image):
    # the baked catalogue's feeds without the demo's agencies: no case drop folder exists, and where the
    # progress reports land is a file, not a folder (a volume mounted wrongly): the daemon watches nothing
    reports = image.root / "drops" / "var" / "reports"
    reports.parent.mkdir(parents=True)
    reports.write_text("not a folder", encoding="utf-8")
    feeds = baked_feeds(image)
    process = image.start(["run"])
    try:
        wait_for(lambda: set(collected(image, "config")) == feeds, 60, process, image.log, "every feed's first collection")
        health = image.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        assert health.json()["feeds_failing"] == health.json()["feeds_collected"] == len(feeds)
        probe = image.health()
        assert probe.returncode == 1 and f"every feed failing ({len(feeds)} of {len(feeds)})" in probe.stderr
    finally:
        stop(process)
