"""Generate `tap_tripletex/schemas/<stream>.json` from the official Tripletex OpenAPI spec.

Usage: `python -m tools.schemagen [--spec PATH] [--check]`.

For each resource the record schema is the component behind the GET operation's 200
response (`values[*]` of a list wrapper, or `value` of a `ResponseWrapperX`). Its own
properties are converted to nullable JSON Schema; a `$ref` to another resource (a
component with both `id` and `url`) becomes the `{id, url}` stub the API returns, and a
`$ref` to a value object is inlined (recursively, with a cycle guard). Enums, OpenAPI
number formats, validation keywords and examples are dropped. Lines read from inside a
parent name their component (`component`); a child's schema has its parent's id
(`<parent>_id`) right after `company_id`.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

from tap_tripletex.resources import RESOURCES, Resource

Schema = dict[str, Any]

DEFAULT_SPEC = Path(__file__).resolve().parents[2] / "shared/tripletex/openapi.json"
SCHEMAS_DIR = Path(__file__).resolve().parents[1] / "tap_tripletex" / "schemas"
REF_PREFIX = "#/components/schemas/"
MAX_DESCRIPTION = 160

COMPANY_ID: Schema = {"type": ["integer"]}
PARENT_ID: Schema = {"type": ["integer", "null"], "description": "The parent record's id."}
STUB: Schema = {
    "type": ["object", "null"],
    "properties": {"id": {"type": ["integer", "null"]}, "url": {"type": ["string", "null"]}},
}
ANY_OBJECT: Schema = {"type": ["object", "null"]}
SCALARS = {"integer", "number", "boolean", "string"}

# Where real traffic disagrees with the spec (version 2.74.00): record component ->
# {property: schema}, replacing the spec's property or adding one it lacks, so that the
# SDK does not drop real fields. Evidence: ../shared/tripletex/recorded/*.json (July 2026).
_BOOL: Schema = {"type": ["boolean", "null"]}
_STRING: Schema = {"type": ["string", "null"]}
OVERRIDES: dict[str, dict[str, Schema]] = {
    # ledger_account.json: all 529 accounts carry requiresFreeDimension1..3 = false.
    "Account": {f"requiresFreeDimension{i}": _BOOL for i in (1, 2, 3)},
    # order.json (GET list, GET /order/{id}, POST): attachmentRelation [] (item type
    # unknown, left open), backorderParentId 0, contractReference "", internalComment "".
    "Order": {
        "attachmentRelation": {"type": ["array", "null"]},
        "backorderParentId": {"type": ["integer", "null"]},
        "contractReference": _STRING,
        "internalComment": _STRING,
    },
    # product.json (GET, POST, PUT): disableDiscount false.
    "Product": {"disableDiscount": _BOOL},
    # project.json (GET, POST, PUT): contractReference "".
    "Project": {"contractReference": _STRING},
    # order_orderline.json (POST /order/orderline): deliveredQuantity 0,
    # originalOrderedQuantity 2 (quantities, like the spec's orderedQuantity), and
    # sourceOrderLineId 0.
    "OrderLine": {
        "deliveredQuantity": {"type": ["number", "null"]},
        "originalOrderedQuantity": {"type": ["number", "null"]},
        "sourceOrderLineId": {"type": ["integer", "null"]},
    },
}


def component(spec: Schema, ref: str) -> tuple[str, Schema]:
    """Resolve a local `$ref` to (component name, component schema)."""
    if not ref.startswith(REF_PREFIX):
        raise ValueError(f"unsupported $ref {ref!r}")
    name = ref.removeprefix(REF_PREFIX)
    return name, spec["components"]["schemas"][name]


def own_properties(spec: Schema, schema: Schema) -> dict[str, Schema]:
    """Properties of an object schema, merging `allOf` parts in order."""
    props: dict[str, Schema] = {}
    for part in schema.get("allOf", []):
        resolved = component(spec, part["$ref"])[1] if "$ref" in part else part
        props.update(own_properties(spec, resolved))
    props.update(schema.get("properties", {}))
    return props


def is_resource(spec: Schema, schema: Schema) -> bool:
    """A resource has its own endpoint: the API returns it as an `{id, url}` stub."""
    props = own_properties(spec, schema)
    return "id" in props and "url" in props


def _nullable(json_type: str) -> list[str]:
    return [json_type, "null"]


def _description(schema: Schema) -> Schema:
    text = " ".join(re.sub(r"<[^>]+>", " ", str(schema.get("description", ""))).split())
    if len(text) > MAX_DESCRIPTION:
        text = text[: MAX_DESCRIPTION - 3].rstrip() + "..."
    return {"description": text} if text else {}


def convert(spec: Schema, schema: Schema, seen: tuple[str, ...]) -> Schema:
    """Convert one OpenAPI schema to nullable JSON Schema.

    `seen` holds the value objects being inlined on the current branch (cycle guard).
    """
    if "$ref" in schema:
        name, target = component(spec, schema["$ref"])
        if is_resource(spec, target):
            return copy.deepcopy(STUB)
        if name in seen:
            return dict(ANY_OBJECT)
        return convert(spec, target, (*seen, name))
    if "oneOf" in schema or "anyOf" in schema:
        raise ValueError(f"oneOf/anyOf is not used by the spec; handle it: {schema}")
    json_type = schema.get("type", "object" if "allOf" in schema else None)
    out: Schema = {}
    if json_type in SCALARS:
        out["type"] = _nullable(json_type)
        if json_type == "string" and schema.get("format") == "date-time":
            out["format"] = "date-time"
    elif json_type == "array":
        out["type"] = _nullable("array")
        out["items"] = convert(spec, schema.get("items", {}), seen)
    elif json_type == "object":
        out["type"] = _nullable("object")
        props = own_properties(spec, schema)
        if props:
            out["properties"] = {k: convert(spec, v, seen) for k, v in props.items()}
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):  # a map: keep the value type
            out["additionalProperties"] = convert(spec, extra, seen)
    elif json_type is not None:
        raise ValueError(f"unknown OpenAPI type {json_type!r}")
    return {**out, **_description(schema)}


def record_ref(spec: Schema, path: str) -> str:
    """The `$ref` of the record component behind `GET path` (200 response)."""
    try:
        operation = spec["paths"][path]["get"]
    except KeyError:
        raise KeyError(f"no GET {path} in the spec") from None
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    wrapper = component(spec, body["$ref"])[1] if "$ref" in body else body
    props = own_properties(spec, wrapper)
    if "values" in props:
        record = props["values"].get("items", {})
    elif "value" in props:
        record = props["value"]
    else:
        raise ValueError(f"GET {path}: response has neither `values` nor `value`")
    if "$ref" not in record:
        raise ValueError(f"GET {path}: record is not a component: {record}")
    return str(record["$ref"])


def build_schema(spec: Schema, path: str, component_name: str | None = None) -> Schema:
    """The stream schema for `GET path`, or for an explicitly named record component."""
    ref = REF_PREFIX + component_name if component_name else record_ref(spec, path)
    name, record = component(spec, ref)
    properties: dict[str, Schema] = {"company_id": dict(COMPANY_ID)}
    for prop, prop_schema in own_properties(spec, record).items():
        properties[prop] = convert(spec, prop_schema, (name,))
    for prop, override in OVERRIDES.get(name, {}).items():
        properties[prop] = copy.deepcopy(override)
    return {"type": "object", "properties": properties}


def generate_one(spec: Schema, r: Resource) -> Schema:
    """The schema of one stream."""
    schema = build_schema(spec, r.path, r.component)
    if r.parent_key:  # a child record carries its parent's id, next to company_id
        props = schema["properties"]
        schema["properties"] = {
            "company_id": props.pop("company_id"),
            r.parent_key: dict(PARENT_ID),
            **props,
        }
    if r.id_of:  # the key of a record without an id: its relation's id, next to company_id
        props = schema["properties"]
        schema["properties"] = {
            "company_id": props.pop("company_id"),
            f"{r.id_of}_id": {
                "type": ["integer", "null"],
                "description": f"The id of `{r.id_of}`.",
            },
            **props,
        }
    # What the stream's replication strategy adds (`last_changed_at`) or leaves out.
    schema["properties"] = r.replication.schema_properties(schema["properties"])
    return schema


def generate(spec: Schema) -> dict[str, Schema]:
    """Stream name -> schema for every resource in `RESOURCES`."""
    return {r.name: generate_one(spec, r) for r in RESOURCES}


def serialise(schema: Schema) -> str:
    return json.dumps(schema, indent=2, sort_keys=False) + "\n"


def load_spec(path: Path) -> Schema:
    with path.open(encoding="utf-8") as f:
        spec: Schema = json.load(f)
    return spec


def check(expected: dict[str, str], folder: Path) -> list[str]:
    """One message per schema file that is missing, drifted or extra."""
    problems = []
    for name, text in expected.items():
        file = folder / f"{name}.json"
        if not file.exists():
            problems.append(f"missing: {file.name} (run python -m tools.schemagen)")
        elif file.read_text(encoding="utf-8") != text:
            problems.append(f"drifted: {file.name} differs from the spec")
    for file in sorted(folder.glob("*.json")):
        if file.stem not in expected:
            problems.append(f"extra: {file.name} matches no resource")
    return problems


def write(expected: dict[str, str], folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    for name, text in expected.items():
        (folder / f"{name}.json").write_text(text, encoding="utf-8")
        print(f"{len(text.encode()):>8,} B  {name}.json")
    for file in sorted(folder.glob("*.json")):
        if file.stem not in expected:
            file.unlink()
            print(f"removed stale {file.name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.schemagen")
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="openapi.json path")
    parser.add_argument("--check", action="store_true", help="exit 1 if schemas/ drifted")
    args = parser.parse_args(argv)
    schemas = generate(load_spec(args.spec))
    expected = {name: serialise(schema) for name, schema in schemas.items()}
    if args.check:
        problems = check(expected, SCHEMAS_DIR)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    write(expected, SCHEMAS_DIR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
