"""A real SMTP server for tests (aiosmtpd, a development dependency): records what it accepts,
can be stopped and restarted on the same port, can refuse addresses, and can hold a client in
the middle of a conversation so a test can kill the sender there.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def text(self) -> str:
        return self._body("plain")

    def html(self) -> str:
        return self._body("html")

    def _body(self, subtype: str) -> str:
        body = self.message.get_body((subtype,))
        assert body is not None, f"the message has no text/{subtype} part"
        return str(body.get_content())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, N802 - aiosmtpd's hook name
        if address in self.sink.refuse:
            return self.sink.refuse[address]
        while not self.sink.gate.is_set() or (self.sink.hold_after is not None
                                               and len(self.sink.received) >= self.sink.hold_after):
            # held in mid-conversation: the test kills the client meanwhile
            self.sink.held.set()
            await asyncio.sleep(0.01)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802 - aiosmtpd's hook name
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        with self.sink.lock:
            self.sink.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpSink:
    """`server_options` go to aiosmtpd's SMTP (tls_context, require_starttls, authenticator, ...);
    `ssl_context` makes it an implicit-TLS server (port 465 style)."""

    def __init__(self, port: int | None = None, ssl_context=None, **server_options):  # noqa: ANN001
        self.port = port or free_port()
        self.ssl_context = ssl_context
        self.server_options = server_options
        self.logins: list[tuple[str, str]] = []
        self.received: list[Received] = []
        self.refuse: dict[str, str] = {}          # address -> SMTP reply, e.g. "550 5.1.1 no such user"
        self.gate = threading.Event()
        self.gate.set()
        self.held = threading.Event()
        self.hold_after: int | None = None        # hold every client once this many messages arrived
        self.lock = threading.Lock()
        self._controller: Any = None     # aiosmtpd's Controller, once started

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                      ssl_context=self.ssl_context, server_hostname="127.0.0.1",
                                      **self.server_options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self.gate.set()
            self.hold_after = None
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def messages(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return self.messages()
            time.sleep(0.02)
        raise TimeoutError(f"expected {count} messages, got {len(self.received)} within {timeout}s")
