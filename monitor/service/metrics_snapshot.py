"""The per-commitment exposition rendered once per cycle and per reload, served as bytes to every scrape."""

from __future__ import annotations

import threading
import time as time_module
from collections.abc import Callable

from monitor.service.commitment_metrics import CommitmentCollector
from monitor.service.gzipped import Compressed

_monotonic = time_module.monotonic
_EMPTY = Compressed.of(b"")


class MetricsSnapshot:
    """Families rendered once (per cycle, per reload) and served as bytes to every scrape until the
    next rendering. Renderings asked for while one runs fold into one more after it. Many feeds
    finishing their cycles close together do not each render: a rendering is at least
    RENDER_SPACING times its own duration (and one second) after the previous one, and the
    daemon's `flush_if_due` job renders what was deferred, so rendering never takes more than a
    tenth of a core however many feeds there are."""

    RENDER_SPACING = 10.0

    def __init__(self, collector: CommitmentCollector, clock: Callable[[], float] = _monotonic):
        self._collector = collector
        self._clock = clock
        self._cond = threading.Condition()
        # kept compressed only (gzipped.py): Prometheus asks for gzip; the plain text, 22 MB at 100,000
        # commitments, is inflated again for the rare scrape that does not
        self._compressed: Compressed | None = None
        self._dirty = False
        self._rendering = False
        self._rendered_at = float("-inf")
        self.renders = 0
        self.last_render_seconds = 0.0

    def _spacing(self) -> float:
        return max(1.0, self.RENDER_SPACING * self.last_render_seconds)

    def refresh(self, force: bool = True) -> None:
        """Render now; when a rendering is under way, it renders once more when done, and a forced
        refresh returns after that. Not forced: when the last rendering is too recent, only mark the
        snapshot stale for the job."""
        with self._cond:
            self._dirty = True
            if self._rendering and force:   # the running rendering renders once more: wait for it
                while self._rendering:
                    self._cond.wait()
                return
            if self._rendering or (not force and self._clock() - self._rendered_at < self._spacing()):
                return
            self._rendering = True
        try:
            while True:
                with self._cond:
                    if not self._dirty:
                        break
                    self._dirty = False
                started = self._clock()
                compressed = Compressed.of(self._collector.render())
                with self._cond:
                    self._compressed = compressed
                    self.renders += 1
                    self._rendered_at = self._clock()
                    self.last_render_seconds = self._rendered_at - started
                    self._cond.notify_all()
        finally:
            with self._cond:
                self._rendering = False
                self._cond.notify_all()

    def changed(self) -> None:
        """A cycle changed the verdicts: render now if the last rendering is old enough, else later."""
        self.refresh(force=False)

    def flush_if_due(self) -> None:
        """Render what `changed` deferred, once its spacing has passed (the daemon calls this often)."""
        with self._cond:
            due = self._dirty and not self._rendering and self._clock() - self._rendered_at >= self._spacing()
        if due:
            self.refresh()

    def exposition(self) -> bytes:
        """The last rendering (rendered now when there is none yet), inflated."""
        return self.compressed().inflated()

    def compressed(self) -> Compressed:
        """The last rendering, deflated once (see gzipped.py)."""
        self._ensure_rendered()
        with self._cond:
            return self._compressed or _EMPTY

    def _ensure_rendered(self) -> None:
        with self._cond:
            rendered = self._compressed
        if rendered is None:
            self.refresh()
            with self._cond:
                while self._compressed is None and self._rendering:
                    self._cond.wait()
