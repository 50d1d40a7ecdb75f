"""The embedded default without an SMTP host: each message as an .eml file in MONITOR_MAILDIR.

Files are named after the notification, written to a temporary name and renamed, so a retry after
a crash replaces the same file instead of adding a second copy.
"""

from __future__ import annotations

import asyncio
import os
from typing import ClassVar

from alerts.notifiers import DeliveryError
from alerts.notifiers.email import build_email, check_addresses, envelope_recipients
from alerts.settings import AlertSettings
from alerts.tables import Notification


class MaildirNotifier:
    transport: ClassVar[str] = "maildir"

    def __init__(self, settings: AlertSettings):
        self.settings = settings

    async def send(self, notification: Notification) -> None:
        check_addresses(envelope_recipients(notification))
        message = build_email(notification, self.settings.mail_from)
        bcc = ", ".join(envelope_recipients(notification))
        message["X-Envelope-To"] = bcc
        await asyncio.to_thread(self._write, f"notification-{notification.id:08d}.eml", message.as_bytes())

    def _write(self, name: str, data: bytes) -> None:
        folder = self.settings.maildir
        try:
            folder.mkdir(parents=True, exist_ok=True)
            temporary = folder / f".{name}.tmp"
            temporary.write_bytes(data)
            os.replace(temporary, folder / name)
        except OSError as exc:
            raise DeliveryError(f"cannot write {folder / name}: {exc.strerror}", transient=True) from exc
