"""SQL Server without a SQL Server: every stream as target-mssql will create it.

The pipeline is README's "Loading into SQL Server": `meltano run tap-tripletex--mssql
target-mssql`, where the tap flattens one level (meltano.yml's tap-tripletex--mssql config,
applied here with the Singer SDK's own mapper, as the tap applies it) and target-mssql
(MeltanoLabs variant, PyPI 0.2.1) conforms names to snake_case and maps JSON types to
SQL Server types as restated below. The checks are SQL Server's limits.
"""

from __future__ import annotations

import logging
import re
import typing as t
from pathlib import Path

import pytest
import yaml
from singer_sdk.mapper import PluginMapper
from tripletex_simulator import Simulator

from tap_tripletex.resources import RESOURCES
from tests.meltano_support import discover
from tests.singer_run import discover as discover_tap
from tests.singer_run import run_tap, select
from tests.taputil import make_tap, read_stream

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

# SQL Server's limits
MAX_IDENTIFIER = 128  # sysname: table and column names
MAX_TEMP_TABLE = 116  # a #temp table's name (target-mssql merges through #<table>)
MAX_COLUMNS = 1024  # columns in a (non-wide) table
MAX_KEY_BYTES = 900  # a clustered primary key
# T-SQL's reserved keywords: target-mssql 0.2.1 writes its MERGE and #temp-table SQL with
# unquoted names, so no table or column may be one (nor anything but a regular identifier).
_RESERVED_WORDS = """
ADD ALL ALTER AND ANY AS ASC AUTHORIZATION BACKUP BEGIN BETWEEN BREAK BROWSE BULK BY CASCADE
CASE CHECK CHECKPOINT CLOSE CLUSTERED COALESCE COLLATE COLUMN COMMIT COMPUTE CONSTRAINT
CONTAINS CONTAINSTABLE CONTINUE CONVERT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME
CURRENT_TIMESTAMP CURRENT_USER CURSOR DATABASE DBCC DEALLOCATE DECLARE DEFAULT DELETE DENY
DESC DISK DISTINCT DISTRIBUTED DOUBLE DROP DUMP ELSE END ERRLVL ESCAPE EXCEPT EXEC EXECUTE
EXISTS EXIT EXTERNAL FETCH FILE FILLFACTOR FOR FOREIGN FREETEXT FREETEXTTABLE FROM FULL
FUNCTION GOTO GRANT GROUP HAVING HOLDLOCK IDENTITY IDENTITY_INSERT IDENTITYCOL IF IN INDEX
INNER INSERT INTERSECT INTO IS JOIN KEY KILL LEFT LIKE LINENO LOAD MERGE NATIONAL NOCHECK
NONCLUSTERED NOT NULL NULLIF OF OFF OFFSETS ON OPEN OPENDATASOURCE OPENQUERY OPENROWSET
OPENXML OPTION OR ORDER OUTER OVER PERCENT PIVOT PLAN PRECISION PRIMARY PRINT PROC PROCEDURE
PUBLIC RAISERROR READ READTEXT RECONFIGURE REFERENCES REPLICATION RESTORE RESTRICT RETURN
REVERT REVOKE RIGHT ROLLBACK ROWCOUNT ROWGUIDCOL RULE SAVE SCHEMA SECURITYAUDIT SELECT
SEMANTICKEYPHRASETABLE SEMANTICSIMILARITYDETAILSTABLE SEMANTICSIMILARITYTABLE SESSION_USER
SET SETUSER SHUTDOWN SOME STATISTICS SYSTEM_USER TABLE TABLESAMPLE TEXTSIZE THEN TO TOP TRAN
TRANSACTION TRIGGER TRUNCATE TRY_CONVERT TSEQUAL UNION UNIQUE UNPIVOT UPDATE UPDATETEXT USE
USER VALUES VARYING VIEW WAITFOR WHEN WHERE WHILE WITH WRITETEXT
"""
TSQL_RESERVED = frozenset(_RESERVED_WORDS.split())
REGULAR_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
# target-mssql's own: string key columns become VARCHAR(255); it adds this column when it
# processes ACTIVATE_VERSION (the tap sends it for full-table streams).
PK_VARCHAR = 255
ADDED_COLUMNS = ("_sdc_table_version",)

# target-mssql 0.2.1's column types (mssqlConnector.to_sql_type), first match wins, and
# their size in a key. `None` length: VARCHAR(max).
FIXED_BYTES = {
    "BIGINT": 8,
    "NUMERIC(38, 16)": 17,
    "FLOAT": 8,
    "DATETIME": 8,
    "DATE": 3,
    "TIME": 5,
    "VARCHAR(1)": 1,
}
TYPE_TABLE = [
    # (JSON schema, SQL Server type)
    ('"string", "format": "date-time"', "DATETIME"),
    ('"string", "format": "date"', "DATE"),
    ('"string", "format": "time"', "TIME"),
    ('"string"', "VARCHAR(max)"),
    ('"integer"', "BIGINT"),
    ('"number"', "NUMERIC(38, 16)"),
    ('"boolean"', "VARCHAR(1)"),
    ('"object"', "VARCHAR(max)"),
    ('"array"', "NVARCHAR(max)"),
]


def json_types(prop: dict[str, t.Any]) -> set[str]:
    kind = prop.get("type", [])
    types = {kind} if isinstance(kind, str) else set(kind)
    for option in prop.get("anyOf", []):
        types |= json_types(option)
    return types


def sql_type(prop: dict[str, t.Any], *, key: bool = False) -> str:
    """target-mssql 0.2.1's type for a (flattened) property."""
    types = json_types(prop)
    if "string" in types:
        fmt = prop.get("format")
        if fmt in ("date-time", "date", "time"):
            return {"date-time": "DATETIME", "date": "DATE", "time": "TIME"}[fmt]
        length = prop.get("maxLength")
        if key:  # "In MSSQL, Primary keys can not be more than 900 bytes. Setting at 255"
            return f"VARCHAR({PK_VARCHAR})"
        if length is None or length > 8000:
            return "VARCHAR(max)"
        return f"VARCHAR({length})"
    for json_type, sql in (
        ("integer", "BIGINT"),
        ("number", "NUMERIC(38, 16)"),
        ("boolean", "VARCHAR(1)"),
        ("object", "VARCHAR(max)"),
        ("array", "NVARCHAR(max)"),
    ):
        if json_type in types:
            return sql
    return "VARCHAR(max)"


def conform(name: str) -> str:
    """target-mssql 0.2.1's mssqlSink.conform_name: keep [A-Za-z0-9_-. ], snake_case
    camelCase, lower-case, a leading digit becomes a letter."""
    name = re.sub(r"[^a-zA-Z0-9_\-\.\s]", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    return "abcdefghij"[int(name[0])] + name[1:] if name[:1].isdigit() else name


# --- the streams as target-mssql receives them -----------------------------------------
def mssql_tap_config() -> dict[str, t.Any]:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    tap = next(p for p in project["plugins"]["extractors"] if p["name"] == "tap-tripletex--mssql")
    return dict(tap["config"])


@pytest.fixture(scope="module")
def catalog() -> dict[str, t.Any]:
    return discover()


def mapped(catalog: dict[str, t.Any], config: dict[str, t.Any]) -> PluginMapper:
    mapper = PluginMapper(plugin_config=config, logger=logging.getLogger("test-mssql"))
    for entry in catalog["streams"]:
        mapper.register_raw_stream_schema(
            entry["tap_stream_id"], entry["schema"], entry.get("key_properties") or []
        )
    return mapper


def tables(catalog: dict[str, t.Any], config: dict[str, t.Any]) -> dict[str, t.Any]:
    """Target stream name (after any `__alias__`) -> (flattened schema, key properties),
    as the tap emits them."""
    mapper = mapped(catalog, config)
    return {
        maps[0].stream_alias: (
            maps[0].transformed_schema,
            list(maps[0].transformed_key_properties or []),
        )
        for maps in mapper.stream_maps.values()
    }


def unquotable(name: str) -> bool:
    return name.upper() in TSQL_RESERVED or not REGULAR_IDENTIFIER.match(name)


def problems(catalog: dict[str, t.Any], config: dict[str, t.Any]) -> list[str]:
    """Everything SQL Server or target-mssql 0.2.1 would refuse; fix one with a stream map
    in meltano.yml's tap-tripletex--mssql (rename a property, `__alias__` a stream)."""
    found = []
    for stream, (schema, keys) in tables(catalog, config).items():
        table = conform(stream)
        if len(table) > MAX_IDENTIFIER or len(f"#{table}") > MAX_TEMP_TABLE:
            found.append(f"{stream}: table name {table!r} too long")
        if unquotable(table):
            found.append(f"{stream}: table name {table!r} needs quoting")
        properties = schema["properties"]
        columns: dict[str, list[str]] = {}
        for name in [*properties, *ADDED_COLUMNS]:
            columns.setdefault(conform(name).lower(), []).append(name)  # case-insensitive
        for column, names in columns.items():
            if len(names) > 1:
                found.append(f"{stream}: {names} all become column {column!r}")
            if len(column) > MAX_IDENTIFIER:
                found.append(f"{stream}: column {column!r} longer than {MAX_IDENTIFIER}")
            if unquotable(column):
                found.append(f"{stream}: column {column!r} needs quoting")
        if len(columns) > MAX_COLUMNS:
            found.append(f"{stream}: {len(columns)} columns")
        key_bytes = 0
        for key in keys:
            kind = sql_type(properties[key], key=True)
            if kind.endswith("(max)"):
                found.append(f"{stream}: key {key} is an unbounded {kind}")
            key_bytes += FIXED_BYTES.get(kind, PK_VARCHAR)
        if key_bytes > MAX_KEY_BYTES:
            found.append(f"{stream}: key {keys} takes {key_bytes} bytes")
    return found


# --- tests ------------------------------------------------------------------------------
def test_every_stream_fits_sql_server(catalog: dict[str, t.Any]) -> None:
    assert problems(catalog, mssql_tap_config()) == []


def test_references_become_id_and_url_columns(catalog: dict[str, t.Any]) -> None:
    invoice, keys = tables(catalog, mssql_tap_config())["invoice"]
    columns = {conform(name): sql_type(prop) for name, prop in invoice["properties"].items()}
    assert keys == ["company_id", "id"]
    assert columns["company_id"] == columns["id"] == "BIGINT"
    assert columns["customer__id"] == "BIGINT"
    assert columns["customer__url"] == "VARCHAR(max)"
    assert columns["invoice_date"] == "VARCHAR(max)"
    assert columns["amount"] == "NUMERIC(38, 16)"
    assert "customer" not in columns


def test_the_checks_find_a_collision(catalog: dict[str, t.Any]) -> None:
    """Without the stream map, Tripletex's employee.companyId and the tap's company_id
    are one column in SQL Server (target-mssql would stop with ConformedNameClashException)."""
    config = {k: v for k, v in mssql_tap_config().items() if k != "stream_maps"}
    assert "employee: ['company_id', 'companyId'] all become column 'company_id'" in problems(
        catalog, config
    )


def test_the_checks_find_reserved_words(catalog: dict[str, t.Any]) -> None:
    config = {k: v for k, v in mssql_tap_config().items() if k != "stream_maps"}
    assert "order: table name 'order' needs quoting" in problems(catalog, config)
    assert "sales_order" in tables(catalog, mssql_tap_config())


def test_company_id_is_the_company_read(catalog: dict[str, t.Any]) -> None:
    employee, keys = tables(catalog, mssql_tap_config())["employee"]
    assert "companyId" not in employee["properties"]
    assert "company_id" in keys


def test_flattened_records_only_carry_schema_columns(catalog: dict[str, t.Any]) -> None:
    """target-mssql 0.2.1 looks every record key up in the schema: the records the tap
    reads with the recommended config, flattened, carry only schema columns."""
    sim = Simulator(seed=2, size=300)
    config = mssql_tap_config()
    mapper = mapped(catalog, config)
    simulated = {r.name for r in RESOURCES if r.selected_by_default and not r.parents}
    strays: dict[str, set[str]] = {}
    nulls = 0
    with sim.serve() as url:
        tap = make_tap(url, start_date="2019-01-01", **config)
        for stream in sorted(simulated & set(mapper.stream_maps)):
            stream_map = mapper.stream_maps[stream][0]
            for record in read_stream(tap, stream):
                nulls += sum(v == {} for v in record.values())
                flat = stream_map.transform(record) or {}
                extra = set(flat) - set(stream_map.transformed_schema["properties"])
                if extra:
                    strays.setdefault(stream, set()).update(extra)
    assert nulls  # null references were met, and flattened to their columns
    assert strays == {}


def readme_section() -> str:
    text = README.read_text()
    section = text[text.index("## Loading into SQL Server") :]
    return section[: section.index("\n## ", 4)]


def test_readme_shows_meltano_yml() -> None:
    block = re.search(r"```yaml\n(.*?)```", readme_section(), re.S)
    assert block
    shown = yaml.safe_load(block.group(1))
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    for kind in ("extractors", "loaders"):
        for plugin in shown["plugins"][kind]:
            real = next(p for p in project["plugins"][kind] if p["name"] == plugin["name"])
            for key, value in plugin.items():
                if key == "config":  # what the README shows of it
                    assert value == {k: real["config"].get(k) for k in value}, plugin["name"]
                else:
                    assert real[key] == value, (plugin["name"], key)


def test_readme_documents_the_column_types() -> None:
    section = readme_section()
    for command in ("run tap-tripletex--mssql target-mssql", "python: python3.10"):
        assert command in section
    rows = re.findall(r"^\| `(.+?)` \| `(.+?)` \|$", section, re.M)
    assert rows == TYPE_TABLE


def test_the_recommended_config_runs_with_some_streams_deselected() -> None:
    """Stream maps for "*" must not trip over streams the catalog leaves out."""
    sim = Simulator(seed=2, size=300)
    with sim.serve() as url:
        config = {"api_url": url, **mssql_tap_config()}
        output = run_tap(config, select(discover_tap(config), ["customer", "order"]))
    assert output.returncode == 0, output.stderr[-2000:]
    assert {m["stream"] for m in output.messages if m["type"] == "RECORD"} == {
        "customer",
        "sales_order",
    }


def test_flattened_lines_read_inside_their_parents_carry_only_schema_columns() -> None:
    """Lines that come inside their parents (order_line, project_participant) are flattened
    like every record: a null reference becomes its `__id`/`__url` columns, not a key
    target-mssql cannot find (KeyError 'inventory' before)."""
    sim = Simulator(seed=2, size=300)
    config = mssql_tap_config()
    with sim.serve() as url:
        settings = {**config, "api_url": url, "start_date": "2019-01-01"}
        lines = ["order_line", "project_participant"]
        output = run_tap(settings, select(discover_tap(settings), lines))
    assert output.returncode == 0, output.stderr[-3000:]
    schemas = {
        m["stream"]: m["schema"]["properties"] for m in output.messages if m["type"] == "SCHEMA"
    }
    strays: dict[str, set[str]] = {}
    for message in output.messages:
        if message["type"] == "RECORD":
            extra = set(message["record"]) - set(schemas[message["stream"]])
            strays.setdefault(message["stream"], set()).update(extra)
    assert set(strays) == set(lines)  # both streams had records
    assert strays == {name: set() for name in lines}
