"""Reading a dropped file in a child process, so that a read past its collection's deadline stops.

Parsing a workbook happens inside calamine or openpyxl, where no flag is ever checked: a thread
given up at the deadline went on reading beside the next runs (1.46 GB at ten times Excel's row
limit). Each file is therefore read in a child process forked from a small server started once
(multiprocessing's "forkserver", with the readers' modules imported beforehand, so a read starts
in milliseconds and inherits nothing of the daemon: no threads, no sockets, no database
connections). Before each read multiprocessing runs the program's main script again in the child; the
server therefore imports beforehand the modules that script takes its names from, so that the re-run
finds them imported (the `monitor` command's is light, monitor/service/entry.py; a heavy one cost a
second of CPU a file, most of a case feed's first cycle on a large catalogue). `FileReader.stop()`, called when the collection is cancelled, kills the child that
is reading and refuses further reads; the collection's thread then sees `ReadStopped` and lets go
of its claims.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
import types
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from collectors.base import FeedError
from collectors.drop_report import FileProblem, Rejected
from monitor.spec.feeds import FileFeed

if TYPE_CHECKING:
    from collectors.file_drop import FileContent

_PRELOAD = ["__main__", "collectors.file_drop"]
_context_lock = threading.Lock()
_context: ForkServerContext | None = None
_running: dict[int, BaseProcess] = {}      # pid -> the child reading now (the fault tests check none outlives its read)


class ReadStopped(Exception):
    """The read was stopped: its collection passed its deadline or was shut down."""


def _fork_server() -> ForkServerContext:
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            assert isinstance(context, ForkServerContext)
            context.set_forkserver_preload(_PRELOAD + _main_script_imports())
            _context = context
        return _context


def _main_script_imports() -> list[str]:
    """The modules the program's main script took its names from, when a child runs that script again
    (a script run by path; multiprocessing's own "__main__" preload never reaches the server in 3.11)."""
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None or not getattr(main, "__file__", None):
        return []
    names = {value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
             for value in vars(main).values() if isinstance(value, (types.ModuleType, type, types.FunctionType))}
    return sorted(n for n in names if isinstance(n, str) and n not in ("__main__", "builtins") and n in sys.modules)


class FileReader:
    """Reads files one at a time in child processes; `stop()` from any thread ends the read under way."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopped = False
        self._process: BaseProcess | None = None

    @property
    def stopped(self) -> bool:
        with self._lock:
            return self._stopped

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            process = self._process
        if process is not None and process.is_alive():
            process.kill()

    def read(self, content: bytes, name: str, feed: FileFeed, data_time: datetime, tz: ZoneInfo) -> FileContent:
        """What `collectors.file_drop.read_content` returns or raises, read in a child process."""
        context = _fork_server()
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(sender, content, name, feed, data_time, tz), daemon=True,
                                  name=f"read {name}")
        with self._lock:
            if self._stopped:
                receiver.close()
                sender.close()
                raise ReadStopped(name)
            process.start()
            self._process = process
        with _context_lock:
            assert process.pid is not None
            _running[process.pid] = process
        sender.close()   # the child holds the only writing end: its death ends our read with EOFError
        try:
            try:
                outcome, value = receiver.recv()
            except EOFError:
                if self.stopped:
                    raise ReadStopped(name) from None
                process.join(5)
                raise Rejected([FileProblem("unreadable_file", detail=f"the reader ended without an answer "
                                                                      f"(exit code {process.exitcode})")]) from None
        finally:
            receiver.close()
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
            with self._lock:
                self._process = None
            with _context_lock:
                _running.pop(process.pid, None)
            process.close()
        if outcome == "rejected":
            raise Rejected(value)
        if outcome == "feed_error":
            raise FeedError(*value)
        if outcome == "error":
            raise RuntimeError(f"reading {name}: {value}")
        read: FileContent = value
        return read


def _child(sender: Connection, content: bytes, name: str, feed: FileFeed, data_time: datetime, tz: ZoneInfo) -> None:
    from collectors.file_drop import read_content
    answer: tuple[str, Any]
    try:
        answer = ("ok", read_content(content, name, feed, data_time, tz))
    except Rejected as rejection:
        answer = ("rejected", rejection.problems)
    except FeedError as exc:
        answer = ("feed_error", (exc.category, str(exc)))
    except MemoryError:
        answer = ("rejected", [FileProblem("too_large", detail="the file expands to more than memory holds")])
    except Exception as exc:  # noqa: BLE001 - told to the parent, which reports it as a collector bug
        answer = ("error", f"{type(exc).__name__}: {exc}")
    sender.send(answer)
    sender.close()
