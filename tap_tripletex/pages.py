"""List pages: their bodies, decoded lazily, and `from`/`count` paging."""

from __future__ import annotations

import typing as t
from weakref import WeakKeyDictionary

import msgspec
import requests
from singer_sdk.pagination import OffsetPaginator

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


class FullPagePaginator(OffsetPaginator):
    """`from`/`count` paging that stops at the first page shorter than `count`.

    `fullResultSize` cannot decide this: while pages remain it reads from+count+1.
    """

    def has_more(self, response: requests.Response) -> bool:
        return len(page_values(response)) >= self.page_size

    def token_after(self, pages: int) -> int:
        """The `from` of the page that many pages after the next one."""
        return int(self.current_value) + pages * self.page_size
