"""Text from the daemon's inner workings as public pages show it: no path, address or secret of the machine.

An evaluator's reason can carry a collection's error ("the last collection failed (config: drop
folder /srv/monitor/drop/town does not exist)", "HTTP 502 from http://10.1.2.3:8080/api"): useful
to operators, who read it in full in their mails and the log, but not for anyone who opens a public
page. Pages, the API and /status show it with file paths and URLs replaced by a placeholder.
"""

from __future__ import annotations

import re

_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"()<>,;]+")
_PATH = re.compile(r"(?<![\w/.:-])(?:~|\.{1,2})?/(?:[A-Za-z0-9._@+~-]+/)*[A-Za-z0-9._@+~-]+/?")
_WINDOWS_PATH = re.compile(r"\b[A-Za-z]:\\[^\s'\"]+")
_ADDRESS = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b")
URL, PATH, ADDRESS = "[URL]", "[路径]", "[地址]"


def public(text: str) -> str:
    """`text` without URLs, absolute file paths or IP addresses."""
    text = _URL.sub(URL, text)
    text = _WINDOWS_PATH.sub(PATH, text)
    text = _PATH.sub(lambda m: m.group(0) if m.group(0).count("/") < 2 and not m.group(0).startswith(("~", "."))
                     else PATH, text)
    return _ADDRESS.sub(ADDRESS, text)
