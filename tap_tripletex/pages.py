"""List pages: their bodies, decoded lazily, and `from`/`count` paging."""

from __future__ import annotations

import threading
import typing as t
from weakref import WeakKeyDictionary

import msgspec
import requests
from singer_sdk.pagination import OffsetPaginator

# Bytes of a stream's pages a read keeps waiting ahead of the one it emits, and the run's
# prefetch keeps for the reads to come: past it, one page at a time. Orders with their
# lines run to 4.6 MB per 1000, most lists to well under 1 MB: without this, peak memory
# grew with max_concurrency by a page of the largest list per request in flight.
AHEAD_BYTES = 4 * 1024 * 1024


# Decoded bodies of single objects (`{"value": {...}}`), decoded once.
_payloads: WeakKeyDictionary[requests.Response, dict[str, t.Any]] = WeakKeyDictionary()
decoder = msgspec.json.Decoder()


def payload(response: requests.Response) -> dict[str, t.Any]:
    if response not in _payloads:
        body = decoder.decode(response.content)
        if not isinstance(body, dict):
            raise msgspec.DecodeError("not a JSON object")
        _payloads[response] = body
    return _payloads[response]


class _Page(msgspec.Struct):
    values: list[msgspec.Raw] | None = None


# A list page keeps its records as undecoded JSON until each one is read: a page waiting
# in the read-ahead costs its bytes, not a thousand dicts, and memory stays flat.
_page_decoder = msgspec.json.Decoder(_Page)
_values: WeakKeyDictionary[requests.Response, list[msgspec.Raw]] = WeakKeyDictionary()


def page_values(response: requests.Response) -> list[msgspec.Raw]:
    """A page's records, each still JSON. Reading the page checks the whole body is
    well-formed JSON (any object: single-object bodies have no records)."""
    if response not in _values:
        _values[response] = _page_decoder.decode(response.content).values or []
    return _values[response]


class PageSizes:
    """The largest page with records seen so far in the run, per stream: how many of a
    stream's pages may wait in memory at once. A stream not seen yet is taken to be as
    large as the largest seen (a list of orders after one of invoices); an empty page
    (a date window before the company's first order) tells nothing. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._largest: dict[str, int] = {}

    def seen(self, stream: str, response: requests.Response) -> None:
        if page_values(response):
            with self._lock:
                size = max(self._largest.get(stream, 0), len(response.content))
                self._largest[stream] = size

    def room(self, stream: str, budget: int) -> int:
        """Pages of `stream` that may wait: `budget`, and as many as AHEAD_BYTES holds."""
        with self._lock:
            size = self._largest.get(stream) or max(self._largest.values(), default=0)
        return max(1, min(budget, AHEAD_BYTES // size)) if size else budget


class FullPagePaginator(OffsetPaginator):
    """`from`/`count` paging that stops at the first page shorter than `count`.

    `fullResultSize` cannot decide this: while pages remain it reads from+count+1.
    """

    def has_more(self, response: requests.Response) -> bool:
        return len(page_values(response)) >= self.page_size

    def token_after(self, pages: int) -> int:
        """The `from` of the page that many pages after the next one."""
        return int(self.current_value) + pages * self.page_size
