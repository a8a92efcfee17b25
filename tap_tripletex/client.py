"""The one base stream: auth, paging, request shaping and replication (its error
policy is in errorpolicy.py)."""

from __future__ import annotations

import threading
import typing as t
from collections import deque
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from importlib import resources as importlib_resources

import requests
from singer_sdk import SchemaDirectory, StreamSchema
from singer_sdk.exceptions import FatalAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.streams.rest import PageContext

from tap_tripletex import fieldsparam
from tap_tripletex.companies import CompanyAccessError
from tap_tripletex.errorpolicy import (
    ErrorPolicy,
    ResultSetTooLargeError,
    StreamUnavailableError,
)
from tap_tripletex.pages import (
    AbandonedError,
    FullPagePaginator,
    abandon,
    decoder,
    page_values,
)
from tap_tripletex.replication import change_floor, last_change, utc_iso, window_start
from tap_tripletex.timeutil import date_windows, month_windows, oslo_today, parse_start

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from concurrent.futures import Future

    from singer_sdk.helpers.types import Auth, Context

    from tap_tripletex.auth import TripletexSession
    from tap_tripletex.resources import Resource
    from tap_tripletex.tap import TapTripletex

SCHEMAS = SchemaDirectory(importlib_resources.files("tap_tripletex") / "schemas")


DEFAULT_MAX_CONCURRENCY = 2  # max_concurrency: requests in flight at once


class TripletexStream(ErrorPolicy):
    """A Tripletex list endpoint, configured by one `Resource` table entry."""

    schema = StreamSchema(SCHEMAS)
    records_jsonpath = "$.values[*]"
    # Tripletex's JSON already has the schema's types (tests validate every record);
    # the SDK's recursive conformance pass was 60% of the per-record CPU.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: TapTripletex, resource: Resource) -> None:
        self.resource = resource
        self.selected_by_default = resource.selected_by_default
        self._tap_ref = tap
        self._company_id: int | None = None
        super().__init__(tap=tap, name=resource.name, path=resource.path)
        self.primary_keys = resource.primary_keys
        self._unavailable: set[int] = set()  # companies where the stream got 403/404
        self._worker = threading.local()  # in a pool thread: `done` of the walk it serves
        self._heads_ahead = 0  # first pages of later date windows requested, not yet read
        self.replication_key = "last_changed_at" if resource.changed_since else resource.date_field

    @property
    def url_base(self) -> str:
        return str(self.config["api_url"]).rstrip("/")

    @property
    def session(self) -> TripletexSession:
        return self._tap_ref.session

    @property
    def authenticator(self) -> Auth:
        if self._company_id is None:
            msg = "requests are only made while reading a company partition"
            raise RuntimeError(msg)
        return self.session.for_company(self._company_id)

    @property
    def partitions(self) -> list[dict[str, t.Any]]:
        """One partition per company, so state and records stay apart per company."""
        return [{"company_id": cid} for cid in self._tap_ref.company_ids()]

    # Request shaping

    @cached_property
    def fields_param(self) -> str:
        """`fields`: `*` when every property is selected, else the selected properties,
        each relation as its `{id, url}` stub (see fieldsparam); only `id` when the
        stream is read just for its children. `expanded_properties` come whole.

        `changes` is only returned when asked for; change-time streams need it.
        """
        expanded = self.expanded_properties
        derived = {"company_id", "last_changed_at", self.resource.parent_key, self.ref_key}
        props = {k: v for k, v in self.schema["properties"].items() if k not in derived}
        selected = {k: v for k, v in props.items() if self.mask.get(("properties", k), True)}
        if not self.selected:
            own = "id"
        elif len(selected) == len(props):
            own = "*,changes" if self.resource.changed_since else "*"
        else:
            if self.resource.changed_since:
                selected.setdefault("changes", props["changes"])
            own = fieldsparam.explicit({k: v for k, v in selected.items() if k not in expanded})
        return ",".join([own, *(f"{prop}(*)" for prop in expanded)])

    @property
    def expanded_properties(self) -> list[str]:
        """Properties asked for whole (`lines(*)`): the lines of inline children."""
        return []

    @property
    def ref_key(self) -> str | None:
        """`<relation>_id`, the id of `Resource.id_of` on records without an id."""
        return f"{self.resource.id_of}_id" if self.resource.id_of else None

    def get_new_paginator(self) -> FullPagePaginator:
        return FullPagePaginator(start_value=0, page_size=int(self.config["page_size"]))

    def get_url_params(self, context: Context | None, next_page_token: int | None) -> dict:
        params: dict[str, t.Any] = {
            "from": next_page_token or 0,
            "count": self.config["page_size"],
            "sorting": "id",
            "fields": self.fields_param,
        }
        context = context or {}
        if "window" in context and self.resource.date_params:
            start_param, end_param = self.resource.date_params
            params[start_param], params[end_param] = context["window"]
        if context.get("changed_since"):
            params["changedSince"] = context["changed_since"]
        return params

    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        return map(decoder.decode, page_values(response))

    # Paging, with pages requested ahead

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
        return self._tap_ref.request_pool.submit(self._fetch, request, context, done)

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

    # Reading and replication

    @property
    def emit_activate_version_messages(self) -> bool:
        """Never from the SDK, which sends ACTIVATE_VERSION before the first record: the
        run's ReadPlan sends it after a whole read completed (readplan.py)."""
        return False

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        context = dict(context or {})
        self._company_id = company_id = int(context["company_id"])
        companies, plan = self._tap_ref.companies, self._tap_ref.plan
        if company_id in companies.failures or company_id in self._unavailable:
            plan.skipped(self, company_id)
            return
        if self.resource.date_params:
            records = self._read_date_windows(context)
        elif self.resource.changed_since:
            records = self._read_changed(context)
        else:
            records = self.request_records(context)
        flatten_nulls = self.flattened_objects
        ref, ref_key = self.resource.id_of, self.ref_key
        try:
            for record in records:
                record["company_id"] = company_id
                if ref and ref_key:
                    record[ref_key] = (record.get(ref) or {}).get("id")
                for prop in flatten_nulls:
                    if record.get(prop) is None:
                        record[prop] = {}
                yield record
        except CompanyAccessError as error:
            plan.skipped(self, company_id)
            if not companies.several:
                raise
            companies.fail(error)
            return
        except StreamUnavailableError as error:
            plan.skipped(self, company_id)
            self._unavailable.add(company_id)
            self.logger.warning("%s: skipped for company_id %d: %s", self.name, company_id, error)
            return
        except Exception:  # the run fails here: its output still ends with its last STATE
            self._tap_ref.close_output()
            raise
        if self.parent_stream_type is None:  # a child's read ends with its parent's
            plan.partition_done(self, company_id)

    @cached_property
    def flattened_objects(self) -> list[str]:
        """Object properties a null would break when the SDK flattens records.

        The SDK flattens `"customer": null` to a `customer` key the flattened schema
        lacks (it has `customer__id`, `customer__url`), which stops target-mssql; `{}`
        flattens to those columns, null.
        """
        if not self.config.get("flattening_enabled") or not self.config.get(
            "flattening_max_depth", 0
        ):
            return []
        return [
            name
            for name, prop in self.schema["properties"].items()
            if "object" in prop.get("type", ()) and prop.get("properties")
        ]

    def _bookmark(self, context: Context) -> str | None:
        """The partition's saved bookmark. Unlike the SDK's starting value this never
        falls back to `start_date`, which bounds business dates, not change times."""
        state = self.get_context_state({"company_id": context["company_id"]})
        if state.get("replication_key") != self.replication_key:
            return None
        return state.get("replication_key_value") or None

    def _read_changed(self, context: dict) -> Iterable[dict[str, t.Any]]:
        """Changed since the bookmark: asked of the server, and checked here too,
        because `changedSince` has been seen ignored. A whole read asks for everything."""
        plan = self._tap_ref.plan
        whole = plan.reads_whole(self)
        if whole:
            plan.whole_read_from(self, context["company_id"])  # a change-time read restarts
        bookmark = None if whole else self._bookmark(context)
        floor = None
        if bookmark:
            context["changed_since"], floor = change_floor(bookmark)
        for record in self.request_records(context):
            changed = record["last_changed_at"] = last_change(record)
            if floor is None or changed is None or changed >= floor:
                yield record
        self._bookmark_run_start(context)

    def _bookmark_run_start(self, context: dict) -> None:
        """Everything changed before this run began has now been read: bookmark that
        instant rather than the latest change seen, so a quiet company's next run
        re-reads nothing. It goes where the SDK promotes the bookmark from when the
        partition completes."""
        started = datetime.fromtimestamp(self._tap_ref.initialized_at // 1000, timezone.utc)
        state = self.get_context_state({"company_id": context["company_id"]})
        markers = state.setdefault("progress_markers", {})
        markers["replication_key"] = self.replication_key
        markers["replication_key_value"] = utc_iso(started)

    def _read_date_windows(self, context: dict) -> Iterable[dict[str, t.Any]]:
        """Window by window from the bookmark less the lookback through today (Oslo),
        checkpointing the bookmark after each completed window."""
        plan, first = self._tap_ref.plan, parse_start(str(self.config["start_date"]))
        if plan.reads_whole(self):
            start = plan.whole_read_from(self, context["company_id"]) or first
        else:
            start = window_start(self._bookmark(context), first, int(self.config["lookback_days"]))
        today = oslo_today()
        if self.resource.monthly:
            windows = deque(month_windows(start, today))
        else:
            windows = deque(date_windows(start, today, int(self.config["window_days"])))
        heads: deque[Future[requests.Response]] = deque()  # first pages of the next windows
        self._heads_ahead = 0
        done = threading.Event()
        try:
            while windows:
                # The window about to be read and up to max_concurrency - 1 after it.
                while len(heads) < min(len(windows), self.max_concurrency):
                    window = self._window(context, *windows[len(heads)])
                    heads.append(self.fetch(window, 0, done))
                first, end = windows.popleft()
                head = heads.popleft()
                self._heads_ahead = len(heads)
                yield from self._read_window(context, first, end, head)
                self._checkpoint(context, min(end - timedelta(days=1), today).isoformat())
        finally:
            abandon(heads, done)
            self._heads_ahead = 0

    @staticmethod
    def _window(context: dict, first: date, end: date) -> dict:
        return {**context, "window": (first.isoformat(), end.isoformat())}

    def _read_window(
        self,
        context: dict,
        first: date,
        end: date,
        head: Future[requests.Response] | None = None,
    ) -> Iterable[dict[str, t.Any]]:
        """One [first, end) window; halved while Tripletex calls it too large."""
        try:
            yield from self._walk(self._window(context, first, end), head)
        except ResultSetTooLargeError:
            days = (end - first).days
            if days <= 1:
                raise FatalAPIError(
                    f"{self.name}: Tripletex calls even the single day {first} too large"
                ) from None
            middle = first + timedelta(days=days // 2)
            self.logger.info("%s: splitting %s..%s, result set too large", self.name, first, end)
            yield from self._read_window(context, first, middle)
            yield from self._read_window(context, middle, end)

    def _checkpoint(self, context: dict, last_day: str) -> None:
        """Move the partition's bookmark to a completed window's last day, and emit STATE.
        Not for a stream read only for its children, nor one without a date field."""
        if not (self.replication_key and self.selected):
            return
        state = self.get_context_state({"company_id": context["company_id"]})
        moved = self._tap_ref.plan.window_done(self, state, last_day)
        if str(state.get("replication_key_value") or "") < last_day:  # not a lookback window
            state["replication_key"] = self.replication_key
            state["replication_key_value"] = last_day
            moved = True
        if moved:
            self._tap_ref.state_writer.write_state(self.tap_state)

    def get_replication_key_signpost(self, context: Context | None = None) -> t.Any:
        """The first thing the SDK asks at the start of a stream's sync, before any
        output: the run begins here (Tap.begin_run: checks and plan), once."""
        self._tap_ref.begin_run()
        return super().get_replication_key_signpost(context)

    def finalize_state_progress_markers(self, state: dict | None = None) -> None:
        """As the SDK's, and the stream's output ends with a STATE, even when the SDK
        left out one equal to the one before (so the run's output ends with one)."""
        super().finalize_state_progress_markers(state)
        if self.parent_stream_type is None:
            self._tap_ref.close_output()
