"""`fields` for explicit selections: every relation asked for as the stub its schema has."""

from __future__ import annotations

import json
from pathlib import Path

from tap_tripletex.fieldsparam import explicit

SCHEMAS = Path(__file__).resolve().parents[1] / "tap_tripletex" / "schemas"
STUB = {"type": ["object", "null"], "properties": {"id": {}, "url": {}}}


def test_relations_scalars_value_objects_and_maps() -> None:
    properties = {
        "id": {"type": ["integer", "null"]},
        "account": STUB,
        "postings": {"type": ["array", "null"], "items": STUB},
        "changes": {  # a value object without relations: named bare
            "type": ["array", "null"],
            "items": {"type": ["object", "null"], "properties": {"timestamp": {}}},
        },
        "address": {  # a value object holding a relation: its properties named
            "type": ["object", "null"],
            "properties": {"city": {"type": ["string"]}, "country": STUB},
        },
        "open": {"type": ["object", "null"]},  # the spec leaves it open (a cycle)
        "labels": {"type": ["object", "null"], "additionalProperties": {"type": "string"}},
        "tags": {"type": ["array", "null"]},
    }
    assert explicit(properties) == (
        "id,account(id,url),postings(id,url),changes,address(city,country(id,url)),"
        "open(*),labels,tags"
    )


def test_every_relation_of_every_stream_is_a_stub_in_an_explicit_list() -> None:
    for file in SCHEMAS.glob("*.json"):
        properties = json.loads(file.read_text())["properties"]
        fields = explicit(properties)
        for name, schema in properties.items():
            node = schema.get("items", schema)
            if set(node.get("properties") or ()) == {"id", "url"}:
                assert f",{name}(id,url)," in f",{fields},", (file.stem, name)
        assert fields.count("(") == fields.count(")"), file.stem
