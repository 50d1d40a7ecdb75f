"""E-mail recipients in targets.yaml: each entry is exactly one address, `a@x` or `名字 <a@x>`.

An entry such as `"a@x>, b@y"` would otherwise reach two people, and one with CR/LF would forge
headers; both are configuration errors, found by `monitor validate`. So are invisible characters
(U+2028 LINE SEPARATOR, zero-width spaces, direction marks): the parser of the standard library
turns some into spaces inside the address and chokes on others with a HeaderParseError, which is
not a ValueError and would escape validation as a traceback.
"""

from __future__ import annotations

import unicodedata
from email.errors import MessageError
from email.headerregistry import Address
from email.utils import getaddresses
from typing import Annotated

from pydantic import AfterValidator

# control, format (zero-width, direction marks), line and paragraph separators, surrogates,
# private use, unassigned
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


def _invisible(entry: str) -> str | None:
    for ch in entry:
        if unicodedata.category(ch) in _INVISIBLE:
            return f"U+{ord(ch):04X} {unicodedata.name(ch, 'control character')}"
    return None


def single_address(entry: str) -> str:
    """The addr-spec of an entry holding exactly one address; ValueError saying what is wrong."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in entry):
        raise ValueError(f"control characters (line breaks?) in e-mail address {entry!r}")
    if (invisible := _invisible(entry)) is not None:
        raise ValueError(f"invisible character {invisible} in e-mail address {entry!r}; retype the address")
    parsed = [address for _, address in getaddresses([entry]) if address]
    if len(parsed) != 1:
        raise ValueError(f"{entry!r} is not exactly one e-mail address ({len(parsed)} found); "
                         "give each address as its own list item")
    try:
        Address(addr_spec=parsed[0])
    except (ValueError, MessageError, IndexError) as exc:   # HeaderParseError is no ValueError
        raise ValueError(f"{entry!r} is not a valid e-mail address: {exc}") from None
    if "@" not in parsed[0] or parsed[0].startswith("@") or parsed[0].endswith("@") or any(
            ch.isspace() for ch in parsed[0]):
        raise ValueError(f"{entry!r} is not a valid e-mail address (expected name@domain)")
    return parsed[0]


def _checked(entry: str) -> str:
    single_address(entry)
    return entry


EmailEntry = Annotated[str, AfterValidator(_checked)]
