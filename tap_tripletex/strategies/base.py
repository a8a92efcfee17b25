"""What every replication strategy answers, and the strategies that read a company's
records whole each run: a list (`FullTable`) and a company's one object (`OnePerCompany`).

A strategy is a small frozen value in the stream table (`Resource.replication`). It holds
no run state: each method is handed the stream (a `TripletexStream`), which holds that.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from tap_tripletex.errors import TableError

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from tap_tripletex.client import TripletexStream
    from tap_tripletex.readplan import ReadPlan
    from tap_tripletex.resources import Resource

Record = dict[str, t.Any]
Schema = dict[str, t.Any]

TAP_BOOKMARKS = "INCREMENTAL (tap bookmarks)"
"""The replication method a stream keeping bookmarks reports to the SDK during a run
(`forced_replication_method`, set by `Tap.begin_run`): incremental, but not the SDK's
INCREMENTAL, under which the SDK would advance the bookmark from each record's key too
and promote it when a partition ends, a second writer of it."""


@dataclass(frozen=True)
class Replication:
    """How a stream is read and replicated. The base answers for a list read whole."""

    kind: t.ClassVar[str] = "list"  # the stream class: list, child, lines or single
    fields: t.ClassVar[tuple[str, ...]] = ()  # asked for besides the selected properties
    as_of_today: t.ClassVar[bool] = False  # may read the state as of today (`as_of`)
    # Whether a read's first request is known before it begins, so that it can be sent
    # while earlier reads are emitted (prefetch.py): not where it follows the bookmark.
    first_page_known: t.ClassVar[bool] = True

    @property
    def replication_key(self) -> str | None:
        """What the stream's bookmark holds (None: the stream keeps no bookmark)."""
        return None

    @property
    def parents(self) -> tuple[str, ...]:
        """The streams whose records this one is read for (the first: its own parent)."""
        return ()

    @property
    def added(self) -> tuple[str, ...]:
        """Properties the tap adds to records, besides `company_id`."""
        return ()

    def check(self, resource: Resource) -> None:
        """Raise TableError when `resource` combines this strategy with nonsense."""
        if resource.as_of and not self.as_of_today:
            raise TableError(f"{resource.path}: `as_of` is for a list read whole")

    def schema_properties(self, properties: dict[str, Schema]) -> dict[str, Schema]:
        """The record schema's properties as the stream emits them: Tripletex sends
        `changes` only when asked, so it is no property unless the strategy asks."""
        properties.pop("changes", None)
        return properties

    def url_params(self, context: Mapping[str, t.Any]) -> dict[str, t.Any]:
        """Query parameters of the strategy's own (a window, a parent id, ...)."""
        return {}

    def read(self, stream: TripletexStream, context: dict) -> Iterable[Record]:
        """A company's records (`context`: its partition): a plain walk of the list."""
        return stream.request_records(context)

    def post_process(
        self, stream: TripletexStream, record: Record, context: Mapping[str, t.Any]
    ) -> Record | None:
        """A record with what the strategy adds; None drops it."""
        return record

    def whole_read(
        self, plan: ReadPlan, stream: TripletexStream, state: Mapping[str, t.Any], interval: int
    ) -> int | None:
        """The version of the whole read this run makes of the stream, or None (`state`:
        the run's input state; `interval`: `full_read_interval_days`)."""
        return plan.version

    def wording(self, table: Mapping[str, Resource]) -> str:
        """The README's Replication column."""
        return "full table"


@dataclass(frozen=True)
class FullTable(Replication):
    """A list endpoint read whole every run (the default)."""

    as_of_today: t.ClassVar[bool] = True


@dataclass(frozen=True)
class OnePerCompany(Replication):
    """One object per company (`GET path`, `{id}` in the path being the company id)."""

    kind: t.ClassVar[str] = "single"

    def check(self, resource: Resource) -> None:
        super().check(resource)
        if resource.params or resource.sorting or resource.id_of or resource.key != ("id",):
            raise TableError(f"{resource.path}: one object per company has no list parameters")

    def wording(self, table: Mapping[str, Resource]) -> str:
        return "full table (one record)"


@dataclass(frozen=True)
class Bookmarked(Replication):
    """A strategy keeping a bookmark per company in the partition's state
    (`replication_key`, `replication_key_value`); it is their only writer (the SDK
    writes none during a run: `TAP_BOOKMARKS`)."""

    first_page_known: t.ClassVar[bool] = False

    def saved(self, stream: TripletexStream, company_id: int) -> str | None:
        """The company's saved bookmark. Unlike the SDK's starting value this never
        falls back to `start_date` (which bounds business dates, not change times)."""
        state = stream.get_context_state({"company_id": company_id})
        if state.get("replication_key") != self.replication_key:
            return None
        return state.get("replication_key_value") or None

    def save(self, stream: TripletexStream, state: dict, value: str) -> None:
        """Write the bookmark (`state`: the company's partition state)."""
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = value

    def whole_read(
        self, plan: ReadPlan, stream: TripletexStream, state: Mapping[str, t.Any], interval: int
    ) -> int | None:
        return plan.due_by_bookmarks(stream, state, interval)
