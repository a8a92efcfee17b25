"""What a target that honours ACTIVATE_VERSION ends up holding, from a tap's messages.

The rule is target-postgres 0.8.1's (sinks.py, `activate_version`, `hard_delete: true`):
records are upserted by key with their message's `version`; ACTIVATE_VERSION V deletes
the rows whose version is null or below V. tests/test_meltano_e2e.py checks the real
target; this model lets the faster tests say what a run leaves in a warehouse.
"""

from __future__ import annotations

import typing as t

from tests.singer_run import Output

Row = tuple[dict[str, t.Any], int | None]  # record, version


class Warehouse:
    def __init__(self) -> None:
        self.tables: dict[str, dict[tuple, Row]] = {}
        self.keys: dict[str, list[str]] = {}

    def load(self, output: Output) -> Warehouse:
        for message in output.messages:
            kind, stream = message["type"], message.get("stream")
            if kind == "SCHEMA":
                self.keys[stream] = message["key_properties"]
                self.tables.setdefault(stream, {})
            elif kind == "RECORD":
                record = message["record"]
                key = tuple(record[k] for k in self.keys[stream])
                self.tables[stream][key] = (record, message.get("version"))
            elif kind == "ACTIVATE_VERSION":
                version = message["version"]
                table = self.tables[stream]
                for key in [k for k, (_, v) in table.items() if v is None or v < version]:
                    del table[key]
        return self

    def rows(self, stream: str) -> dict[tuple, dict[str, t.Any]]:
        return {key: record for key, (record, _) in self.tables.get(stream, {}).items()}

    def ids(self, stream: str) -> set[int]:
        return {record["id"] for record in self.rows(stream).values()}
