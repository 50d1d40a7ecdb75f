"""The webhook receiver against a real HTTP server on 127.0.0.1: JSON POST, retried, secrets from env."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import Session, select

from alerts.pipeline import AlertPipeline
from alerts.tables import FAILED, SENT, Notification
from tests.alerts.alert_helpers import SETUP, T0, Cycle, load_fixture_catalogue


class Hook:
    def __init__(self, replies: list[int]):
        self.replies = replies
        self.bodies: list[dict] = []
        self.headers: list[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                code = hook.replies.pop(0) if hook.replies else 200
                if code == 200:
                    hook.bodies.append(json.loads(body))
                    hook.headers.append(dict(self.headers))
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args):  # noqa: ANN002
                pass
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run(replies: list[int], store, engine, settings, monkeypatch) -> tuple[Hook, AlertPipeline]:
    hook = Hook(replies)
    monkeypatch.setenv("TEST_HOOK_TOKEN", "s3cret")
    catalogue = load_fixture_catalogue(webhooks=[{"id": "ops_chat", "url": hook.url,
                                                  "headers_env": {"Authorization": "TEST_HOOK_TOKEN"}}])
    pipeline = AlertPipeline(engine, settings)
    Cycle(store, pipeline, catalogue)(T0, (SETUP, "missed", 2.5))
    return hook, pipeline


def deliver(pipeline: AlertPipeline, at) -> None:
    async def go():
        try:
            await pipeline.deliver_due(at)
        finally:
            await pipeline.aclose()
    asyncio.run(go())


def webhook_row(engine) -> Notification:
    with Session(engine) as session:
        return session.exec(select(Notification).where(Notification.channel == "webhook")).one()


def test_webhook_gets_json_once_after_a_server_error(store, engine, settings, monkeypatch):
    hook, pipeline = run([503], store, engine, settings, monkeypatch)
    try:
        deliver(pipeline, T0)
        assert hook.bodies == [] and webhook_row(engine).state == "pending"
        deliver(pipeline, T0 + timedelta(minutes=5))
        deliver(pipeline, T0 + timedelta(minutes=10))
    finally:
        hook.close()
    assert webhook_row(engine).state == SENT
    [body] = hook.bodies
    assert body["receiver"] == "区市场监管局" and body["alerts"][0]["actual"] == "2.5个工作日"
    assert hook.headers[0]["Authorization"] == "s3cret"


@pytest.mark.parametrize("code", [400, 404])
def test_webhook_client_error_is_permanent(code, store, engine, settings, monkeypatch):
    hook, pipeline = run([code], store, engine, settings, monkeypatch)
    try:
        deliver(pipeline, T0)
    finally:
        hook.close()
    row = webhook_row(engine)
    assert row.last_error is not None
    assert row.state == FAILED and f"HTTP {code}" in row.last_error
