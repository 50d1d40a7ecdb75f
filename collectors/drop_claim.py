"""A dropped file claimed for one collection, and filed only once its data is committed.

The order is: claim (open without following links, take an exclusive non-blocking `flock`, check
the name still points at the opened file), read, let the store commit, then move the file to
processed/ (or rejected/ with its report). Each step can be cut short without losing anything:
an unfiled file is read again on the next run, and its rows replace the ones stored under its
name. A second daemon on the same folder skips a file that is claimed or already gone.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path

from collectors import drop_ledger
from collectors.drop_report import FileProblem, write_report

log = logging.getLogger("monitor.collect.file")

PROCESSED, REJECTED, REPORT_SUFFIX = "processed", "rejected", ".errors.txt"


class Unclaimable(Exception):
    """The file cannot be claimed now (taken by another collector, gone, not a regular file)."""


@dataclass(frozen=True)
class Fingerprint:
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, status: os.stat_result) -> Fingerprint:
        return cls(status.st_ino, status.st_size, status.st_mtime_ns)


@dataclass
class Claim:
    """An open, locked drop file; `problems` empty means accepted. `source` is the name it was
    submitted under; `filed_in` is processed/ or rejected/ for a filed file read again because
    it changed since (None for a new submission)."""

    path: Path
    fd: int
    fingerprint: Fingerprint
    source: str
    filed_in: str | None = None
    problems: list[FileProblem] | None = None

    @classmethod
    def take(cls, path: Path, source: str | None = None, filed_in: str | None = None) -> Claim:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:   # gone, or replaced by a symlink since it was listed (ELOOP)
            raise Unclaimable(str(exc)) from None
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):
                raise Unclaimable("not a regular file")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise Unclaimable("claimed by another collector") from None
            if not _same_file(path, opened):
                raise Unclaimable("moved by another collector")
            return cls(path, fd, Fingerprint.of(opened), source or path.name, filed_in)
        except BaseException:
            os.close(fd)
            raise

    def read(self, limit: int) -> bytes:
        """At most `limit` bytes of the claimed file (the caller has checked its size)."""
        chunks, left = [], limit
        os.lseek(self.fd, 0, os.SEEK_SET)
        while left > 0:
            chunk = os.read(self.fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def still_named(self) -> bool:
        """The file's name still points at the claimed file (another collector has not filed it)."""
        return _same_file(self.path, os.fstat(self.fd))

    def unchanged(self) -> bool:
        return Fingerprint.of(os.fstat(self.fd)) == self.fingerprint

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)   # closing drops the flock
            self.fd = -1


def _same_file(path: Path, opened: os.stat_result) -> bool:
    try:
        now = os.lstat(path)
    except FileNotFoundError:
        return False
    return (now.st_dev, now.st_ino) == (opened.st_dev, opened.st_ino)


def move_aside(path: Path, folder: Path, stamp: str) -> Path | None:
    """Move `path` into `folder` (a name already there gets a time stamp); None when it is already gone."""
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    if target.exists() or target.is_symlink():
        target = folder / f"{path.stem}.{stamp}{path.suffix}"
    try:
        os.rename(path, target)
    except FileNotFoundError:
        return None
    except OSError:   # another file system
        shutil.move(str(path), target)
    return target


def report_path(rejected: Path) -> Path:
    return rejected.with_name(rejected.name + REPORT_SUFFIX)


def file_rejected(path: Path, folder: Path, stamp: str, problems: list[FileProblem],
                  source: str | None = None) -> Path | None:
    """Move a file to rejected/ with its report beside it; where it went (None: already gone)."""
    moved = path if path.parent == folder / REJECTED else move_aside(path, folder / REJECTED, stamp)
    if moved is not None:
        write_report(report_path(moved), source or path.name, problems)
    return moved


@dataclass
class DropHandover:
    """Files the claims of one collection once the store has committed their rows (see `Handover`)."""

    folder: Path
    stamp: str
    claims: list[Claim] = field(default_factory=list)
    _done: threading.Lock = field(default_factory=threading.Lock)

    def committed(self) -> None:
        with self._done:
            for claim in self.claims:
                try:
                    self._file(claim)
                except OSError as exc:   # its rows are stored: filed on a later run, which replaces them
                    log.warning("file_not_filed", extra={"file": claim.path.name, "error": str(exc)})
                finally:
                    claim.release()
            self.claims = []

    def abandoned(self) -> None:
        with self._done:
            for claim in self.claims:
                claim.release()
            self.claims = []

    def _file(self, claim: Claim) -> None:
        if not claim.still_named():
            log.info("file_already_filed", extra={"file": claim.path.name})
        elif not claim.unchanged():   # written to while read: read again (and replaced) on the next run
            log.warning("file_changed_while_read", extra={"file": claim.path.name, "action": "read_again"})
        else:
            self._file_read(claim)

    def _file_read(self, claim: Claim) -> None:
        """Accepted to processed/, rejected to rejected/ (a filed file read again may change sides),
        each recorded in that folder's ledger so that a later change is noticed."""
        into = REJECTED if claim.problems else PROCESSED
        if claim.filed_in is not None and claim.filed_in != into:
            drop_ledger.forget(claim.path.parent, claim.path.name)
        if claim.problems:
            filed = file_rejected(claim.path, self.folder, self.stamp, claim.problems, claim.source)
        elif claim.filed_in == PROCESSED:
            filed = claim.path
        else:
            filed = move_aside(claim.path, self.folder / PROCESSED, self.stamp)
            if filed is not None and claim.filed_in == REJECTED:
                report_path(claim.path).unlink(missing_ok=True)   # corrected: the old report no longer holds
        if filed is not None:
            drop_ledger.record(self.folder / into, filed.name, claim.source, claim.fingerprint.size,
                               claim.fingerprint.mtime_ns)
