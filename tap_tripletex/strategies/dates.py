"""Date windows: a date-range endpoint (required (from, to) parameters, `to` exclusive)
read window by window, from the company's bookmark less the lookback (or whole, from
start_date) through today (Oslo), its bookmark checkpointed after each window."""

from __future__ import annotations

import typing as t
from collections import deque
from dataclasses import dataclass
from datetime import date, timedelta

from singer_sdk.exceptions import FatalAPIError

from tap_tripletex.errors import ResultSetTooLargeError, TableError
from tap_tripletex.replication import window_start
from tap_tripletex.strategies.base import Bookmarked, Record
from tap_tripletex.timeutil import (
    Window,
    date_windows,
    month_windows,
    oslo_today,
    parse_start,
    year_windows,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from concurrent.futures import Future

    import requests

    from tap_tripletex.client import TripletexStream
    from tap_tripletex.readahead import ReadAhead
    from tap_tripletex.readplan import ReadPlan
    from tap_tripletex.resources import Resource


@dataclass(frozen=True)
class DateWindows(Bookmarked):
    """`span`: the (from, to) query parameters. Incremental on the business date `field`;
    without one, read whole each run, still window by window. `monthly`: the windows
    are calendar months (Tripletex answers a record per month)."""

    span: tuple[str, str]
    field: str | None = None
    monthly: bool = False

    @property
    def replication_key(self) -> str | None:
        return self.field

    def check(self, resource: Resource) -> None:
        super().check(resource)
        if len(self.span) != 2 or self.span[0] == self.span[1]:
            raise TableError(f"{resource.path}: a date range is two parameters, (from, to)")
        if {name for name, _ in resource.params} & set(self.span):
            raise TableError(f"{resource.path}: the window's parameters are not fixed ones")
        if self.monthly and not self.field:
            raise TableError(f"{resource.path}: monthly windows need the records' date field")

    def url_params(self, context: Mapping[str, t.Any]) -> dict[str, t.Any]:
        if "window" not in context:
            return {}
        return dict(zip(self.span, context["window"], strict=True))

    def whole_read(
        self, plan: ReadPlan, stream: TripletexStream, state: Mapping[str, t.Any], interval: int
    ) -> int | None:
        if not self.field:
            return plan.version
        return super().whole_read(plan, stream, state, interval)

    def wording(self, table: Mapping[str, Resource]) -> str:
        span = f"(`{self.span[0]}`..`{self.span[1]}`)"
        what = f"date range on `{self.field}`" if self.field else "full table, in date windows"
        return f"{what} {span}"

    def read(self, stream: TripletexStream, context: dict) -> Iterable[Record]:
        """Window by window, the next windows' first pages requested ahead."""
        plan, first = stream._tap_ref.plan, parse_start(str(stream.config["start_date"]))
        company_id = context["company_id"]
        if plan.reads_whole(stream):
            start = plan.whole_read_from(stream, company_id) or first
        else:
            lookback = int(stream.config["lookback_days"])
            start = window_start(self.saved(stream, company_id), first, lookback)
        today = oslo_today()
        if self.monthly:
            with stream.read_ahead() as probes:
                windows = deque(self._months_with_records(stream, probes, context, start, today))
        else:
            windows = deque(date_windows(start, today, int(stream.config["window_days"])))
        heads: deque[Future[requests.Response]] = deque()  # first pages of the next windows
        with stream.read_ahead() as reader:
            while windows:
                # The window about to be read and as many after it as there is room for.
                while len(heads) < min(len(windows), reader.room()):
                    heads.append(reader.head(_window(context, *windows[len(heads)])))
                first, end = windows.popleft()
                yield from self._read_window(
                    stream, reader, context, first, end, head=heads.popleft()
                )
                self.checkpoint(stream, company_id, min(end - timedelta(days=1), today))

    def _months_with_records(
        self, stream: TripletexStream, reader: ReadAhead, context: dict, start: date, today: date
    ) -> list[Window]:
        """The calendar months from `start`'s through today's, but for the years in which
        one request for the whole year finds nothing: a read from a start_date decades
        before the company's first posting costs a request per empty year, not twelve."""
        months: list[Window] = []
        for first, end in year_windows(start, today):
            year = _window(context, first, end)
            if next(iter(stream.walk_records(reader, year)), None) is not None:
                months += month_windows(first, min(end - timedelta(days=1), today))
        return months

    def _read_window(
        self,
        stream: TripletexStream,
        reader: ReadAhead,
        context: dict,
        first: date,
        end: date,
        *,
        head: Future[requests.Response] | None = None,
    ) -> Iterable[Record]:
        """One [first, end) window; halved while Tripletex calls it too large."""
        try:
            yield from stream.walk_records(reader, _window(context, first, end), head)
        except ResultSetTooLargeError:
            days = (end - first).days
            if days <= 1:
                raise FatalAPIError(
                    f"{stream.name}: Tripletex calls even the single day {first} too large"
                ) from None
            middle = first + timedelta(days=days // 2)
            stream.logger.info(
                "%s: splitting %s..%s, result set too large", stream.name, first, end
            )
            yield from self._read_window(stream, reader, context, first, middle)
            yield from self._read_window(stream, reader, context, middle, end)

    def checkpoint(self, stream: TripletexStream, company_id: int, last_day: date) -> None:
        """A window is complete: the bookmark moves to its last day (never back: a
        lookback window leaves it), a whole read records its progress, and a STATE
        follows. Not for a stream read only for its children (it keeps no state and
        reads all of its parents' records each run), nor one without a date field."""
        if not (self.field and stream.selected):
            return
        state = stream.get_context_state({"company_id": company_id})
        day = last_day.isoformat()
        moved = stream._tap_ref.plan.window_done(stream, state, day)
        if str(state.get("replication_key_value") or "") < day:
            self.save(stream, state, day)
            moved = True
        if moved:
            stream._tap_ref.state_writer.write_state(stream.tap_state)


def _window(context: dict, first: date, end: date) -> dict:
    return {**context, "window": (first.isoformat(), end.isoformat())}
