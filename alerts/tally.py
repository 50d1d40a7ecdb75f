"""What this process delivered and gave up on, by channel: the source of the outbox counters.

The counters are counted here, in the process, and never read back from the notification table:
retention deletes sent notifications, and a count of rows would then fall, which Prometheus reads
as a counter reset. Counted per process, a replica exports what it sent itself, so a sum over
replicas counts each message once, and a restart starts at zero like any Prometheus counter.
"""

from __future__ import annotations

import threading
from collections import Counter


class DeliveryTally:
    """Monotonic per-channel counts of one outcome kind each ("sent", "failed"); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, Counter[str]] = {}

    def add(self, outcome: str, channel: str, count: int = 1) -> None:
        if count <= 0:
            return
        with self._lock:
            self._counts.setdefault(outcome, Counter())[channel] += count

    def counts(self, outcome: str) -> dict[str, int]:
        with self._lock:
            return dict(self._counts.get(outcome, {}))
