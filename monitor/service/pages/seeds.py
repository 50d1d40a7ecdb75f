"""The seed texts behind the catalogue: a quote shown inside its sentence, commitments in plan order."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from monitor.loader import default_seed_dirs
from monitor.model import Catalogue

SENTENCE_ENDS = "。！？；\n"
CONTEXT_LIMIT = 160   # characters either side of the quote, at most


@dataclass(frozen=True)
class QuoteInContext:
    before: str
    quote: str
    after: str
    position: int | None   # where the quote starts in the seed; None when the seed is missing


@lru_cache(maxsize=16)
def _read(path: str, mtime_ns: int) -> str:   # mtime in the key: an edited seed is read again
    return Path(path).read_text(encoding="utf-8-sig")


def seed_text(catalogue: Catalogue, source: str) -> str | None:
    """The text of a document's seed file, found where the loader finds it; None when missing."""
    if catalogue.source is None:
        return None
    for folder in default_seed_dirs(Path(catalogue.source)):
        candidate = folder / source
        if candidate.is_file():
            return _read(str(candidate), candidate.stat().st_mtime_ns)
    return None


def in_sentence(text: str | None, quote: str) -> QuoteInContext:
    """The quote with the rest of its sentence around it (sentences end at 。！？； or a line break)."""
    at = text.find(quote) if text else -1
    if text is None or at < 0:
        return QuoteInContext("", quote, "", None)
    start = max((text.rfind(mark, 0, at) for mark in SENTENCE_ENDS), default=-1) + 1
    start = max(start, at - CONTEXT_LIMIT)
    end_at = at + len(quote)
    ends = [i for i in (text.find(mark, end_at) for mark in SENTENCE_ENDS) if i >= 0]
    end = min(min(ends) + 1 if ends else len(text), end_at + CONTEXT_LIMIT)
    return QuoteInContext(text[start:at].lstrip(), quote, text[end_at:end].rstrip(), at)
