"""The real daemon (`monitor run --demo`, mail as .eml files): an agency follows the dispute link of
its alert mail, files a dispute with a file, the page shows it, the operators are mailed; the
operators answer with `monitor disputes resolve` and the agency gets the reply, which the page shows."""

from __future__ import annotations

import re
import subprocess
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.integration.daemon_process import ROOT, DaemonProcess

pytestmark = pytest.mark.integration
OPERATORS = "ops@operators.example"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def targets(tmp_path: Path) -> Path:
    """The repository's catalogue with a 1 s group_wait, so the first mails go out at once."""
    text = (ROOT / "targets.yaml").read_text(encoding="utf-8")
    fast = text.replace("  group_wait: 30s\n", "  group_wait: 1s\n", 1)
    assert "group_wait: 1s" in fast, "targets.yaml layout changed"
    path = tmp_path / "targets.yaml"
    path.write_text(fast, encoding="utf-8")
    (tmp_path / "seeds").symlink_to(ROOT / "seeds")
    return path


def mails(folder: Path) -> list:
    return [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def first_group(pattern: str, searched: str) -> str:
    found = re.search(pattern, searched)
    assert found is not None, (pattern, searched[-2000:])
    return found.group(1)


def text(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def test_a_dispute_filed_through_a_mail_link_of_the_real_daemon_shows_on_the_page_and_is_answered(tmp_path, targets):
    env = {"MONITOR_DELIVER_INTERVAL_SECONDS": "0.3", "MONITOR_LINK_SECRET": "integration-secret-0123456789"}
    daemon = DaemonProcess(tmp_path, targets=targets, env=env)
    daemon.env["MONITOR_PUBLIC_URL"] = daemon.url
    folder = tmp_path / "mail"
    try:
        daemon.start()
        daemon.wait_until(lambda: any("对结论有异议：" in text(m) for m in mails(folder)), 60)
        alert = next(m for m in mails(folder) if "对结论有异议：" in text(m))
        link = first_group(r"对结论有异议：(\S+)", text(alert))
        assert link.startswith(f"{daemon.url}/disputes/new?token=")

        with httpx.Client(base_url=daemon.url, timeout=10) as browser:
            form = browser.get(urlsplit(link).path + "?" + urlsplit(link).query)
            assert form.status_code == 200 and "对结论有异议" in form.text
            token = first_group(r'name="token" value="([^"]+)"', form.text)
            csrf = first_group(r'name="csrf" value="([^"]+)"', form.text)
            filed = browser.post("/disputes/new", headers={"Origin": daemon.url},
                                 data={"token": token, "csrf": csrf, "figure": "cases", "reason": "我单位报送20件，只统计了19件。"},
                                 files={"evidence": ("报送清单.pdf", PDF, "application/pdf")})
            assert filed.status_code == 200 and "已收到贵单位的异议" in filed.text, filed.text[-2000:]
            dispute = first_group(r"编号 (\d+)", filed.text)
            page_path = first_group(r'<a href="(/commitments/[^"]+)">', form.text)
            page = browser.get(page_path).text
            assert "有异议·处理中" in page and "只统计了19件" in page

        daemon.wait_until(lambda: any(OPERATORS in str(m["To"]) and "异议" in str(m["Subject"]) for m in mails(folder)), 30)
        reply = "已核实：第20件于期限后报送，不计入本期。"
        answered = subprocess.run([sys.executable, "-m", "monitor", "disputes", "resolve", dispute, "--reply", reply,
                                   "--config", str(targets)], cwd=ROOT, env=daemon.env, capture_output=True, text=True)
        assert answered.returncode == 0, answered.stderr
        daemon.wait_until(lambda: any("异议答复" in str(m["Subject"]) for m in mails(folder)), 30)
        answer = next(m for m in mails(folder) if "异议答复" in str(m["Subject"]))
        assert reply in text(answer) and str(answer["To"]) == str(alert["To"])
        page = httpx.get(daemon.url + page_path, timeout=10).text
        assert reply in page and "有异议·处理中" not in page
    finally:
        daemon.stop()
