"""What the simulator serves, as the official spec describes it: `contract.json`.

`contract.json` is generated from Tripletex's OpenAPI spec (and recorded real responses)
by `tools/contractgen.py` in the repository; never edit it by hand. This module names
each endpoint by the simulator's own rule and turns the contract's record shapes into
the JSON-Schema-like dicts value generation reads.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources as package_files
from typing import Any

Schema = dict[str, Any]
# Names the path rule cannot give.
ALIASES = {
    "/company/{id}": "company",
    "/order/orderline": "order_line",
    "/project/participant": "project_participant",
}
STUB: Schema = {
    "type": ["object", "null"],
    "properties": {"id": {"type": ["integer", "null"]}, "url": {"type": ["string", "null"]}},
}


def table_name(path: str) -> str:
    """`/ledger/vatType` -> `ledger_vat_type`, `/ledger/voucher/>nonPosted` ->
    `ledger_voucher_non_posted`; or the alias."""
    if path in ALIASES:
        return ALIASES[path]
    words = [re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", part.lstrip(">")) for part in path.split("/")]
    return "_".join(word.lower() for word in words if word)


@dataclass(frozen=True)
class Endpoint:
    """One `GET` path: a `list`, a `single` object, or `lines` read inside parents."""

    path: str
    kind: str
    component: str
    params: tuple[str, ...]
    required: dict[str, str] = field(default_factory=dict)  # name -> kind (`date`, ...)
    dates: tuple[str, str] | None = None  # required (from, to); `to` exclusive
    date_field: str | None = None  # the record property the date range filters on
    parent_param: str | None = None  # the required id of a parent record
    parents: tuple[str, ...] = ()  # tables supplying parent ids or carrying the lines
    inline: tuple[str, ...] = ()  # per parent: the property carrying these lines
    changed_since: bool = False
    key: str = "id"

    @property
    def name(self) -> str:
        return table_name(self.path)

    @property
    def single(self) -> bool:
        return self.kind == "single"

    @property
    def lines(self) -> bool:
        return self.kind == "lines"

    @property
    def parent(self) -> str | None:
        return self.parents[0] if self.parents else None

    @property
    def parent_key(self) -> str:
        """What a tap adds to a child record (never generated): `<parent>_id`."""
        return f"{self.parent}_id"


@cache
def raw() -> dict[str, Any]:
    text = package_files.files(__package__).joinpath("contract.json").read_text("utf-8")
    found: dict[str, Any] = json.loads(text)
    return found


def _endpoint(path: str, entry: dict[str, Any]) -> Endpoint:
    parent = entry.get("parent") or {}
    carriers = entry.get("inline") or []
    supplier = [table_name(parent["list"])] if parent else []
    parents = [table_name(p) for p, _ in carriers] or supplier
    return Endpoint(
        path,
        entry["kind"],
        entry["component"],
        tuple(entry["params"]),
        dict(entry["required"]),
        tuple(entry["dates"]) if "dates" in entry else None,
        entry.get("date_field"),
        parent.get("param"),
        tuple(parents),
        tuple(prop for _, prop in carriers),
        entry["changed_since"],
        entry["key"],
    )


ENDPOINTS: tuple[Endpoint, ...] = tuple(_endpoint(p, e) for p, e in raw()["endpoints"].items())
BY_NAME: dict[str, Endpoint] = {e.name: e for e in ENDPOINTS}


def _schema(shape: Any, seen: tuple[str, ...]) -> Schema:
    """A contract shape as nullable JSON Schema; a value object met again on its own
    branch stays an empty object."""
    if isinstance(shape, str):
        return {} if shape == "any" else {"type": [shape, "null"]}
    if "relation" in shape:
        return {"type": list(STUB["type"]), "properties": dict(STUB["properties"])}
    if "component" in shape:
        name = shape["component"]
        if name in seen:
            return {"type": ["object", "null"]}
        return _schema(raw()["components"][name], (*seen, name))
    if "array" in shape:
        return {"type": ["array", "null"], "items": _schema(shape["array"], seen)}
    props = {k: _schema(v, seen) for k, v in shape["object"].items()}
    return {"type": ["object", "null"], "properties": props}


def record_schema(endpoint: Endpoint) -> Schema:
    """The shape of the endpoint's records (its component's properties, in spec order)."""
    shape = raw()["components"][endpoint.component]
    props = _schema(shape, (endpoint.component,)).get("properties", {})
    return {"type": "object", "properties": props}
