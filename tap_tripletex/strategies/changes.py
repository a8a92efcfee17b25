"""Changed since: an endpoint taking `changedSince`, incremental on the latest entry of
each record's `changes` history (`last_changed_at`, which the tap adds)."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import datetime, timezone

from tap_tripletex.replication import change_floor, last_change, utc_iso
from tap_tripletex.strategies.base import Bookmarked, Record, Schema

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from tap_tripletex.client import TripletexStream
    from tap_tripletex.resources import Resource

LAST_CHANGED_AT: Schema = {"type": ["string", "null"], "format": "date-time"}


@dataclass(frozen=True)
class ChangedSince(Bookmarked):
    """Read what changed since the bookmark less a margin (`change_floor`); a whole read
    asks for everything. The bookmark is the instant the run began."""

    fields: t.ClassVar[tuple[str, ...]] = ("changes",)

    @property
    def replication_key(self) -> str:
        return "last_changed_at"

    @property
    def added(self) -> tuple[str, ...]:
        return ("last_changed_at",)

    def schema_properties(self, properties: dict[str, Schema]) -> dict[str, Schema]:
        return {**properties, "last_changed_at": dict(LAST_CHANGED_AT)}

    def url_params(self, context: Mapping[str, t.Any]) -> dict[str, t.Any]:
        since = context.get("changed_since")
        return {"changedSince": since} if since else {}

    def wording(self, table: Mapping[str, Resource]) -> str:
        return "change time (`changedSince`, `changes`)"

    def read(self, stream: TripletexStream, context: dict) -> Iterable[Record]:
        """Changed since the bookmark: asked of the server, and checked in `post_process`
        too, because `changedSince` has been seen ignored."""
        plan, company_id = stream._tap_ref.plan, context["company_id"]
        whole = plan.reads_whole(stream)
        if whole:
            plan.whole_read_from(stream, company_id)  # a change-time read restarts
        bookmark = None if whole else self.saved(stream, company_id)
        stream.change_floor = None
        if bookmark:
            context["changed_since"], stream.change_floor = change_floor(bookmark)
        yield from stream.request_records(context)
        self.read_through_run_start(stream, company_id)

    def post_process(
        self, stream: TripletexStream, record: Record, context: Mapping[str, t.Any]
    ) -> Record | None:
        """`last_changed_at`; a record changed before the floor is dropped."""
        changed = record["last_changed_at"] = last_change(record)
        floor = stream.change_floor
        return record if floor is None or changed is None or changed >= floor else None

    def read_through_run_start(self, stream: TripletexStream, company_id: int) -> None:
        """Everything changed before this run began has now been read: bookmark that
        instant rather than the latest change seen, so a quiet company's next run
        re-reads nothing. Not for a stream read only for its children."""
        if not stream.selected:
            return
        started = datetime.fromtimestamp(stream._tap_ref.initialized_at // 1000, timezone.utc)
        self.save(stream, stream.get_context_state({"company_id": company_id}), utc_iso(started))
