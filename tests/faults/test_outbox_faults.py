"""Point 3 of issue 11 replayed: two senders on one database and an SMTP server slower than the
lease. Each message must arrive exactly once (it used to be 34 deliveries for 22 messages)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime

from sqlmodel import Session

from alerts.outbox import new_notification
from monitor import migrations
from monitor.store import make_engine
from tests.integration.daemon_process import ROOT
from tests.smtp_sink import SmtpSink, _Handler

SECONDS_PER_MESSAGE = 0.4
LEASE_SECONDS = 1


class SlowHandler(_Handler):
    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        await asyncio.sleep(SECONDS_PER_MESSAGE)
        return await super().handle_DATA(server, session, envelope)


class SlowSink(SmtpSink):
    def start(self) -> SlowSink:
        from aiosmtpd.controller import Controller
        self._controller = Controller(SlowHandler(self), hostname="127.0.0.1", port=self.port,
                                      server_hostname="127.0.0.1")
        self._controller.start()
        return self


def test_two_senders_and_a_slow_server_deliver_each_message_exactly_once(tmp_path):
    database = tmp_path / "monitor.db"
    engine = make_engine(f"sqlite:///{database}")
    migrations.upgrade(engine)
    with Session(engine) as session:
        now = datetime.now(UTC)
        session.add_all(new_notification(now, group_key=f"agency:a{i}", kind="alert", channel="email",
                                         to_addrs=[f"a{i}@agencies.example"], subject=f"测试{i}", body_text="正文")
                        for i in range(8))
        session.commit()
    engine.dispose()
    logs = [(tmp_path / f"sender{i}.log").open("w") for i in range(2)]
    with SlowSink() as sink:
        env = {**os.environ, "MONITOR_SMTP_HOST": "127.0.0.1", "MONITOR_SMTP_PORT": str(sink.port),
               "MONITOR_SMTP_TLS": "none", "MONITOR_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS)}
        senders = [subprocess.Popen([sys.executable, "-m", "alerts.outbox_worker", "--database-url",
                                     f"sqlite:///{database}", "--interval", "0.05", "--until-empty"],
                                    cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
                   for log in logs]
        try:
            codes = [sender.wait(60) for sender in senders]
        finally:
            for sender in senders:
                sender.kill()
                sender.wait()
            for log in logs:
                log.close()
        received = sink.messages()
    assert codes == [0, 0], [(tmp_path / f"sender{i}.log").read_text()[-2000:] for i in range(2)]
    counts = Counter(message.message_id for message in received)
    assert len(counts) == 8 and set(counts.values()) == {1}, counts
