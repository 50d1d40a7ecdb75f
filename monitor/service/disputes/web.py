"""The dispute form on the daemon's listener: GET /disputes/new?token=… shows it, POST submits it.

Every refusal is a Chinese page that says what went wrong and what to do, and changes nothing:
a forged or expired link (403, naming whom to ask for a new one), a form posted from another site
(403: the Origin, or Referer, must be this site, and the form's token must match the cookie set
when the form was shown), too many submissions (429 with Retry-After), a body over the limit
(413, refused before it is read), an empty or invalid form or a refused file (400, the form
shown again with what was entered).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from monitor.disputes import FIGURES
from monitor.service.disputes import evidence
from monitor.service.disputes.desk import DisputeDesk, Evidence
from monitor.service.disputes.form import REASON_MAX, FormInput, check_fields
from monitor.service.pages import html, views
from monitor.service.pages.backend import WebBackend
from monitor.service.signed_links import LinkGrant, LinkRefused

COOKIE = "dispute_form"
BODY_MAX = evidence.MAX_BYTES + 256 * 1024   # the file, the text fields and the multipart framing


def _refusal(status: int, title: str, message: str, desk: DisputeDesk, headers: dict[str, str] | None = None,
             back: str | None = None) -> HTMLResponse:
    response = html.render("dispute_refused.html.j2", status, title=title, message=message,
                           operators=desk.operators(), back=back)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _link_refused(exc: LinkRefused, desk: DisputeDesk) -> HTMLResponse:
    ask = "请使用最近一封告警邮件中的“对结论有异议”链接，或联系监测办公室索取新链接。"
    if exc.expired:
        return _refusal(403, "链接已过期", f"此异议链接已过期（链接自发出起 {desk.validity_days()} 天内有效）。{ask}", desk)
    return _refusal(403, "链接无效", "此异议链接无效：可能复制不完整、被改动，或所指的承诺已不再监测。"
                    f"请从告警邮件中完整复制链接后重试。{ask}", desk)


def _same_site(request: Request, desk: DisputeDesk) -> bool:
    """The form was posted from this site: its Origin (or, without one, its Referer) is ours."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if claimed is None:
        return True   # browsers send Origin on every form POST; the cookie-bound token still applies
    parts = urlsplit(claimed)
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    ours = {_origin(desk.public_url), _origin(str(request.base_url))}
    return origin in ours


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _form_page(request: Request, backend: WebBackend, desk: DisputeDesk, grant: LinkGrant, token: str,
               given: FormInput, status: int = 200) -> HTMLResponse:
    snap = backend.snapshot()
    c = snap.catalogue.commitments[grant.subject]
    agency = snap.catalogue.agencies.get(grant.agency)
    nonce = request.cookies.get(COOKIE) or desk.new_nonce()
    response = html.render(
        "dispute_form.html.j2", status, row=views.row(c, snap.board.get(c.id)), cases=_cases(snap.board.get(c.id)),
        agency_name=agency.name if agency else grant.agency, token=token, csrf=desk.form_token(grant, nonce),
        figures=FIGURES, given=given, accept=evidence.ACCEPT_ATTRIBUTE, accepted_zh=evidence.ACCEPTED_ZH,
        reason_max=REASON_MAX, open_disputes=[d for d in desk.for_page(c.id) if d["open"]],
        operators=desk.operators(), validity_days=desk.validity_days())
    response.set_cookie(COOKIE, nonce, max_age=86400, path="/disputes", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response


def _cases(ev: Any) -> int | None:
    return ev.cases if ev is not None else None


def routes(backend: WebBackend, desk: DisputeDesk) -> list[Route]:
    def show(request: Request) -> Response:
        token = request.query_params.get("token", "")
        try:
            grant = desk.grant(token)
        except LinkRefused as exc:
            return _link_refused(exc, desk)
        return _form_page(request, backend, desk, grant, token, FormInput())

    async def submit(request: Request) -> Response:
        client = request.client.host if request.client else "unknown"
        length = request.headers.get("content-length")
        if length is None or not length.isdigit():
            return _refusal(411, "无法接收", "提交的内容缺少长度信息，请用浏览器打开异议链接后提交表单。", desk)
        if int(length) > BODY_MAX:
            return _refusal(413, "文件过大", "提交的内容超过 10 MB 上限，未被接收。请压缩图片或拆分文件后提交主要部分，"
                            "或把文件放在贵单位网站上并填写链接。", desk)
        if not _same_site(request, desk):
            return _refusal(403, "来源不符", "此表单只能从本系统的异议页面提交；来自其他网站的提交未被接收。"
                            "请打开告警邮件中的“对结论有异议”链接填写。", desk)
        if not desk.admit_client(client):
            return _refusal(429, "提交过于频繁", f"提交过于频繁，请 {_minutes(desk.retry_after(client))} 分钟后再试。"
                            "需要补充材料的，也可直接联系监测办公室。", desk,
                            headers={"Retry-After": str(desk.retry_after(client))})
        try:
            form = await request.form(max_files=1, max_fields=10)
        except (MultiPartException, HTTPException):
            return _refusal(400, "无法读取表单", "提交的表单无法读取，请重新打开异议链接填写后提交。", desk)
        try:
            return await _file(request, backend, desk, form, client)
        finally:
            await form.close()

    return [Route("/disputes/new", show, methods=["GET"]), Route("/disputes/new", submit, methods=["POST"])]


async def _file(request: Request, backend: WebBackend, desk: DisputeDesk, form: FormData, client: str) -> Response:
    """Check the parsed form and file the dispute, or answer why not."""
    token = _text(form.get("token"))
    try:
        grant = desk.grant(token)
    except LinkRefused as exc:
        return _link_refused(exc, desk)
    if not desk.form_token_ok(grant, request.cookies.get(COOKIE), _text(form.get("csrf"))):
        return _refusal(403, "表单已失效", "表单已失效或不是从本系统的异议页面提交的（浏览器需允许本站的 Cookie）。"
                        "请重新打开告警邮件中的“对结论有异议”链接填写。", desk,
                        back=f"/disputes/new?token={token}")
    given = check_fields(_text(form.get("figure")), _text(form.get("reason")), _text(form.get("evidence_link")))
    upload = form.get("evidence")
    attached = None
    if isinstance(upload, UploadFile) and (upload.filename or upload.size):
        data = await upload.read(evidence.MAX_BYTES + 1)
        attached = Evidence(upload.filename or "未命名文件", data)
        try:
            evidence.check(attached.name, attached.data)
        except evidence.EvidenceRefused as exc:
            given.problems.append(str(exc))
    if given.problems:
        return _form_page(request, backend, desk, grant, token, given, 400)
    if not desk.admit_agency(grant.agency):
        wait = desk.retry_after(client, grant.agency)
        return _refusal(429, "提交过于频繁", f"贵单位近期提交的异议过多，请 {_minutes(wait)} 分钟后再试，"
                        "或直接联系监测办公室。", desk, headers={"Retry-After": str(wait)})
    row = await run_in_threadpool(desk.file, grant, given, attached, client)
    snap = backend.snapshot()
    c = snap.catalogue.commitments[row.commitment]
    return html.render("dispute_filed.html.j2", 200, dispute_id=row.id, measured=c.measured_zh,
                       commitment_id=c.id, figure_zh=FIGURES[row.figure], reason=row.reason,
                       evidence_name=row.evidence_name, evidence_link=row.evidence_link,
                       operators=desk.operators())


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))
