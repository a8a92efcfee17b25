"""The `fields` query parameter for a stream's selected properties.

`fields=*` returns every property with related objects as `{id, url}` stubs. An explicit
list does not: Tripletex returns the whole related object for a relation named bare
(`fields=id,account` gives `account` with all its ~33 properties). So an explicit list
asks for every relation as the stub its schema has (`account(id,url)`), and names the
properties of a value object that holds relations (`postalAddress(...,country(id,url))`).
"""

from __future__ import annotations

import typing as t

Schema = dict[str, t.Any]


def explicit(properties: t.Mapping[str, Schema]) -> str:
    """`fields` for exactly these properties (name -> JSON schema), relations as stubs."""
    return ",".join(_field(name, schema) for name, schema in properties.items())


def _field(name: str, schema: Schema) -> str:
    node = schema.get("items", schema) if "array" in _types(schema) else schema
    if "object" not in _types(node) or not _holds_relation(node):
        return name
    inner = node.get("properties")
    if not inner:  # an object the spec leaves open: `*` keeps its relations stubs
        return f"{name}(*)"
    return f"{name}({explicit(inner)})"


def _holds_relation(node: Schema) -> bool:
    """An object that is, or contains, a related object (which a bare name expands)."""
    inner = node.get("properties")
    if inner is None:
        return "additionalProperties" not in node
    return set(inner) == {"id", "url"} or any(
        "object" in _types(s.get("items", s)) and _holds_relation(s.get("items", s))
        for s in inner.values()
    )


def _types(schema: Schema) -> tuple[str, ...]:
    kind = schema.get("type", ())
    return (kind,) if isinstance(kind, str) else tuple(kind)
