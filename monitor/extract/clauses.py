"""The structure of a plan: clause labels (一、 / (一) / 1.), agency annotations, headings, quotes.

All positions are offsets in the cleaned text (see `decode.CleanText`); labels are printed as in
the original document.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from monitor.extract.decode import CleanText

_LABELS = (
    (1, re.compile(r"[一二三四五六七八九十]+、")),
    (2, re.compile(r"\([一二三四五六七八九十]+\)")),
    (3, re.compile(r"[0-9]{1,3}(?:[.、](?![0-9])|\.(?=[0-9]{0,2}[^0-9.万亿%]))")),
    (4, re.compile(r"\([0-9]{1,2}\)")),
)
_NAME_SPLIT = re.compile(r"[、,;，；]|及(?=区|市)")
_SEGMENT_STOP = "。;!?\n,:"
_SENTENCE_STOP = "。;!?\n"


@dataclass(frozen=True)
class Label:
    start: int        # where the label starts (line start)
    level: int
    text: str         # as printed in the original


@dataclass(frozen=True)
class Annotation:
    start: int
    lead: str | None
    co: tuple[str, ...]


@dataclass(frozen=True)
class Structure:
    labels: tuple[Label, ...]
    annotations: tuple[Annotation, ...]
    text_length: int
    rows: tuple[tuple[int, int, Annotation], ...] = ()   # table rows with their own agency columns

    def enclosing(self, pos: int) -> list[Label]:
        """The labels enclosing `pos`, outermost first."""
        chain: list[Label] = []
        for label in self.labels:
            if label.start > pos:
                break
            chain = [kept for kept in chain if kept.level < label.level] + [label]
        return chain

    def clause(self, pos: int) -> str | None:
        """The clause label at `pos` as printed, e.g. "(一)1." (section and item), or None."""
        chain = [label for label in self.enclosing(pos) if label.level > 1] or self.enclosing(pos)
        return "".join(label.text for label in chain[-2:]) or None

    def _own_end(self, label: Label) -> int:
        """End of the part of a labelled block before its first sub-label."""
        for later in self.labels:
            if later.start > label.start:
                return later.start
        return self.text_length

    def agency(self, pos: int) -> Annotation | None:
        """The nearest 牵头单位/责任单位/主责单位 annotation that covers `pos`: the first one after
        it in the same innermost block, else the one of that block, else of an enclosing one; in
        a table with a 牵头单位 column, the row's own."""
        for start, end, annotation in self.rows:
            if start <= pos <= end:
                return annotation
        starts = [a.start for a in self.annotations]
        chain = self.enclosing(pos)
        if not chain:
            index = bisect.bisect_left(starts, pos)
            return self.annotations[index] if index < len(starts) and starts[index] - pos < 400 else None
        inner = chain[-1]
        end = self._own_end(inner)
        index = bisect.bisect_left(starts, pos)
        if index < len(starts) and starts[index] < end:
            return self.annotations[index]
        for label in reversed(chain):
            own_end = self._own_end(label) if label is not inner else end
            for annotation in self.annotations:
                if label.start <= annotation.start < own_end:
                    return annotation
        return None


_ROLES = re.compile(r"(牵头单位|主责单位|责任单位|牵头部门|责任部门|配合单位|配合部门)[:：]?")


def _parse_annotation(start: int, body: str) -> Annotation:
    lead: list[str] = []
    co: list[str] = []
    parts = _ROLES.split(body)   # [before, role, names, role, names, ...]: each role keeps its own names
    for role, names_text in zip(parts[1::2], parts[2::2]):
        names_text = names_text.split("。")[0]
        names = [n.strip(" 。.;等相关部门") for n in _NAME_SPLIT.split(names_text)]
        names = [n for n in names if n]
        if role in ("牵头单位", "主责单位", "牵头部门"):
            lead.extend(names)
        else:
            co.extend(names)
    if not lead and co:
        lead, co = co[:1], co[1:]
    return Annotation(start, lead[0] if lead else None, tuple(dict.fromkeys(lead[1:] + co)))


_AGENCY_HEADER = re.compile(r"^(?:牵头单位|牵头部门|责任单位|责任部门|主责单位|牵头单位及责任单位)$")


def _table_annotations(text: str) -> list[tuple[int, int, Annotation]]:
    """Rows of tab-separated tables with a 牵头单位/责任单位 column: (row start, row end, its agencies)."""
    rows: list[tuple[int, int, Annotation]] = []
    columns: list[tuple[int, str]] | None = None
    width, at = 0, 0
    for line in text.split("\n"):
        start, at = at, at + len(line) + 1
        cells = [cell.strip() for cell in line.split("\t")]
        if len(cells) < 3:
            columns = None
            continue
        named = [(i, cell) for i, cell in enumerate(cells) if _AGENCY_HEADER.match(cell)]
        if named:
            columns, width = named, len(cells)
            continue
        if columns is None or len(cells) != width:
            continue
        body = ";".join(f"{role}:{cells[i]}" for i, role in columns if cells[i])
        if body:
            rows.append((start, start + len(line), _parse_annotation(start, body)))
    return rows


def parse_structure(clean: CleanText) -> Structure:
    text = clean.text
    labels: list[Label] = []
    line_start = 0
    for line in text.split("\n"):
        stripped = line.lstrip("•· ")
        at = line_start + len(line) - len(stripped)
        for level, pattern in _LABELS:
            match = pattern.match(text, at)
            if match:
                labels.append(Label(at, level, clean.original_slice(match.start(), match.end()).strip()))
                break
        line_start += len(line) + 1
    annotations = []
    for match in re.finditer(r"\((?:[^()]|\([^()]*\))*?(?:牵头单位|主责单位|责任单位|牵头部门|责任部门)"
                             r"(?:[^()]|\([^()]*\))*\)", text):
        annotations.append(_parse_annotation(match.start(), match.group()[1:-1]))
    return Structure(tuple(labels), tuple(annotations), len(text), tuple(_table_annotations(text)))


def segment(text: str, start: int, end: int, stops: str = _SEGMENT_STOP) -> tuple[int, int]:
    """The span of the phrase around [start, end) up to the nearest stop characters."""
    left = start
    while left > 0 and text[left - 1] not in stops:
        left -= 1
    right = end
    while right < len(text) and text[right] not in stops:
        right += 1
    while left < right and text[left] in " \t":
        left += 1
    while right > left and text[right - 1] in " \t":
        right -= 1
    return left, right


def strip_label(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without a clause label it may start with ("1.企业开办..." → "企业开办...")."""
    at_line_start = start == 0 or text[start - 1] == "\n"
    for _, pattern in _LABELS:
        match = pattern.match(text, start, end)
        if match and at_line_start:
            return match.end(), end
    return start, end


def sentence(text: str, start: int, end: int) -> tuple[int, int]:
    return segment(text, start, end, _SENTENCE_STOP)


def is_heading(text: str, pos: int) -> bool:
    """Whether `pos` is on a short heading line (a title restating a target the body details)."""
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    if "。" in line or len(line) > 40:
        return False
    return any(pattern.match(line.lstrip("•· ")) for _, pattern in _LABELS)
