"""Read-ahead: the pages of one stream's read of one company, the next ones requested on
the run's pool while the current one is read, returned in order (`max_concurrency`)."""

from __future__ import annotations

import threading
import typing as t
from collections import deque

from tap_tripletex.pages import FullPagePaginator

if t.TYPE_CHECKING:
    from collections.abc import Iterator
    from concurrent.futures import Future

    import requests

    from tap_tripletex.pages import PageSizes
    from tap_tripletex.prefetch import RequestPool

    Fetch = t.Callable[[dict, int | None, threading.Event], requests.Response]


class ReadAhead:
    """The requests of one read (one stream, one company): walks through lists, and
    first pages requested for walks to come (a stream's later date windows). It owns
    its budget (`budget` requests in flight at most) and its cancellation: once closed,
    nothing it sent ahead makes another try.

    A walk's first page may have been requested before the read began (`claim`, from
    prefetch.py). `fetch(context, from_, stop)` makes one page's call on the request
    path (no further try once `stop` is set) and judges its answer (the stream's
    `validate_response`); it runs on `pool`.
    """

    def __init__(
        self,
        pool: RequestPool,
        fetch: Fetch,
        *,
        budget: int,
        page_size: int,
        sizes: PageSizes,
        stream: str,
        claim: t.Callable[[dict], Future[requests.Response] | None] = lambda _: None,
    ) -> None:
        self._pool, self._fetch, self._claim = pool, fetch, claim
        self._budget, self._page_size = max(1, budget), page_size
        self._sizes, self._stream = sizes, stream
        self._closed = threading.Event()  # set: nothing of this read tries again
        self._walks: list[threading.Event] = []  # set: nothing of that walk tries again
        self._sent: list[Future[requests.Response]] = []
        self._heads = 0  # first pages requested for walks to come, not yet walked

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop what was sent ahead: not started, cancelled; under way, no further try."""
        self._closed.set()
        for stop in self._walks:
            stop.set()
        for future in self._sent:
            future.cancel()
        self._sent.clear()

    def room(self) -> int:
        """How many pages may be requested ahead of the one read: the budget, and no
        more than AHEAD_BYTES holds of the stream's largest page (pages.PageSizes)."""
        return self._sizes.room(self._stream, self._budget)

    def head(self, context: dict) -> Future[requests.Response]:
        """Request the first page of a walk to come, counted against the budget until
        that walk starts."""
        self._heads += 1
        return self._send(context, 0, self._closed)

    def walk(
        self, context: dict, head: Future[requests.Response] | None = None
    ) -> Iterator[requests.Response]:
        """A list's pages in order; `head` is its first page if `head()` requested it.

        After a full page the next one surely exists and is requested; after the n-th
        full page up to n are requested ahead (within `room`, less the heads waiting),
        the ones past the next a guess, dropped if past the end."""
        if head is not None:
            self._heads -= 1
        stop = threading.Event()
        self._walks.append(stop)
        paginator = FullPagePaginator(start_value=0, page_size=self._page_size)
        ahead = deque([head or self._claim(context) or self._send(context, 0, stop)])
        full_pages = 0
        try:
            while not paginator.finished:
                response = ahead.popleft().result()
                paginator.advance(response)
                full_pages += 1
                self._sizes.seen(self._stream, response)
                depth = max(1, min(full_pages, self.room() - self._heads))
                while not paginator.finished and len(ahead) < depth:
                    ahead.append(self._send(context, paginator.token_after(len(ahead)), stop))
                yield response
        finally:  # what this walk sent ahead is not wanted: past the end, or it stopped
            stop.set()
            self._walks.remove(stop)
            for future in ahead:
                future.cancel()

    def _send(self, context: dict, from_: int, stop: threading.Event) -> Future[requests.Response]:
        future = self._pool.submit(self._fetch, context, from_, stop)
        self._sent = [f for f in self._sent if not f.done()]
        self._sent.append(future)
        return future
