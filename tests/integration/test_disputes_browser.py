"""The dispute form in headless Chromium (scripts off) on the real daemon: opened from the alert mail's
link, filled in, a file chosen, submitted as a browser submits it (its own Origin and cookie), at
desktop and phone width; the commitment page then shows 有异议·处理中."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser

import pytest

from tests.integration.browser import Browser
from tests.integration.daemon_process import ROOT, DaemonProcess

pytestmark = pytest.mark.integration


def test_an_agency_files_a_dispute_in_a_browser_without_script(tmp_path):
    text = (ROOT / "targets.yaml").read_text(encoding="utf-8")
    (tmp_path / "targets.yaml").write_text(text.replace("  group_wait: 30s\n", "  group_wait: 1s\n", 1), encoding="utf-8")
    (tmp_path / "seeds").symlink_to(ROOT / "seeds")
    daemon = DaemonProcess(tmp_path, targets=tmp_path / "targets.yaml", env={"MONITOR_DELIVER_INTERVAL_SECONDS": "0.3"})
    daemon.env["MONITOR_PUBLIC_URL"] = daemon.url
    evidence = tmp_path / "办件清单.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    browser = None
    try:
        browser = Browser()
        daemon.start()

        def link() -> str | None:
            for path in sorted((tmp_path / "mail").glob("*.eml")):
                body = BytesParser(policy=policy.default).parsebytes(path.read_bytes()).get_body(("plain",)).get_content()  # type: ignore[union-attr]   # no text part: the test fails
                found = re.search(r"对结论有异议：(\S+)", body)
                if found:
                    return found.group(1)
            return None
        daemon.wait_until(lambda: link() is not None, 60)

        visit = browser.open(link() or "")
        page = visit.page
        assert visit.status == 200 and visit.errors == []
        page.set_viewport_size({"width": 390, "height": 844})
        browser.screenshot(visit, "dispute-form-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390   # no sideways scrolling on a phone
        page.set_viewport_size({"width": 1280, "height": 900})
        page.check("input[name=figure][value=actual]")
        page.fill("textarea[name=reason]", "我单位统计本期办结120件，监测只计了108件。")
        page.set_input_files("input[name=evidence]", str(evidence))
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert "已收到贵单位的异议" in page.inner_text("main")
        browser.screenshot(visit, "dispute-filed")
        page.click("main a[href^='/commitments/']")
        assert "有异议·处理中" in page.inner_text("main") and "只计了108件" in page.inner_text("main")
        browser.screenshot(visit, "commitment-disputed")
    finally:
        daemon.stop()
        if browser is not None:
            browser.close()
