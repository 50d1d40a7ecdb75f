"""The per-agency upload page of progress reports, reached by a signed link (purpose "upload",
the agency, subject = the period "YYYY-MM"; monitor/service/signed_links.py).

GET /upload/<token> shows the form and what the report holds; GET /upload/<token>/template gives the
template; POST /upload/<token> takes one file. Every bad request is answered in Chinese and changes
nothing: a forged, altered or expired link (403), a form not from this page (CSRF token bound to the
link, and an Origin or Referer of this site; 403), too many uploads (429), too large (413), not a
spreadsheet (415). A file that passes is written to the agency's drop folder as
`upload-<period>-<time>.xlsx`, where the reports feed reads, files and receipts it like any other;
the page shows at once what the check found.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from collectors.reporting import (
    REPORT_TYPES,
    UPLOAD_PREFIX,
    Rejected,
    ReportRejected,
    agency_folder,
    read_report,
    write_template,
)
from monitor.model import Catalogue
from monitor.reporting import Period, due_commitments, due_date, feed_of_agency
from monitor.service.pages.html import render
from monitor.service.pages.wording import promise_text
from monitor.service.signed_links import LinkGrant, LinkRefused, LinkSigner

log = logging.getLogger("monitor.uploads")
PURPOSE, CSRF_PURPOSE = "upload", "upload-form"
ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FORM_OVERHEAD = 64 * 1024          # the multipart envelope around the file


@dataclass
class RateLimit:
    """At most `limit` attempts per key in `window` seconds (per agency, per client address)."""

    limit: int = 10
    window: float = 600.0
    _seen: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            queues = [self._seen.setdefault(key, deque()) for key in keys]
            for queue in queues:
                while queue and queue[0] <= now - self.window:
                    queue.popleft()
            if any(len(queue) >= self.limit for queue in queues):
                return False
            for queue in queues:
                queue.append(now)
            return True


def upload_link(signer: LinkSigner, public_url: str, agency: str, period: Period) -> str:
    return f"{public_url.rstrip('/')}/upload/{signer.token(PURPOSE, agency, str(period))}"


class UploadDesk:
    def __init__(self, signer: LinkSigner, catalogue: Callable[[], Catalogue], clock: Callable[[], datetime],
                 public_url: str, rate: RateLimit | None = None):
        self.signer, self.catalogue, self.clock, self.public_url = signer, catalogue, clock, public_url
        self.rate = rate or RateLimit()

    def csrf(self, token: str, grant: LinkGrant) -> str:
        """A form token bound to this link: valid only with it, for as long as links are."""
        return self.signer.token(CSRF_PURPOSE, grant.agency, hashlib.sha256(token.encode()).hexdigest())

    def csrf_ok(self, token: str, grant: LinkGrant, given: str) -> bool:
        try:
            form = self.signer.verify(given, CSRF_PURPOSE)
        except LinkRefused:
            return False
        return form.agency == grant.agency and secrets.compare_digest(
            form.subject, hashlib.sha256(token.encode()).hexdigest())

    def same_site(self, request: Request) -> bool:
        """The form was posted from this site: its Origin (or, without one, its Referer) is ours."""
        claimed = request.headers.get("origin") or request.headers.get("referer")
        if not claimed or claimed == "null":
            return False
        origin = urlsplit(claimed)
        ours = {urlsplit(self.public_url).netloc, request.headers.get("host", "")}
        return origin.scheme in ("http", "https") and origin.netloc in ours


def _page(status: int, title: str, message: str, ok: bool = False, **more: object) -> HTMLResponse:
    context = {"agency_name": title, "period": "", "message": message, "ok": ok, "problems": [], "form": False}
    context.update(more)
    return render("upload.html.j2", status, None, **context)


def routes(desk: UploadDesk) -> list[Route]:
    def grant_of(token: str) -> tuple[LinkGrant, Period] | HTMLResponse:
        try:
            grant = desk.signer.verify(token, PURPOSE)
            period = Period.parse(grant.subject)
        except LinkRefused as refused:
            return _page(403, "上传链接", "该上传链接已过期，请向运维人员索取新的链接（或使用最近一封催报邮件中的链接）。"
                         if refused.expired else "该上传链接无效（可能被改动或复制不完整），请使用邮件中的完整链接。")
        except ValueError:
            return _page(403, "上传链接", "该上传链接无效，请使用邮件中的完整链接。")
        if feed_of_agency(desk.catalogue(), grant.agency) is None:
            return _page(403, "上传链接", "该单位目前没有需要填报的承诺，链接已不再使用。")
        return grant, period

    def context(token: str, grant: LinkGrant, period: Period) -> dict[str, object]:
        catalogue = desk.catalogue()
        feed = feed_of_agency(catalogue, grant.agency)
        assert feed is not None
        return {"agency_name": catalogue.agencies[grant.agency].name, "period": str(period), "token": token,
                "due": due_date(feed, period).isoformat(), "max_mb": round(feed.max_bytes / 1e6, 1),
                "csrf": desk.csrf(token, grant), "form": True,
                "commitments": [{"id": c.id, "measured": c.measured_zh, "promise": promise_text(c.op, c.value, c.value_max, c.unit)}
                                for c in due_commitments(catalogue, feed.id, grant.agency, period)]}

    def show(request: Request) -> Response:
        token = request.path_params["token"]
        found = grant_of(token)
        if isinstance(found, HTMLResponse):
            return found
        grant, period = found
        return render("upload.html.j2", 200, None, message="", ok=True, problems=[], **context(token, grant, period))

    def template(request: Request) -> Response:
        found = grant_of(request.path_params["token"])
        if isinstance(found, HTMLResponse):
            return found
        grant, period = found
        catalogue = desk.catalogue()
        feed = feed_of_agency(catalogue, grant.agency)
        assert feed is not None
        data = write_template(catalogue.agencies[grant.agency], due_commitments(catalogue, feed.id, grant.agency, period),
                              period, due_date(feed, period))
        return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename={grant.agency}-{period}.xlsx"})

    async def upload(request: Request) -> Response:
        token = request.path_params["token"]
        found = grant_of(token)
        if isinstance(found, HTMLResponse):
            return found
        grant, period = found
        catalogue = desk.catalogue()
        feed = feed_of_agency(catalogue, grant.agency)
        assert feed is not None
        page = context(token, grant, period)

        def answer(status: int, message: str, problems: list[str] | None = None, ok: bool = False) -> HTMLResponse:
            log.log(logging.INFO if ok else logging.WARNING, "upload",
                    extra={"agency": grant.agency, "period": str(period), "status": status, "outcome": message[:60]})
            return render("upload.html.j2", status, None, **{**page, "message": message, "problems": problems or [], "ok": ok})

        client = request.client.host if request.client else "-"
        if not desk.rate.allow(f"agency:{grant.agency}", f"client:{client}"):
            return answer(429, "上传过于频繁，请10分钟后再试。")
        if not desk.same_site(request):
            return answer(403, "上传未被接受：请在本页面上选择文件并点击“上传”（不接受从其他网站提交的表单）。")
        length = request.headers.get("content-length")
        if length is None or not length.isdigit():
            return answer(411, "上传未被接受：浏览器未说明文件大小，请换用常见浏览器重试。")
        if int(length) > feed.max_bytes + FORM_OVERHEAD:
            return answer(413, f"文件过大：填报表不应超过 {feed.max_bytes / 1e6:.1f} MB。请删除多余的工作表或图片后重试。")
        async with request.form(max_files=1, max_fields=5, max_part_size=FORM_OVERHEAD) as form:
            if not desk.csrf_ok(token, grant, str(form.get("csrf") or "")):
                return answer(403, "上传未被接受：页面已过期，请刷新本页后重新选择文件上传。")
            upload = form.get("report")
            if upload is None or isinstance(upload, str) or not upload.filename:
                return answer(400, "没有收到文件：请选择填好的填报表（.xlsx）后再点击“上传”。")
            name = os.path.basename(upload.filename)
            suffix = Path(name).suffix.lower()
            content = await upload.read(feed.max_bytes + 1)
        if len(content) > feed.max_bytes:
            return answer(413, f"文件过大：填报表不应超过 {feed.max_bytes / 1e6:.1f} MB。")
        magic_ok = content.startswith(OLE_MAGIC) if suffix == ".xls" else content.startswith(ZIP_MAGIC)
        if suffix not in REPORT_TYPES or not magic_ok:
            return answer(415, f"文件“{name}”不是电子表格：请上传下发的 .xlsx 填报表（不要上传 PDF、图片或压缩包）。")
        now = desk.clock()
        try:
            intake = await run_in_threadpool(read_report, content, name, catalogue, feed, grant.agency, now, period)
            found_problems: list[str] = []
        except ReportRejected as rejected:
            found_problems = [p.text() for p in rejected.intake.problems]
        except Rejected as rejected:
            found_problems = [p.zh() for p in rejected.problems]
        else:
            del intake
        stored = f"{UPLOAD_PREFIX}{period}-{now.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}{suffix}"
        folder = agency_folder(feed, grant.agency)
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{stored}.part"
        temporary.write_bytes(content)
        os.replace(temporary, folder / stored)
        if found_problems:
            return answer(422, f"文件“{name}”未通过核验，整份文件不予采用（此前已采用的数据不受影响）。"
                               f"请改正以下全部{len(found_problems)}个问题后重新上传；回执邮件也会列出这些问题：", found_problems)
        return answer(200, f"已收到“{name}”，核验通过。数据将在几分钟内入库，届时回执邮件会列出各项承诺的最新结论。",
                      ok=True)

    return [Route("/upload/{token}", show), Route("/upload/{token}/template", template),
            Route("/upload/{token}", upload, methods=["POST"])]
