"""The main text of a government web page: the article, without navigation, menus and footers.

Pages of government sites put the text in a block with a telling id or class (TRS_Editor, zoom,
article, content, ...); when none is found, the block with the most text outside links wins.
Block elements become line breaks, so clause labels stay at line starts.
"""

from __future__ import annotations

import re

import lxml.html

from monitor.extract.readers.limits import check_html_parse

_DROPPED_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe",
                 "select", "button", "template")
_BOILERPLATE = re.compile(r"nav|menu|footer|breadcrumb|crumb|sidebar|share|copyright|login|search|"
                          r"toolbar|topbar|friend", re.I)
_MAYBE_BOILERPLATE = re.compile(r"head|foot|side|banner|related|links|top|bottom", re.I)
_CONTENT = re.compile(r"trs_editor|zoom|article|content|main|detail|text|zw|body|con\b|pages_content", re.I)
_BLOCKS = ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section",
           "article", "blockquote", "pre", "dd", "dt", "ul", "ol")
_CELLS = ("td", "th")


def _marks(element: lxml.html.HtmlElement) -> str:
    return f"{element.get('id', '')} {element.get('class', '')}"


def _drop_boilerplate(root: lxml.html.HtmlElement) -> None:
    for element in list(root.iter(*_DROPPED_TAGS)):
        element.drop_tree()
    whole = _own_text_length(root)
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        marks = _marks(element)
        if not (_BOILERPLATE.search(marks) or (_MAYBE_BOILERPLATE.search(marks) and not _CONTENT.search(marks))):
            continue
        if _own_text_length(element) * 2 < whole:  # never a wrapper around most of the page
            element.drop_tree()


def _own_text_length(element: lxml.html.HtmlElement) -> int:
    """Characters of text in `element` outside links: what a reader reads, not clicks."""
    total = len("".join(element.text_content().split()))
    links = sum(len("".join(a.text_content().split())) for a in element.iter("a"))
    return total - links


def _innermost(block: lxml.html.HtmlElement, length: int) -> lxml.html.HtmlElement:
    """The deepest content-marked block inside `block` that still holds most of its text: the
    article body (TRS_Editor) rather than the article with its date line and view counter."""
    for element in block.iter("div", "td", "article", "section"):
        if element is not block and _CONTENT.search(_marks(element)):
            inner = _own_text_length(element)
            if inner * 2 >= length:
                return _innermost(element, inner)
    return block


def _main_block(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    best, best_length = None, 0
    for element in root.iter("div", "td", "article", "section", "main"):
        if _CONTENT.search(_marks(element)):
            length = _own_text_length(element)
            if length > best_length:
                best, best_length = element, length
    body = root.find("body")
    body = body if body is not None else root
    if best is not None and best_length * 3 >= _own_text_length(body):
        return _innermost(best, best_length)
    # no marked block holding most of the text: the block whose own paragraphs hold the most text
    scored = [(sum(_own_text_length(child) for child in element if child.tag in ("p", "br", "span", "font")
                   or child.tag in _BLOCKS) + len((element.text or "").strip()), element)
              for element in root.iter("div", "td", "article", "section", "main")]
    scored = [(length, element) for length, element in scored if length]
    if not scored:
        return body
    return max(scored, key=lambda pair: pair[0])[1]


def _text(block: lxml.html.HtmlElement) -> str:
    for element in block.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
        if element.tag != "br":
            element.text = "\n" + (element.text or "")
    for element in block.iter(*_CELLS):
        element.tail = "\t" + (element.tail or "")
    lines = [re.sub(r"[ \t\r\f\v]+", lambda m: " " if " " in m.group() else "\t", line).strip()
             for line in block.text_content().split("\n")]
    return "\n".join(line for line in lines if line) + "\n"


def html_text(page: str, name: str = "page") -> str:
    """The main text of an HTML page given as a string (`name` is the file's, for messages).
    Raises UnreadableDocument when the parser gave up on part of the page (see limits)."""
    page = re.sub(r"^\s*<\?xml[^>]*>", "", page)
    if not page.strip():
        return ""
    # no network, no huge tree (libxml2's depth and node-size limits stay on), and what it
    # gave up on is checked rather than silently lost
    parser = lxml.html.HTMLParser(no_network=True, huge_tree=False)
    root = lxml.html.document_fromstring(page, parser=parser)
    check_html_parse(name, parser.error_log)
    title = root.find(".//h1")
    title_text = title.text_content().strip() if title is not None else ""
    _drop_boilerplate(root)
    text = _text(_main_block(root))
    if title_text and title_text not in text:
        text = title_text + "\n" + text
    return text
