"""Traditional to simplified characters with OpenCC, keeping the text's length so offsets survive.

The extractor only needs the simplified form to match its keywords (comparators, units, deadline
phrases, agency annotations) and agency names; quotes are always cut from the original text, so
the cleaned copy must stay aligned with it character for character. OpenCC's phrase conversions
almost always keep the length; a line where one does not is converted character by character.
"""

from __future__ import annotations

from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _per_character(line: str) -> str:
    convert = _converter().convert
    return "".join(simplified if len(simplified := convert(ch)) == 1 else ch for ch in line)


def to_simplified(text: str) -> str:
    """The same text with traditional characters replaced by simplified ones, same length."""
    converted: str = _converter().convert(text)
    if len(converted) == len(text):
        return converted
    lines = []
    for line in text.split("\n"):
        simplified = _converter().convert(line)
        lines.append(simplified if len(simplified) == len(line) else _per_character(line))
    return "\n".join(lines)
