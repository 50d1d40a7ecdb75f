"""Notifiers: one small class per transport, behind one Protocol. They know messages, not evaluations."""

from __future__ import annotations

from typing import ClassVar, Protocol

from alerts.tables import Notification


class DeliveryError(Exception):
    """A send failed. Transient failures (connect, TLS, 4xx, 5xx from HTTP) are retried; permanent are not."""

    def __init__(self, message: str, *, transient: bool):
        self.transient = transient
        super().__init__(message)


class Notifier(Protocol):
    transport: ClassVar[str]

    async def send(self, notification: Notification) -> None:
        """Deliver once or raise DeliveryError."""
        ...
