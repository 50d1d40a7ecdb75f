"""A generic webhook: the group's alerts as one JSON document, POSTed and retried like e-mail."""

from __future__ import annotations

from typing import ClassVar

import httpx

from alerts.notifiers.http import post_json
from alerts.tables import Notification


class WebhookNotifier:
    transport: ClassVar[str] = "webhook"

    def __init__(self, client: httpx.AsyncClient):
        self.client = client

    async def send(self, notification: Notification) -> None:
        await post_json(self.client, notification.target, notification.payload)
