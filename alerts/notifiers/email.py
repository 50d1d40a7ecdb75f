"""E-mail: the MIME message (text + HTML, Chinese subject) and SMTP delivery with STARTTLS or SSL."""

from __future__ import annotations

import asyncio
import base64
import json
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import ClassVar

from alerts.notifiers import DeliveryError
from alerts.settings import AlertSettings, SettingsError
from alerts.tables import Notification
from monitor.spec.addresses import single_address

SHORT_TEXT_CHARS = 8000   # the short mail sent when a server refuses the full one as too large


class TooLarge(DeliveryError):
    """The server refused the message for its size (552 / 5.3.4)."""


def short_text(text: str, public_url: str, limit: int = SHORT_TEXT_CHARS) -> str:
    """The text part cut at a line boundary before `limit`, saying where the rest is."""
    notice = (f"\n……（本邮件超出收件服务器允许的大小，以上为节选，其余内容从略；"
              f"每项承诺的“详情”链接及监测总览 {public_url.rstrip('/')}/ 载有全部内容。）\n")
    if len(text) <= limit:
        return text + notice
    cut = text.rfind("\n", 0, limit)
    return text[:cut if cut > 0 else limit] + notice


def build_email(notification: Notification, mail_from: str, text: str | None = None,
                html: str | None = None) -> EmailMessage:
    """The message for a notification (`text`/`html` replace its stored parts; "" leaves HTML out)."""
    message = EmailMessage()
    message["Subject"] = notification.subject
    message["From"] = mail_from
    to, cc = json.loads(notification.to_addrs or "[]"), json.loads(notification.cc_addrs or "[]")
    if to:
        message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = format_datetime(notification.created_at)
    message["Message-ID"] = notification.message_id
    message["X-Commitment-Monitor-Group"] = notification.group_key
    if notification.commitments:
        message["X-Commitment-Monitor-Commitments"] = notification.commitments
    message.set_content(notification.body_text if text is None else text, charset="utf-8")
    html = notification.body_html if html is None else html
    if html:
        message.add_alternative(html, subtype="html", charset="utf-8")
    for attachment in json.loads(notification.attachments or "[]"):   # the progress-report template
        maintype, _, subtype = attachment["content_type"].partition("/")
        message.add_attachment(base64.b64decode(attachment["base64"]), maintype=maintype, subtype=subtype,
                               filename=attachment["filename"])
    return message


def envelope_recipients(notification: Notification) -> list[str]:
    """One addr-spec per recipient entry; an entry that is not exactly one address is a permanent error
    (it would reach someone unintended, or forge a header), so no retry is spent on it."""
    entries = []
    for column in (notification.to_addrs, notification.cc_addrs, notification.bcc_addrs):
        entries += json.loads(column or "[]")
    try:
        return [single_address(entry) for entry in entries]
    except ValueError as exc:
        raise DeliveryError(f"bad address: {exc}", transient=False) from None


def check_addresses(addresses: list[str]) -> None:
    """Raise a permanent DeliveryError for an address no server would take."""
    if not addresses:
        raise DeliveryError("no recipients", transient=False)
    for address in addresses:
        try:
            Address(addr_spec=address)
        except (ValueError, IndexError) as exc:
            raise DeliveryError(f"bad address {address!r}: {exc}", transient=False) from exc


class SmtpNotifier:
    transport: ClassVar[str] = "smtp"

    def __init__(self, settings: AlertSettings):
        self.settings = settings

    async def send(self, notification: Notification) -> None:
        recipients = envelope_recipients(notification)
        check_addresses(recipients)
        message = build_email(notification, self.settings.mail_from)
        try:
            await asyncio.to_thread(self._send_blocking, message, recipients)
        except TooLarge:
            # a server with a limit below alerts.mail_size.MAX_MAIL_BYTES: the agency is still told,
            # in a short text-only mail that points to the full picture (raises when refused again)
            text = short_text(notification.body_text, self.settings.links().url)
            await asyncio.to_thread(self._send_blocking, build_email(notification, self.settings.mail_from, text, ""),
                                    recipients)

    def _send_blocking(self, message: EmailMessage, recipients: list[str]) -> None:
        s = self.settings
        try:
            password = s.password()
        except SettingsError as exc:
            raise DeliveryError(str(exc), transient=True) from exc
        context = ssl.create_default_context(cafile=str(s.smtp_ca_file) if s.smtp_ca_file else None)
        host = s.smtp_host or ""     # set: the pipeline sends by SMTP only when MONITOR_SMTP_HOST is
        try:
            if s.smtp_tls == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(host, s.port(), timeout=s.smtp_timeout_seconds,
                                                        context=context)
            else:
                client = smtplib.SMTP(host, s.port(), timeout=s.smtp_timeout_seconds)
            with client:
                client.ehlo()
                if s.smtp_tls == "starttls" or (s.smtp_tls == "auto" and client.has_extn("starttls")):
                    client.starttls(context=context)
                    client.ehlo()
                elif s.smtp_tls == "auto" and s.smtp_user:
                    raise DeliveryError(f"{s.smtp_host}:{s.port()} offers no STARTTLS; the password is not sent in "
                                        "clear (set MONITOR_SMTP_TLS=ssl or starttls, or =none to allow it)",
                                        transient=True)
                if s.smtp_user:
                    client.login(s.smtp_user, password or "")
                refused = client.send_message(message, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            transient = any(400 <= code < 500 for code in codes)
            raise DeliveryError(f"recipients refused: {_describe(exc.recipients)}", transient=transient) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP authentication failed ({exc.smtp_code}); check MONITOR_SMTP_USER "
                                f"and the password", transient=True) from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 552 or b"5.3.4" in _bytes(exc.smtp_error):
                raise TooLarge(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}", transient=False) from exc
            raise DeliveryError(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}",
                                transient=exc.smtp_code < 500) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"the server lacks an extension MONITOR_SMTP_TLS/USER need: {exc}",
                                transient=True) from exc
        except (TimeoutError, smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            raise DeliveryError(f"cannot deliver through {s.smtp_host}:{s.port()}: {type(exc).__name__}: {exc}",
                                transient=True) from exc
        if refused:   # some recipients refused: the others have it, so a retry would duplicate
            raise DeliveryError(f"some recipients refused: {_describe(refused)}", transient=False)


def _bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "replace")


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _describe(refused: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(f"{address} ({code} {_text(text)})" for address, (code, text) in refused.items())
