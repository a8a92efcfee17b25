"""With its parent: a child list whose endpoint needs its parent's id (`PerParent`), or
the lines a parent carries in one of its properties (`Inline`). Either is read for each
record of its parent, and each record carries its parent's id (`<parent>_id`)."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from tap_tripletex.errors import TableError
from tap_tripletex.strategies.base import Record, Replication

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from tap_tripletex.client import TripletexStream
    from tap_tripletex.readplan import ReadPlan
    from tap_tripletex.resources import Resource
    from tap_tripletex.streams import InlineStream


@dataclass(frozen=True)
class WithParent(Replication):
    """What the two kinds of child share: the parent key, and whole reads that follow
    their parents' (readplan.py)."""

    @property
    def parent_key(self) -> str:
        """The property of a child record holding its parent's id: `<parent>_id`."""
        return f"{self.parents[0]}_id"

    @property
    def added(self) -> tuple[str, ...]:
        return (self.parent_key,)

    def check(self, resource: Resource) -> None:
        super().check(resource)
        if not self.parents or resource.name in self.parents:
            raise TableError(f"{resource.path}: a child names parents other than itself")

    def whole_read(
        self, plan: ReadPlan, stream: TripletexStream, state: Mapping[str, t.Any], interval: int
    ) -> int | None:
        return None  # whole when every parent is (ReadPlan.begin)


@dataclass(frozen=True)
class PerParent(WithParent):
    """`GET path?<param>=<parent id>`, once per record of `parent`."""

    kind: t.ClassVar[str] = "child"
    parent: str
    param: str

    @property
    def parents(self) -> tuple[str, ...]:
        return (self.parent,)

    def url_params(self, context: Mapping[str, t.Any]) -> dict[str, t.Any]:
        return {self.param: context[self.parent_key]}

    def post_process(
        self, stream: TripletexStream, record: Record, context: Mapping[str, t.Any]
    ) -> Record | None:
        record[self.parent_key] = context[self.parent_key]
        return record

    def wording(self, table: Mapping[str, Resource]) -> str:
        return f"full table, per `{self.parent}`"


@dataclass(frozen=True)
class Inline(WithParent):
    """The lines in property `prop` of each record of `parents` (read with
    `fields=...,prop(*)`), with no request of their own. A line that comes with two
    parents (an order and its invoice) is emitted once."""

    kind: t.ClassVar[str] = "lines"
    first_page_known: t.ClassVar[bool] = False  # no request of its own
    owners: tuple[str, ...]
    prop: str

    @property
    def parents(self) -> tuple[str, ...]:
        return self.owners

    def check(self, resource: Resource) -> None:
        super().check(resource)
        if resource.params or resource.sorting or resource.id_of:
            raise TableError(f"{resource.path}: lines inside a parent have no request")

    def read(self, stream: TripletexStream, context: dict) -> Iterable[Record]:
        parents = stream._tap_ref.streams
        for name in self.parents:
            if f"{name}_id" not in context:
                continue
            lines = getattr(parents[name], "lines", None)
            for line in lines(self.prop, context[f"{name}_id"]) if lines else ():
                seen = t.cast("InlineStream", stream).first_sight
                if len(self.parents) == 1 or seen(context["company_id"], line):
                    yield dict(line)

    def post_process(
        self, stream: TripletexStream, record: Record, context: Mapping[str, t.Any]
    ) -> Record | None:
        """The parent's id: the context's, or for another parent's copy of the line, the
        one its own parent relation holds (`order` in an invoice's order line)."""
        if self.parent_key in context:
            record[self.parent_key] = context[self.parent_key]
        else:
            parent = t.cast("TripletexStream", stream._tap_ref.streams[self.parents[0]])
            back_ref = parent.resource.path.rsplit("/", 1)[-1]
            ref = record.get(back_ref)
            record[self.parent_key] = ref.get("id") if isinstance(ref, dict) else None
        return record

    def wording(self, table: Mapping[str, Resource]) -> str:
        parents = ", ".join(f"`{p}`" for p in self.parents)
        if any(table[p].replication.replication_key for p in self.parents):
            return f"with its parents ({parents}): the lines of the parent records read"
        return f"full table, inside {parents}"
