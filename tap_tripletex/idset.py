"""A compact set of record ids, for remembering every line a run has emitted."""

from __future__ import annotations

import typing as t
from array import array
from bisect import bisect_left
from itertools import chain

MIN_MERGE = 4096


class IdSet:
    """Integer ids at about 8 bytes each, where a plain set costs about 60: a sorted array,
    plus the latest additions in a small set that is merged in once it grows to an eighth
    of the array. Anything that is not an int is kept in a plain set."""

    def __init__(self) -> None:
        self._sorted = array("q")
        self._recent: set[int] = set()
        self._other: set[t.Any] = set()

    def __contains__(self, item: t.Any) -> bool:
        if not _fits(item):
            return item in self._other
        if item in self._recent:
            return True
        at = bisect_left(self._sorted, item)
        return at < len(self._sorted) and self._sorted[at] == item

    def add(self, item: t.Any) -> None:
        if not _fits(item):
            self._other.add(item)
        elif item not in self:
            self._recent.add(item)
        if len(self._recent) >= max(MIN_MERGE, len(self._sorted) // 8):
            self._sorted = array("q", sorted(chain(self._sorted, self._recent)))
            self._recent.clear()

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent) + len(self._other)


def _fits(item: t.Any) -> bool:
    """A 64-bit int (not a bool), as the array holds."""
    return type(item) is int and -(2**63) <= item < 2**63
