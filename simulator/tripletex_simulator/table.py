"""One stream's records for one company, stored as pre-serialised JSON.

Each record is kept as the JSON bytes the API returns for `fields=*` (without
`changes`), next to its `changes` list as JSON bytes, its id, its business date (as an
ordinal) and, for a few streams, a number the list envelope sums up. Serving a page is
joining bytes; records are decoded only when a `fields` filter needs it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

Record = dict[str, Any]
MetricFn = Callable[[Record], float]
CACHE_SIZE = 64
_decode = msgspec.json.decode
_encode = msgspec.json.encode


class SortingError(ValueError):
    """A `sorting` parameter names a property the records do not have."""


@dataclass(frozen=True)
class Selection:
    positions: Sequence[int]
    metric: float


class Table:
    def __init__(
        self,
        name: str,
        *,
        path: str,
        props: Sequence[str],
        ids: list[int],
        blobs: list[bytes],
        changes: list[bytes],
        dates: list[int] | None,
        order: list[int],
        metric: list[float] | None = None,
        metric_fn: MetricFn | None = None,
        parents: list[int] | None = None,
    ) -> None:
        self.name, self.path, self.props = name, path, tuple(props)
        self.ids, self.blobs, self.changes, self.dates = ids, blobs, changes, dates
        self.order, self.metric, self.metric_fn = order, metric, metric_fn
        self.parents = parents  # a child's parent id per record
        self.revision = 0
        self.lock = threading.RLock()
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._index: dict[int, int] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    # reading -------------------------------------------------------------------------
    def blob(self, pos: int, with_changes: bool = False) -> bytes:
        data = self.blobs[pos]
        if not with_changes:
            return data
        return data[:-1] + b',"changes":' + self.changes[pos] + b"}"

    def record(self, pos: int, with_changes: bool = False) -> Record:
        return _decode(self.blob(pos, with_changes))

    def position(self, record_id: int) -> int | None:
        with self.lock:
            if self._index is None or len(self._index) != len(self.ids):
                self._index = {rid: pos for pos, rid in enumerate(self.ids)}
            return self._index.get(record_id)

    def select(
        self,
        date_range: tuple[int, int] | None,
        sorting: str,
        since: float | None = None,
        parent: int | None = None,
    ) -> Selection:
        """Positions matching `from <= date < to`, changed at or after `since` (epoch
        seconds) and belonging to `parent`, in `sorting` order, with the metric sum."""
        key = (date_range, sorting, since, parent, self.revision)
        with self.lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        ordered = self._ordered(sorting)
        if date_range is not None and self.dates is not None:
            low, high = date_range
            dates = self.dates
            ordered = [p for p in ordered if low <= dates[p] < high]
        if parent is not None and self.parents is not None:
            parents = self.parents
            ordered = [p for p in ordered if parents[p] == parent]
        if since is not None:
            changed = self._last_changed()
            ordered = [p for p in ordered if changed[p] >= since]
        metric = self.metric
        total = sum(metric[p] for p in ordered) if metric is not None else 0.0
        found = Selection(ordered, total)
        with self.lock:
            self._cache[key] = found
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return found

    def _ordered(self, sorting: str) -> Sequence[int]:
        keys = [k.strip() for k in sorting.split(",") if k.strip()]
        if not keys:
            return self.order
        for key in keys:
            if key.lstrip("-").split(".")[0] not in self.props:
                raise SortingError(key)
        if keys == ["id"]:
            return range(len(self.ids))
        if keys == ["-id"]:
            return range(len(self.ids) - 1, -1, -1)
        cache_key = ("sorted", sorting, self.revision)
        with self.lock:
            if cache_key in self._cache:
                return self._cache[cache_key]
        records = [_decode(b) for b in self.blobs]
        ordered = list(range(len(records)))
        for key in reversed(keys):
            path = key.lstrip("-").split(".")
            ordered.sort(key=lambda p: _sort_key(records[p], path), reverse=key.startswith("-"))
        with self.lock:
            self._cache[cache_key] = ordered
        return ordered

    def _last_changed(self) -> list[float]:
        """Epoch seconds of each record's latest change."""
        key = ("changed", self.revision)
        with self.lock:
            if key in self._cache:
                return self._cache[key]
        found = [
            max(datetime.fromisoformat(c["timestamp"]).timestamp() for c in _decode(raw))
            for raw in self.changes
        ]
        with self.lock:
            self._cache[key] = found
        return found

    # writing -------------------------------------------------------------------------
    def append(
        self, record: Record, changes: list[Any], date_ord: int | None, parent: int | None = None
    ) -> None:
        with self.lock:
            if self.parents is not None:
                if parent is None:
                    raise ValueError(f"{self.name}: a child record needs its parent id")
                self.parents.append(parent)
            self.ids.append(record["id"])
            self.blobs.append(_encode(record))
            self.changes.append(_encode(changes))
            if self.dates is not None:
                self.dates.append(date_ord or 0)
            if self.metric is not None and self.metric_fn is not None:
                self.metric.append(self.metric_fn(record))
            self.order.append(len(self.ids) - 1)
            self._changed()

    def replace(self, pos: int, record: Record, changes: list[Any], date_ord: int | None) -> None:
        with self.lock:
            self.blobs[pos] = _encode(record)
            self.changes[pos] = _encode(changes)
            if self.dates is not None and date_ord is not None:
                self.dates[pos] = date_ord
            if self.metric is not None and self.metric_fn is not None:
                self.metric[pos] = self.metric_fn(record)
            self._changed()

    def delete(self, pos: int) -> None:
        """Remove a record: lists never show it again (Tripletex reports no deletions)."""
        with self.lock:
            for column in (self.ids, self.blobs, self.changes, self.dates, self.metric):
                if column is not None:
                    del column[pos]
            if self.parents is not None:
                del self.parents[pos]
            self.order = [p - (p > pos) for p in self.order if p != pos]
            self._index = None
            self._changed()

    def _changed(self) -> None:
        self.revision += 1
        self._cache.clear()


def _sort_key(record: Record, path: list[str]) -> tuple[bool, Any]:
    node: Any = record
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node = node.get("id")
    if isinstance(node, (list, dict)):
        node = str(node)
    return (node is not None, node if node is not None else 0)
