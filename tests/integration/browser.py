"""Headless Chromium (the Debian package) driven by Playwright, for the browser tests.

Playwright's own browser downloads are not used: the system `chromium` is launched by path.
Without it a local run skips with the reason; under CI=true a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.integration.daemon_process import ROOT
from tests.needs import missing

ARTEFACTS = Path(os.environ.get("MONITOR_TEST_ARTEFACTS", ROOT / "var" / "test-artefacts"))
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str:
    found = os.environ.get("MONITOR_CHROMIUM") or next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)
    if found is None:
        missing("no chromium on PATH (Debian: apt-get install chromium; .ci/run installs it)")
    return found


@dataclass
class Visit:
    """One page load: the page, its HTTP status, and the errors the console and the network reported."""

    page: Any
    status: int | None = None
    errors: list[str] = field(default_factory=list)


class Browser:
    def __init__(self) -> None:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:   # the [test] extra brings it
            missing("playwright is not installed (pip install -e '.[test]')")
        executable = chromium_path()   # before Playwright starts: a skip must not leave its event loop running
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=executable,
                                                        args=["--no-sandbox", "--disable-gpu"])
        self.context = self._browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                                 java_script_enabled=False)
        self._extra: list[Any] = []

    def phone(self, width: int = 390, height: int = 844) -> Any:
        """A page in a context as wide as a phone (a mail read at `width` CSS pixels), scripts off."""
        context = self._browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                            java_script_enabled=False)
        self._extra.append(context)
        return context.new_page()

    def open(self, url: str) -> Visit:
        """A new page at `url`, with console errors, page errors and failed requests recorded."""
        visit = Visit(self.context.new_page())
        page, errors = visit.page, visit.errors
        page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
        page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        response = page.goto(url)
        visit.status = response.status if response else None
        return visit

    def screenshot(self, visit: Visit, name: str, full_page: bool = True) -> Path:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTEFACTS / f"{name}.png"
        visit.page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self) -> None:
        for context in self._extra:
            context.close()
        self.context.close()
        self._browser.close()
        self._playwright.stop()
