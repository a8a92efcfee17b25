"""How the incremental kinds of stream read a company: date-range streams window by
window from their bookmark less the lookback (or whole, from start_date), change-time
streams by `changedSince`; the bookmarks they keep, one window at a time."""

from __future__ import annotations

import typing as t
from collections import deque
from datetime import date, datetime, timedelta, timezone

import requests
from singer_sdk import RESTStream
from singer_sdk.exceptions import FatalAPIError

from tap_tripletex.errors import ResultSetTooLargeError
from tap_tripletex.replication import change_floor, last_change, utc_iso, window_start
from tap_tripletex.timeutil import (
    Window,
    date_windows,
    month_windows,
    oslo_today,
    parse_start,
    year_windows,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterable
    from concurrent.futures import Future

    from singer_sdk.helpers.types import Context

    from tap_tripletex.readahead import ReadAhead
    from tap_tripletex.resources import Resource
    from tap_tripletex.tap import TapTripletex


class IncrementalReads(RESTStream[int]):
    """Date windows and change-time reads, for TripletexStream."""

    resource: Resource
    _tap_ref: TapTripletex

    def read_ahead(self) -> ReadAhead:
        raise NotImplementedError  # TripletexStream's

    def walk_records(
        self, reader: ReadAhead, context: dict, head: Future[requests.Response] | None = None
    ) -> Iterable[dict[str, t.Any]]:
        raise NotImplementedError  # TripletexStream's

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
            with self.read_ahead() as probes:
                windows = deque(self._months_with_records(probes, context, start, today))
        else:
            windows = deque(date_windows(start, today, int(self.config["window_days"])))
        heads: deque[Future[requests.Response]] = deque()  # first pages of the next windows
        with self.read_ahead() as reader:
            while windows:
                # The window about to be read and up to max_concurrency - 1 after it.
                while len(heads) < min(len(windows), int(self.config["max_concurrency"])):
                    heads.append(reader.head(self._window(context, *windows[len(heads)])))
                first, end = windows.popleft()
                yield from self._read_window(reader, context, first, end, heads.popleft())
                self._checkpoint(context, min(end - timedelta(days=1), today).isoformat())

    def _months_with_records(
        self, reader: ReadAhead, context: dict, start: date, today: date
    ) -> list[Window]:
        """The calendar months from `start`'s through today's, but for the years in which
        one request for the whole year finds nothing: a read from a start_date decades
        before the company's first posting costs a request per empty year, not twelve."""
        months: list[Window] = []
        for first, end in year_windows(start, today):
            year = self._window(context, first, end)
            if next(iter(self.walk_records(reader, year)), None) is not None:
                months += month_windows(first, min(end - timedelta(days=1), today))
        return months

    @staticmethod
    def _window(context: dict, first: date, end: date) -> dict:
        return {**context, "window": (first.isoformat(), end.isoformat())}

    def _read_window(
        self,
        reader: ReadAhead,
        context: dict,
        first: date,
        end: date,
        head: Future[requests.Response] | None = None,
    ) -> Iterable[dict[str, t.Any]]:
        """One [first, end) window; halved while Tripletex calls it too large."""
        try:
            yield from self.walk_records(reader, self._window(context, first, end), head)
        except ResultSetTooLargeError:
            days = (end - first).days
            if days <= 1:
                raise FatalAPIError(
                    f"{self.name}: Tripletex calls even the single day {first} too large"
                ) from None
            middle = first + timedelta(days=days // 2)
            self.logger.info("%s: splitting %s..%s, result set too large", self.name, first, end)
            yield from self._read_window(reader, context, first, middle)
            yield from self._read_window(reader, context, middle, end)

    def _checkpoint(self, context: dict, last_day: str) -> None:
        """Move the partition's bookmark to a completed window's last day, and emit STATE.
        Not for a stream read only for its children (it keeps no state and reads all of
        its parents' records each run), nor one without a date field."""
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
