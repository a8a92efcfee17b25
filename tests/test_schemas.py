"""The generated stream schemas: in sync with the spec, and true to recorded traffic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from tap_tripletex.resources import BY_NAME, RESOURCES
from tools import schemagen

Schema = dict[str, Any]
WRITE_OR_READ = frozenset({"GET", "POST", "PUT"})


@pytest.fixture(scope="module")
def spec(shared_dir: Path) -> Schema:
    return schemagen.load_spec(shared_dir / "openapi.json")


@pytest.fixture(scope="module")
def schemas(spec: Schema) -> dict[str, Schema]:
    return schemagen.generate(spec)


def recorded_records(path: Path, methods: frozenset[str] = WRITE_OR_READ) -> list[Schema]:
    """Records in successful responses to `methods`: `values[*]` or `value`."""
    records: list[Schema] = []
    for exchange in json.loads(path.read_text(encoding="utf-8")):
        body = exchange["body"]
        if exchange["method"] not in methods or not isinstance(body, dict):
            continue
        if not 200 <= exchange["status"] < 300:
            continue
        if "values" in body:
            records.extend(body["values"])
        elif "value" in body:
            records.append(body["value"])
    return records


def test_generated_files_match_spec(shared_dir: Path, schemas: dict[str, Schema]) -> None:
    on_disk = {p.stem for p in schemagen.SCHEMAS_DIR.glob("*.json")}
    assert on_disk == {r.name for r in RESOURCES}
    assert len(schemas) == len(RESOURCES)
    for name, schema in schemas.items():
        text = (schemagen.SCHEMAS_DIR / f"{name}.json").read_text(encoding="utf-8")
        assert text == schemagen.serialise(schema), f"{name}.json drifted: rerun schemagen"
    assert schemagen.main(["--spec", str(shared_dir / "openapi.json"), "--check"]) == 0


def test_check_reports_each_problem(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("old\n")
    (tmp_path / "z.json").write_text("{}\n")
    problems = schemagen.check({"a": "new\n", "b": "{}\n"}, tmp_path)
    assert [p.split(":")[0] for p in problems] == ["drifted", "missing", "extra"]


def test_recorded_records_validate(shared_dir: Path, schemas: dict[str, Schema]) -> None:
    files = sorted((shared_dir / "recorded").glob("*.json"))
    checked: set[str] = set()
    validated = 0
    for file in files:
        if file.stem not in BY_NAME:
            continue
        validator = Draft7Validator(schemas[file.stem])
        for record in recorded_records(file):
            errors = [
                f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in validator.iter_errors({"company_id": 0, **record})
            ]
            assert not errors, f"{file.name} id={record.get('id')}: {errors}"
            validated += 1
        checked.add(file.stem)
    assert checked == {f.stem for f in files} & set(BY_NAME)
    assert {"ledger_account", "customer", "invoice", "ledger_voucher"} <= checked
    assert validated > 500


def unknown_fields(record: Any, schema: Schema, where: str) -> list[str]:
    """Paths in `record` that `schema` does not declare (the SDK would drop them)."""
    if isinstance(record, list) and "items" in schema:
        return [u for item in record for u in unknown_fields(item, schema["items"], where)]
    if not isinstance(record, dict) or "properties" not in schema:
        return []
    props = schema["properties"]
    return [
        unknown
        for key, value in record.items()
        for unknown in (
            unknown_fields(value, props[key], f"{where}.{key}")
            if key in props
            else [f"{where}.{key}"]
        )
    ]


def test_recorded_get_records_lose_no_field(shared_dir: Path, schemas: dict[str, Schema]) -> None:
    """GET (fields=* shape) records have no field the schema lacks; see OVERRIDES."""
    for file in sorted((shared_dir / "recorded").glob("*.json")):
        if file.stem in BY_NAME:
            for record in recorded_records(file, frozenset({"GET"})):
                assert unknown_fields(record, schemas[file.stem], file.stem) == []


def test_resource_ref_becomes_stub(schemas: dict[str, Schema]) -> None:
    manager = schemas["customer"]["properties"]["accountManager"]
    assert manager == schemagen.STUB
    postings = schemas["ledger_voucher"]["properties"]["postings"]
    assert postings["items"] == schemagen.STUB


def test_value_object_is_inlined(schemas: dict[str, Schema]) -> None:
    international_id = schemas["employee"]["properties"]["internationalId"]
    assert international_id["type"] == ["object", "null"]
    assert {"intAmeldingType", "country", "number"} <= international_id["properties"].keys()
    change = schemas["customer"]["properties"]["changes"]["items"]["properties"]
    assert list(change) == ["employeeId", "timestamp", "changeType"]


def test_company_id_first_and_everything_else_nullable(schemas: dict[str, Schema]) -> None:
    def walk(node: Schema, where: str) -> None:
        assert "null" in node["type"], where
        assert "enum" not in node, where
        for key, child in node.get("properties", {}).items():
            walk(child, f"{where}.{key}")
        if "items" in node:
            walk(node["items"], f"{where}[]")

    for name, schema in schemas.items():
        props = schema["properties"]
        assert next(iter(props)) == "company_id"
        assert props["company_id"] == {"type": ["integer"]}
        for key, prop in props.items():
            if key != "company_id":
                walk(prop, f"{name}.{key}")


def test_posting_schema_is_small(schemas: dict[str, Schema]) -> None:
    assert len(schemagen.serialise(schemas["ledger_posting"]).encode()) < 100_000


def test_cycle_guard_stops_recursion() -> None:
    spec: Schema = {
        "components": {
            "schemas": {
                "Node": {
                    "type": "object",
                    "properties": {"child": {"$ref": "#/components/schemas/Node"}},
                },
            },
        },
    }
    node = schemagen.convert(spec, {"$ref": "#/components/schemas/Node"}, ())
    assert node["properties"]["child"] == {"type": ["object", "null"]}


def test_all_of_and_maps() -> None:
    spec: Schema = {
        "components": {
            "schemas": {
                "Base": {"type": "object", "properties": {"kind": {"type": "string"}}},
                "Block": {
                    "type": "object",
                    "allOf": [
                        {"$ref": "#/components/schemas/Base"},
                        {"type": "object", "properties": {"n": {"type": "integer"}}},
                    ],
                },
            },
        },
    }
    block = schemagen.convert(spec, {"$ref": "#/components/schemas/Block"}, ())
    assert list(block["properties"]) == ["kind", "n"]
    a_map = {"type": "object", "additionalProperties": {"type": "number", "format": "double"}}
    assert schemagen.convert(spec, a_map, ()) == {
        "type": ["object", "null"],
        "additionalProperties": {"type": ["number", "null"]},
    }
