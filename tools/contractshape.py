"""Record shapes for the simulator's contract (`tools/contractgen.py`), from the spec.

A shape is what the simulator needs to generate a value: `"integer"`, `"number"`,
`"string"`, `"boolean"`, `"object"` (no known properties), `"any"` (untyped);
`{"relation": C}` (component C has an endpoint: served as an `{id, url}` stub);
`{"component": C}` (a value object, inlined); `{"array": shape}`; `{"object": {name: shape}}`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

Spec = dict[str, Any]
REF_PREFIX = "#/components/schemas/"
SCALARS = ("integer", "number", "string", "boolean")
INFERRED = {bool: "boolean", int: "integer", float: "number", str: "string"}


def components(spec: Spec) -> dict[str, Spec]:
    return dict(spec["components"]["schemas"])


def ref_name(ref: str) -> str:
    if not ref.startswith(REF_PREFIX):
        raise ValueError(f"unsupported $ref {ref!r}")
    return ref.removeprefix(REF_PREFIX)


def resolve(spec: Spec, schema: Spec) -> Spec:
    return components(spec)[ref_name(schema["$ref"])] if "$ref" in schema else schema


def merged(spec: Spec, schema: Spec) -> dict[str, Spec]:
    """An object's properties, `allOf` parts first, in spec order."""
    props: dict[str, Spec] = {}
    for part in schema.get("allOf", []):
        props.update(merged(spec, resolve(spec, part)))
    props.update(schema.get("properties", {}))
    return props


def has_endpoint(spec: Spec, schema: Spec) -> bool:
    """Components with both `id` and `url` are resources: other records link to them."""
    props = merged(spec, schema)
    return "id" in props and "url" in props


def response_schema(get: Spec) -> Spec:
    return dict(get["responses"]["200"]["content"]["application/json"]["schema"])


def record_component(spec: Spec, get: Spec) -> str:
    """The component of the records a GET answers (`values[*]` or `value`)."""
    props = merged(spec, resolve(spec, response_schema(get)))
    record = props["values"].get("items", {}) if "values" in props else props["value"]
    return ref_name(record["$ref"])


def convert(spec: Spec, schema: Spec) -> Any:
    if "$ref" in schema:
        name = ref_name(schema["$ref"])
        link = "relation" if has_endpoint(spec, components(spec)[name]) else "component"
        return {link: name}
    if "oneOf" in schema or "anyOf" in schema:
        raise ValueError(f"oneOf/anyOf is not used by the spec; handle it: {schema}")
    kind = schema.get("type", "object" if "allOf" in schema else None)
    if kind in SCALARS:
        return kind
    if kind == "array":
        return {"array": convert(spec, schema["items"]) if "items" in schema else "any"}
    if kind == "object":
        props = merged(spec, schema)
        return {"object": {k: convert(spec, v) for k, v in props.items()}} if props else "object"
    if kind is None:
        return "any"
    raise ValueError(f"unknown OpenAPI type {kind!r}")


def refs(shape: Any) -> list[str]:
    """Value objects a shape inlines."""
    if isinstance(shape, str) or "relation" in shape:
        return []
    if "component" in shape:
        return [shape["component"]]
    if "array" in shape:
        return refs(shape["array"])
    return [name for inner in shape["object"].values() for name in refs(inner)]


def collect(spec: Spec, records: list[str], extra: dict[str, dict[str, Any]]) -> Spec:
    """Each record component and every value object they inline, by name (sorted);
    `extra` adds recorded properties to record components."""
    found: Spec = {}
    todo = list(dict.fromkeys(records))
    while todo:
        name = todo.pop()
        if name in found:
            continue
        shape = convert(spec, components(spec)[name])
        if name in extra:
            shape = {"object": {**(shape["object"] if shape != "object" else {}), **extra[name]}}
        found[name] = shape
        todo += refs(shape)
    return dict(sorted(found.items()))


def carriers(spec: Spec, path: str, component: str, lists: list[str]) -> list[list[str]]:
    """[[list path, property]] of the lists whose records carry these lines (an array of
    the line component): the list the path lies under (`/order` of `/order/orderline`),
    then lists whose records name several of its records and carry their lines (an
    invoice's `orders` and `orderLines`), in `lists` order."""
    home = path.rsplit("/", 1)[0]
    home_ref = REF_PREFIX + record_component(spec, spec["paths"][home]["get"])
    found = []
    for parent in sorted(lists, key=lambda p: p != home):
        get = spec["paths"][parent]["get"]
        props = merged(spec, components(spec)[record_component(spec, get)])
        items = {prop: schema.get("items", {}).get("$ref") for prop, schema in props.items()}
        if parent != home and home_ref not in items.values():
            continue
        found += [[parent, prop] for prop, ref in items.items() if ref == REF_PREFIX + component]
    return found


def served_path(recorded_path: str, endpoints: Spec) -> str | None:
    path = re.sub(r"/\d+$", "", recorded_path.removeprefix("/v2"))
    return path if path in endpoints else None


def infer(value: Any, siblings: dict[str, Any], name: str) -> Any:
    """A recorded value's shape; a whole number is a `number` when the spec's sibling
    properties with the same last word are (`originalOrderedQuantity` as `orderedQuantity`)."""
    if isinstance(value, list):
        shapes = [infer(item, siblings, name) for item in value if item is not None]
        return {"array": shapes[0] if shapes else "any"}
    if isinstance(value, dict):
        return "object"
    kind = INFERRED.get(type(value))
    if kind == "integer":
        word = re.split(r"(?=[A-Z])", name)[-1]
        if any(k.endswith(word) and v == "number" for k, v in siblings.items() if k != name):
            return "number"
    return kind


def recorded_properties(spec: Spec, folder: Path, endpoints: Spec) -> dict[str, dict[str, Any]]:
    """Component -> {property: shape} for properties real responses carry that the spec
    lacks, alphabetically (properties with only nulls seen are left out)."""
    found: dict[str, dict[str, Any]] = {}
    for file in sorted(folder.glob("*.json")):
        for exchange in json.loads(file.read_text(encoding="utf-8")):
            path = served_path(exchange["path"], endpoints)
            body = exchange.get("body")
            if path is None or exchange["status"] >= 300 or not isinstance(body, dict):
                continue
            component = endpoints[path]["component"]
            props = convert(spec, components(spec)[component])
            known = props["object"] if isinstance(props, dict) else {}
            for record in body.get("values") or [body.get("value")]:
                for name, value in (record or {}).items():
                    shape = infer(value, known, name) if name not in known else None
                    if shape is not None:
                        found.setdefault(component, {})[name] = shape
    return {c: dict(sorted(props.items())) for c, props in found.items()}
