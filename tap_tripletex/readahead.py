"""Pages of a list, requested ahead on the tap's request pool while the current one is
read, and returned in order (`max_concurrency`)."""

from __future__ import annotations

import threading
import typing as t
from collections import deque
from functools import cached_property

import requests
from singer_sdk.streams.rest import PageContext

from tap_tripletex.errorpolicy import ErrorPolicy
from tap_tripletex.pages import (
    AbandonedError,
    FullPagePaginator,
    abandon,
    decoder,
    page_values,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from concurrent.futures import Executor, Future

    from singer_sdk.helpers.types import Context

DEFAULT_MAX_CONCURRENCY = 2  # max_concurrency: requests in flight at once


class ReadAheadStream(ErrorPolicy):
    """A stream whose pages (and later date windows' first pages) are requested ahead."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._worker = threading.local()  # in a pool thread: `done` of the walk it serves
        self._heads_ahead = 0  # first pages of later date windows requested, not yet read

    @property
    def request_pool(self) -> Executor:
        raise NotImplementedError

    def get_new_paginator(self) -> FullPagePaginator:
        return FullPagePaginator(start_value=0, page_size=int(self.config["page_size"]))

    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        return map(decoder.decode, page_values(response))

    def request_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        return self._walk(context)

    def _walk(
        self, context: Context | None, head: Future[requests.Response] | None = None
    ) -> Iterator[dict[str, t.Any]]:
        """Every record of one walk through a list, in order; `head` may hold its
        first page, already requested."""
        for response in self._pages(context, head):
            yield from self.parse_response(response)

    def _pages(
        self, context: Context | None, head: Future[requests.Response] | None
    ) -> Iterator[requests.Response]:
        """The walk's pages in order. After a full page the next one surely exists and
        is requested; after the n-th full page, up to n are requested ahead (at most
        `max_concurrency`, less the later windows' first pages already requested), the
        ones past the next a guess, dropped if past the end. Short lists so guess
        nothing. A stopped walk cancels what it sent ahead."""
        paginator = self.get_new_paginator()
        done = threading.Event()
        ahead = deque([head or self.fetch(context, paginator.current_value, done)])
        full_pages = 0
        with self.get_http_request_counter() as counter:
            counter.with_context(context)
            try:
                while not paginator.finished:
                    response = ahead.popleft().result()
                    counter.increment()
                    paginator.advance(response)
                    full_pages += 1
                    # Later windows' first pages, requested already, share the budget.
                    depth = max(1, min(full_pages, self.max_concurrency - self._heads_ahead))
                    while not paginator.finished and len(ahead) < depth:
                        token = paginator.token_after(len(ahead))
                        ahead.append(self.fetch(context, token, done))
                    yield response
            finally:
                abandon(ahead, done)

    def fetch(
        self, context: Context | None, token: int | None, done: threading.Event
    ) -> Future[requests.Response]:
        """Send one page's request on the tap's request pool; once `done` is set, it
        is dropped before its next try."""
        page = PageContext(stream_context=context, next_page_token=token)
        http = self.get_http_request(page=page)
        request = self.build_prepared_request(
            method=http.method,
            url=http.url,
            params=http.encode_params(),
            headers=http.headers,
            data=http.data,
        )
        return self.request_pool.submit(self._fetch, request, context, done)

    def _fetch(
        self, request: requests.PreparedRequest, context: Context | None, done: threading.Event
    ) -> requests.Response:
        self._worker.done = done
        return self._sender(request, context)

    @cached_property
    def _sender(self) -> t.Callable[..., requests.Response]:
        return self.request_decorator(self._send)

    def _send(
        self, request: requests.PreparedRequest, context: Context | None
    ) -> requests.Response:
        """One try, signed as the context's company with the session's current token
        (a retry after renewal carries the new one)."""
        if self._worker.done.is_set():
            raise AbandonedError
        company = self.session.for_company(int((context or {})["company_id"]))
        response = self.requests_session.send(
            company(request), timeout=self.timeout, allow_redirects=self.allow_redirects
        )
        self.validate_response(response)
        return response

    @property
    def max_concurrency(self) -> int:
        return int(self.config.get("max_concurrency", DEFAULT_MAX_CONCURRENCY))
