"""Read a policy document in whatever encoding it came in, and clean a copy for matching.

The rules of the extractor run over a cleaned copy (simplified characters, half-width digits and
punctuation, no pinyin annotations, no `??` space garbage, sentences joined across line breaks);
every character of that copy remembers where it came from, so a span found in the copy maps back
to an exact substring of the original text, which is what a quote must be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.charsets import decode
from monitor.extract.hanzi import to_simplified

# Full-width forms to their ASCII twins, plus the dashes and spaces that vary between pages.
_WIDTH = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
_WIDTH.update({"\u3000": " ", "\xa0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ",
               "－": "-", "～": "~", "﹪": "%",
               # corner brackets, as traditional texts quote: the rules read “”
               "「": "“", "」": "”", "『": "‘", "』": "’"})
_WIDTH_TABLE = str.maketrans(_WIDTH)

_PINYIN = re.compile(r"(?<=[\u3400-\u9fff])\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7}\)")
PINYIN_ANNOTATION = _PINYIN     # a pinyin reading in brackets after a character: 區(qū)
_QUESTION_GARBAGE = re.compile(r"\?+")
# Spaces next to a Chinese character or at a line's ends carry no meaning in Chinese text.
# A tab inside a line separates table cells (see `readers`): it stays.
_IDLE_SPACE = re.compile(r"(?m)^[ \t]+|[ \t]+$|(?<=[\u3400-\u9fff\u3001-\u303f\uff00-\uffef“”‘’]) +"
                         r"| +(?=[\u3400-\u9fff\u3001-\u303f“”‘’])")
_SENTENCE_END = set("。;!?:：)”」』》>")
_DATE_START = re.compile(r"\s*[0-9]{2,4}\s*[年月/\-.]")
_SHORTEST_BROKEN_LINE = 15
_LINE_START_LABEL = re.compile(r"[一二三四五六七八九十]+、|\(?[一二三四五六七八九十0-9]+\)|[0-9]+[.、]|•")


def decode_bytes(data: bytes) -> str:
    """Text of a document in any encoding `monitor.charsets` reads (UTF-8, UTF-16 with a BOM,
    GB18030, Big5); a stray undecodable byte becomes U+FFFD rather than losing the document."""
    return decode(data, lenient=True).text


@dataclass(frozen=True)
class CleanText:
    """A cleaned copy of `original`; `origin[i]` is where character i of `text` came from."""

    original: str
    text: str
    origin: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that the cleaned span [start, end) came from."""
        if end <= start:
            at = self.origin[start] if start < len(self.origin) else len(self.original)
            return at, at
        return self.origin[start], self.origin[end - 1] + 1

    def original_slice(self, start: int, end: int) -> str:
        first, last = self.original_span(start, end)
        return self.original[first:last]


def _drop(chars: list[str], origin: list[int], pattern: re.Pattern[str]) -> tuple[list[str], list[int]]:
    text = "".join(chars)
    keep = [True] * len(chars)
    for match in pattern.finditer(text):
        for i in range(match.start(), match.end()):
            keep[i] = False
    return ([c for c, k in zip(chars, keep) if k], [o for o, k in zip(origin, keep) if k])


def _join_broken_lines(chars: list[str], origin: list[int]) -> tuple[list[str], list[int]]:
    """Drop a line break that cuts a sentence: the line before does not end one, and the next
    line does not open a new clause."""
    text = "".join(chars)
    keep = [True] * len(chars)
    for i, ch in enumerate(chars):
        if ch != "\n" or i == 0 or i + 1 >= len(chars):
            continue
        before, after = chars[i - 1], chars[i + 1]
        if before == "\n" or after == "\n" or before in _SENTENCE_END:
            continue
        line_start = text.rfind("\n", 0, i) + 1
        next_end = text.find("\n", i + 1)
        if "\t" in text[line_start:next_end if next_end >= 0 else len(text)]:
            continue  # rows of a table end where they end
        if _LINE_START_LABEL.match(text, i + 1) or _DATE_START.match(text, i + 1):
            continue
        if i - line_start < _SHORTEST_BROKEN_LINE:
            continue  # a short line is a title, a date or a signature, not half a sentence
        keep[i] = False
    return ([c for c, k in zip(chars, keep) if k], [o for o, k in zip(origin, keep) if k])


def clean(original: str) -> CleanText:
    """The cleaned copy of `original`, with its map back to original offsets."""
    chars = list(original.replace("\r", " "))
    origin = list(range(len(chars)))
    chars = list(to_simplified("".join(chars)).translate(_WIDTH_TABLE))
    chars, origin = _drop(chars, origin, _PINYIN)
    chars, origin = _drop(chars, origin, _QUESTION_GARBAGE)
    chars, origin = _drop(chars, origin, _IDLE_SPACE)
    chars, origin = _join_broken_lines(chars, origin)
    return CleanText(original=original, text="".join(chars), origin=tuple(origin))
