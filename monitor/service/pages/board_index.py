"""An index over one snapshot for the board and the list API: pages of a large catalogue without
building a row for every commitment on every request.

Two layers, each built once and reused while it holds:
- per catalogue (`CatalogueIndex`): the commitments in the order the board lists a status's
  commitments (deadline, then id: a commitment's *position*), each one's rank in id order (the API's
  cursor order), the deadlines, and the positions of every document's, agency's (lead or
  co-responsible) and jurisdiction's commitments, as numpy arrays;
- per board (`BoardIndex`): each commitment's status as a small integer, and from it, with
  numpy, the counts by status of the whole catalogue, of every document, jurisdiction and agency,
  and every filtered list.

Both are cached by the identity of the (immutable) catalogue and board the snapshot carries; the
daemon replaces its board after each feed's evaluation, so the index is rebuilt at most once per
evaluated feed, whatever the number of requests. A rebuild is one pass of Python over the board
(reading each verdict's status) and a few numpy operations.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from monitor.evaluate import Evaluation
from monitor.model import Catalogue
from monitor.service.pages.wording import STATUS_ORDER, UNMONITORED, UNWIRED

NO_DEADLINE = "9999"     # standing duties sort after every dated one
Positions = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Filters:
    document: str = ""
    agency: str = ""
    status: str = ""
    jurisdiction: str = ""

    def query(self) -> dict[str, str]:
        return {k: v for k, v in (("document", self.document), ("agency", self.agency),
                                  ("status", self.status), ("jurisdiction", self.jurisdiction)) if v}


def _codes(keys: list[str]) -> dict[str, int]:
    return {key: i for i, key in enumerate(keys)}


class CatalogueIndex:
    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        commitments = catalogue.commitments
        deadline = {cid: c.deadline.isoformat() if c.deadline else NO_DEADLINE for cid, c in commitments.items()}
        self.listed: list[str] = sorted(commitments, key=lambda cid: (deadline[cid], cid))
        self.position = {cid: i for i, cid in enumerate(self.listed)}
        self.deadlines = [deadline[cid] for cid in self.listed]
        self.by_id: list[str] = sorted(commitments)
        self.by_id_positions: Positions = np.fromiter((self.position[cid] for cid in self.by_id), np.int64,
                                                      len(self.by_id))
        self.documents = list(catalogue.documents)
        document_code = _codes(self.documents)
        self.jurisdictions = sorted({d.jurisdiction for d in catalogue.documents.values()})
        jurisdiction_code = _codes(self.jurisdictions)
        self.document_jurisdiction = np.array([jurisdiction_code[catalogue.documents[d].jurisdiction]
                                               for d in self.documents], dtype=np.int64)
        self.agencies = list(catalogue.agencies)
        agency_code = _codes(self.agencies)
        listed_commitments = [commitments[cid] for cid in self.listed]
        self.document_of = np.fromiter((document_code[c.document.id] for c in listed_commitments), np.int64,
                                       len(self.listed))
        # (position, agency) for the lead and every co-responsible agency, each pair once
        lead = np.array([agency_code.get(c.agency.id, -1) if c.agency else -1 for c in listed_commitments],
                        dtype=np.int64)
        co = list(dict.fromkeys((i, agency_code[a.id]) for i, c in enumerate(listed_commitments) if c.co_agencies
                                for a in c.co_agencies if a.id in agency_code and (c.agency is None or a.id != c.agency.id)))
        with_lead = np.flatnonzero(lead >= 0)
        self.pair_position = np.concatenate([with_lead, np.array([p for p, _ in co], dtype=np.int64)])
        self.pair_agency = np.concatenate([lead[with_lead], np.array([a for _, a in co], dtype=np.int64)])
        self.unmonitored = np.array([not c.evaluated for c in listed_commitments], dtype=bool)
        self.unwired = np.array([c.unwired for c in listed_commitments], dtype=bool)   # 未接入数据: no measure
        # members: positions grouped by document, jurisdiction and agency (ascending within each), sliced on demand
        jurisdiction_of = self.document_jurisdiction[self.document_of]
        self._groups: dict[str, tuple[dict[str, int], Positions, Positions]] = {}
        for kind, keys, group, positions in (
                ("document", self.documents, self.document_of, np.arange(len(self.listed))),
                ("jurisdiction", self.jurisdictions, jurisdiction_of, np.arange(len(self.listed))),
                ("agency", self.agencies, self.pair_agency, self.pair_position)):
            order = np.lexsort((positions, group))
            bounds = np.searchsorted(group[order], np.arange(len(keys) + 1))
            self._groups[kind] = (_codes(keys), positions[order], bounds)

    def members(self, kind: str, value: str) -> Positions:
        """Positions of a document's, agency's or jurisdiction's commitments, ascending (none: empty)."""
        codes, positions, bounds = self._groups[kind]
        code = codes.get(value)
        if code is None:
            return np.empty(0, dtype=np.int64)
        return positions[bounds[code]:bounds[code + 1]]

    def chosen(self, filters: Filters) -> Positions | None:
        """Positions the document, agency and jurisdiction filters leave, ascending (None: no such filter)."""
        sets = [self.members(kind, value) for kind, value in
                (("document", filters.document), ("agency", filters.agency), ("jurisdiction", filters.jurisdiction))
                if value]
        if not sets:
            return None
        found = sets[0]
        for other in sets[1:]:
            found = np.intersect1d(found, other, assume_unique=True)
        return found

    def due_between(self, first: str, last: str) -> tuple[int, int]:
        """The positions [start, stop) of commitments with a deadline in [first, last] (ISO dates)."""
        return bisect.bisect_left(self.deadlines, first), bisect.bisect_right(self.deadlines, last)


class BoardIndex:
    def __init__(self, cat: CatalogueIndex, board: Mapping[str, Evaluation]):
        self.catalogue = cat
        statuses = list(STATUS_ORDER)
        code = _codes(statuses)
        no_data, unmonitored = code["no_data"], code[UNMONITORED]

        # C-level passes over the board (no Python function per commitment): where each verdict's
        # commitment stands, and its status's code (-1: not in the catalogue, or a status not ordered yet)
        where = np.fromiter(map(cat.position.get, board, repeat(-1)), np.int64, len(board))
        found = np.fromiter(map(code.get, map(attrgetter("status"), board.values()), repeat(-1)), np.int64, len(board))
        if (found < 0).any():
            for i in np.flatnonzero((found < 0) & (where >= 0)):   # a status the pages do not order yet: after the others
                status = board[cat.listed[int(where[i])]].status
                if status not in code:
                    code[status] = len(statuses)
                    statuses.append(status)
                found[i] = code[status]
        self.codes = np.full(len(cat.listed), no_data, dtype=np.int64)
        known = where >= 0
        self.codes[where[known]] = found[known]
        self.codes[cat.unmonitored] = unmonitored
        self.codes[cat.unwired] = code[UNWIRED]
        self.statuses = statuses
        self.code = code
        k = len(statuses)
        self._documents = np.bincount(cat.document_of * k + self.codes, minlength=len(cat.documents) * k
                                      ).reshape(len(cat.documents), k)
        self._jurisdictions = np.zeros((len(cat.jurisdictions), k), dtype=np.int64)
        np.add.at(self._jurisdictions, cat.document_jurisdiction, self._documents)
        self._agencies = np.bincount(cat.pair_agency * k + self.codes[cat.pair_position],
                                     minlength=len(cat.agencies) * k).reshape(len(cat.agencies), k)
        self.counts = self._as_counts(np.bincount(self.codes, minlength=k))

    def _as_counts(self, row: npt.NDArray[np.int64]) -> dict[str, int]:
        return {s: int(n) for s, n in zip(self.statuses, row)}

    def all_document_counts(self) -> dict[str, dict[str, int]]:
        return {d: self._as_counts(row) for d, row in zip(self.catalogue.documents, self._documents)}

    def jurisdiction_counts(self) -> dict[str, dict[str, int]]:
        return {j: self._as_counts(row) for j, row in zip(self.catalogue.jurisdictions, self._jurisdictions)}

    def agency_counts(self) -> dict[str, dict[str, int]]:
        return {a: self._as_counts(row) for a, row in zip(self.catalogue.agencies, self._agencies)}

    def _selected(self, filters: Filters) -> Positions:
        """Positions the filters leave, ascending."""
        chosen = self.catalogue.chosen(filters)
        if not filters.status:
            return np.arange(len(self.codes)) if chosen is None else chosen
        wanted = self.code.get(filters.status, -1)
        if chosen is None:
            return np.flatnonzero(self.codes == wanted)
        kept: Positions = chosen[self.codes[chosen] == wanted]   # numpy types a boolean mask's result as Any
        return kept

    def matching(self, filters: Filters) -> int:
        return int(len(self._selected(filters)))

    def worst_first(self, filters: Filters, start: int, stop: int) -> list[str]:
        """Commitments [start, stop) of those the filters leave, worst status first, then by deadline and id."""
        selected = self._selected(filters)
        ordered = selected[np.argsort(self.codes[selected], kind="stable")]
        return [self.catalogue.listed[int(p)] for p in ordered[start:stop]]

    def due(self, filters: Filters, first: str, last: str) -> tuple[list[str], int]:
        """Monitored commitments the filters leave with a deadline in [first, last]: the first `limit`
        by deadline, and how many there are."""
        start, stop = self.catalogue.due_between(first, last)
        selected = self._selected(filters)
        selected = selected[(selected >= start) & (selected < stop)]
        selected = selected[(self.codes[selected] != self.code[UNMONITORED]) & (self.codes[selected] != self.code[UNWIRED])]
        return [self.catalogue.listed[int(p)] for p in selected], int(len(selected))

    def page_by_id(self, filters: Filters, after: str | None, limit: int) -> tuple[list[str], bool]:
        """Up to `limit` commitments the filters leave, in id order, after the id `after`; and whether
        more follow."""
        cat = self.catalogue
        start = bisect.bisect_right(cat.by_id, after) if after is not None else 0
        if not filters.query():
            return cat.by_id[start:start + limit], start + limit < len(cat.by_id)
        keep = np.zeros(len(self.codes), dtype=bool)
        keep[self._selected(filters)] = True
        ranks = np.flatnonzero(keep[cat.by_id_positions[start:]])[:limit + 1] + start
        return [cat.by_id[int(r)] for r in ranks[:limit]], len(ranks) > limit


def severity(counts: Mapping[str, int]) -> tuple[Any, ...]:
    """A group's place in a worst-first list: more missed first, then more at risk, and so on."""
    return tuple(-counts.get(s, 0) for s in STATUS_ORDER)


_lock = threading.Lock()
_catalogue_cache: list[CatalogueIndex] = []
_board_cache: list[tuple[Mapping[str, Evaluation], BoardIndex]] = []


def index_of(catalogue: Catalogue, board: Mapping[str, Evaluation]) -> BoardIndex:
    """The index of this catalogue and board, built once (the last two of each kind are kept)."""
    with _lock:
        cat = next((c for c in _catalogue_cache if c.catalogue is catalogue), None)
        if cat is None:
            cat = CatalogueIndex(catalogue)
            _catalogue_cache[:] = [cat, *_catalogue_cache[:1]]
        found = next((i for b, i in _board_cache if b is board and i.catalogue is cat), None)
        if found is None:
            found = BoardIndex(cat, board)
            _board_cache[:] = [(board, found), *_board_cache[:1]]
        return found
