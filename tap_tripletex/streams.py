"""The kinds of stream, and one stream class per table entry, wired parent to child.

The SDK links a child to its parent by class (`parent_stream_type`), so every entry of
`RESOURCES` gets its own small subclass of its kind. A parent is synced whenever a
child of it is selected, even when the parent itself is not (its records are then
read, but not emitted), and hands each record's id to its children in the context.
"""

from __future__ import annotations

import re
import typing as t
from datetime import timedelta
from functools import cache, cached_property

from tap_tripletex.client import TripletexStream
from tap_tripletex.idset import IdSet
from tap_tripletex.pages import payload
from tap_tripletex.prefetch import Read
from tap_tripletex.resources import BY_NAME, RESOURCES, Resource
from tap_tripletex.timeutil import oslo_today

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    import requests
    from singer_sdk.helpers.types import Context

    from tap_tripletex.tap import TapTripletex

Record = dict[str, t.Any]


class ListStream(TripletexStream):
    """A paged list endpoint: sorted by its key, with its fixed parameters."""

    def get_url_params(self, context: Context | None, next_page_token: int | None) -> dict:
        params = super().get_url_params(context, next_page_token)
        params["sorting"] = self.resource.sorting or ",".join(self.resource.key)
        params.update(self.resource.params)
        if self.resource.as_of:  # the state as of today: the parameter's end is exclusive
            params[self.resource.as_of] = (oslo_today() + timedelta(days=1)).isoformat()
        return params


class ParentStream(TripletexStream):
    """A stream with children: each record's id goes to them in the context, and the
    lines its selected inline children need are asked for (`fields=...,lines(*)`)."""

    _lines: dict[str, tuple[t.Any, list[Record]]]

    def get_child_context(self, record: Record, context: Context | None) -> Context:
        company_id = (context or {}).get("company_id", record.get("company_id"))
        return {"company_id": company_id, f"{self.name}_id": record.get("id")}

    @cached_property
    def inline_properties(self) -> list[str]:
        """Properties holding the lines of selected inline children."""
        return sorted(
            {
                child.resource.inline
                for child in self.child_streams
                if isinstance(child, InlineStream) and child.resource.inline and child.selected
            }
        )

    @property
    def expanded_properties(self) -> list[str]:
        return self.inline_properties

    def company_records(self, context: Context | None) -> Iterable[Record]:
        """Keep each record's expanded lines for the inline children, which read them
        before the next record; the record itself keeps the usual `{id, url}` stubs."""
        self._lines = {}
        for record in super().company_records(context):
            for prop in self.inline_properties:
                lines = [line for line in record.get(prop) or () if isinstance(line, dict)]
                self._lines[prop] = (record.get("id"), lines)
                if prop in record:
                    record[prop] = [
                        {"id": line.get("id"), "url": line.get("url")} for line in lines
                    ]
            yield record

    def page_records(self, response: requests.Response, context: dict) -> Iterable[Record]:
        """As any stream's, and the child lists of the page's records are planned, to be
        requested ahead while earlier ones are read (prefetch.py). From the page, not by
        reading ahead of `get_records`: what follows a read's last record (its bookmark,
        ACTIVATE_VERSION) must not run before that record is emitted."""
        records = list(super().page_records(response, context))
        self._plan_children(records, context)
        return records

    def _plan_children(self, records: Iterable[Record], context: Context | None) -> None:
        children = [
            child
            for child in self.child_streams
            if isinstance(child, ChildStream) and (child.selected or child.has_selected_descendents)
        ]
        if children:
            contexts = [dict(self.get_child_context(record, context)) for record in records]
            self._tap_ref.prefetch.soon(
                Read(child.name, ctx, child.first_page_fetch)
                for ctx in contexts
                for child in children
            )

    def lines(self, prop: str, parent_id: t.Any) -> list[Record]:
        """The lines in `prop` of the record `parent_id` just read."""
        owner, lines = getattr(self, "_lines", {}).get(prop, (None, []))
        return lines if owner == parent_id else []


class _ChildMixin(TripletexStream):
    """State is kept per company, not per parent record."""

    state_partitioning_keys = ("company_id",)


class ChildStream(_ChildMixin, ListStream):
    """A list endpoint that needs its parent's id (`projectId=...`, strategies.PerParent)."""


class InlineStream(_ChildMixin, TripletexStream):
    """Lines delivered inside a parent's payload, no request of their own
    (strategies.Inline reads them)."""

    def __init__(self, tap: TapTripletex, resource: Resource) -> None:
        super().__init__(tap, resource)
        self._seen: dict[t.Any, IdSet] = {}  # company id -> line ids emitted

    def first_sight(self, company_id: int, line: Record) -> bool:
        """True the first time a company's line is met (it may come with two parents)."""
        seen = self._seen.setdefault(company_id, IdSet())
        if line.get("id") in seen:
            return False
        seen.add(line.get("id"))
        return True


class SingleStream(TripletexStream):
    """One object per company (`{"value": {...}}`); `{id}` in the path is the company."""

    def __init__(self, tap: TapTripletex, resource: Resource) -> None:
        super().__init__(tap, resource)
        self.path = resource.path.replace("{id}", "{company_id}")

    def get_url_params(self, context: Context | None, next_page_token: int | None) -> dict:
        return {"fields": self.fields_param}

    def parse_response(self, response: requests.Response) -> Iterable[Record]:
        value = payload(response).get("value")
        return [value] if isinstance(value, dict) else []


KINDS: dict[str, type[TripletexStream]] = {
    "list": ListStream,
    "child": ChildStream,
    "lines": InlineStream,
    "single": SingleStream,
}
"""The stream class of each strategy's `kind`."""


@cache
def stream_types() -> dict[str, type[TripletexStream]]:
    """One class per stream, in table order; a child's class names its parent's."""
    with_children = {name for r in RESOURCES for name in r.parents}
    types: dict[str, type[TripletexStream]] = {}

    def make(resource: Resource) -> type[TripletexStream]:
        if resource.name not in types:
            kind = KINDS[resource.replication.kind]
            bases = (ParentStream, kind) if resource.name in with_children else (kind,)
            attrs: dict[str, t.Any] = {"__module__": __name__, "__doc__": f"`{resource.name}`"}
            if resource.parent:
                attrs["parent_stream_type"] = make(BY_NAME[resource.parent])
            title = re.sub(r"(?:^|_)(\w)", lambda m: m.group(1).upper(), resource.name)
            types[resource.name] = type(f"{title}Stream", bases, attrs)
        return types[resource.name]

    for resource in RESOURCES:
        make(resource)
    return {r.name: types[r.name] for r in RESOURCES}


def build_streams(tap: TapTripletex) -> list[TripletexStream]:
    """Every stream of the table. The SDK adds each child to its first parent; a child
    fed by further parents (order lines also come inside invoices) is added here."""
    streams = {name: cls(tap, BY_NAME[name]) for name, cls in stream_types().items()}
    for resource in RESOURCES:
        for name in resource.parents[1:]:
            streams[name].child_streams.append(streams[resource.name])
    return list(streams.values())
