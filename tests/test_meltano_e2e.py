"""Meltano end to end: the Hub definition in a fresh project, `meltano run` into a real
PostgreSQL and into DuckDB (twice, around changes in the simulator), and the README's demo.

Deselect with `-m "not e2e"`. Outside CI a missing PostgreSQL skips its test; under
CI=true it fails.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from tripletex_simulator import Simulator

from tap_tripletex.resources import RESOURCES
from tests.meltano_support import (
    IN_CI,
    ROOT,
    SIM_TOKENS,
    PostgresServer,
    discover,
    meltano,
    meltano_env,
    python310,
    skip_or_fail,
)
from tools import plugin_definition

pytestmark = pytest.mark.e2e

STREAMS = [r.name for r in RESOURCES if r.selected_by_default]  # what meltano run reads
KEYS = {  # stream -> its key properties, from discovery
    e["tap_stream_id"]: e.get("key_properties") or [] for e in discover()["streams"]
}
HUB_FILE = ROOT / "hub" / "extractors" / "tap-tripletex" / "tap-tripletex.yml"
SIM_SIZE = 1000


# fixtures (`project`, `postgres`: tests/conftest.py) ---------------------------------
@pytest.fixture
def sim() -> Iterator[tuple[Simulator, str]]:
    """One simulator, in this process, alive across both runs of a test."""
    simulator = Simulator(seed=5, size=SIM_SIZE)
    with simulator.serve() as url:
        yield simulator, url


# helpers -------------------------------------------------------------------------------
def run_pipeline(project: Path, target: str, api_url: str, **env: str) -> None:
    meltano(
        project,
        "run",
        "tap-tripletex",
        target,
        env=meltano_env(**SIM_TOKENS, TAP_TRIPLETEX_API_URL=api_url, **env),
    )


def expected_counts(simulator: Simulator) -> dict[str, int]:
    return {name: len(simulator.records(name)) for name in STREAMS}


def invoice_bookmark(project: Path, target: str) -> str | None:
    """The invoice stream's bookmark in `meltano state get` (any partition's, newest)."""
    out = meltano(project, "state", "get", f"dev:tap-tripletex-to-{target}").stdout
    state = json.loads(out[out.index("{") :])
    invoice = state.get("singer_state", {}).get("bookmarks", {}).get("invoice", {})
    values = [p.get("replication_key_value") for p in invoice.get("partitions", [])]
    values.append(invoice.get("replication_key_value"))
    found = [str(v) for v in values if v]
    return max(found) if found else None


def no_inline_children(stream: str) -> dict[str, list]:
    """Empty lists for the fields of `stream` that child streams read inline (an added
    record's random references would be children the simulator does not have)."""
    fields = (
        getattr(r, "inline", None)
        for r in RESOURCES
        if stream in (getattr(r, "parents", None) or ())
    )
    return {field: [] for field in fields if field}


def change_simulator(simulator: Simulator) -> dict[str, t.Any]:
    """Add and update records; returns what the second run must bring over."""
    today = simulator.today.isoformat()
    customer = simulator.records("customer")[0]
    simulator.update("customer", customer["id"], {"name": "E2E Endret AS"})
    new_customer = simulator.add(
        "customer", {"name": "E2E Ny Kunde AS", **no_inline_children("customer")}
    )
    # the newest invoice is inside the lookback window of the next incremental run
    invoice = max(
        (r for r in simulator.records("invoice") if (r.get("invoiceDate") or "") <= today),
        key=lambda r: (r["invoiceDate"], r["id"]),
    )
    simulator.update("invoice", invoice["id"], {"comment": "E2E endret"})
    new_invoice = simulator.add("invoice", {"comment": "E2E ny", **no_inline_children("invoice")})
    return {
        "customer": {customer["id"]: "E2E Endret AS", new_customer["id"]: "E2E Ny Kunde AS"},
        "invoice": {invoice["id"]: "E2E endret", new_invoice["id"]: "E2E ny"},
    }


def assert_loaded(counts: dict[str, tuple[int, int]], simulator: Simulator) -> None:
    """Every stream's table holds the simulator's records once each (by its key)."""
    expected = expected_counts(simulator)
    actual = {name: counts.get(name, (0, 0)) for name in STREAMS}
    assert actual == {name: (n, n) for name, n in expected.items()}


# the Hub definition in a fresh project -------------------------------------------------
def test_hub_definition_in_a_fresh_project(tmp_path: Path) -> None:
    project = tmp_path / "fresh"
    meltano(tmp_path, "init", str(project), "--no-usage-stats")
    definition = yaml.safe_load(HUB_FILE.read_text())
    definition["pip_url"] = f"-e {ROOT}"  # this checkout instead of the published repo
    ref = tmp_path / "tap-tripletex.yml"
    ref.write_text(yaml.safe_dump(definition, sort_keys=False))

    meltano(project, "add", "--plugin-type", "extractor", "tap-tripletex", "--from-ref", str(ref))
    added = yaml.safe_load((project / "meltano.yml").read_text())["plugins"]
    assert [p["name"] for p in added["extractors"]] == ["tap-tripletex"]
    assert set(added) == {"extractors"}
    meltano(project, "install")

    invoked = meltano(project, "invoke", "tap-tripletex", "--about", "--format=json")
    about = json.loads(invoked.stdout)
    assert about["name"] == "tap-tripletex"
    assert [s["name"] for s in definition["settings"]] == list(about["settings"]["properties"])

    simulator = subprocess.Popen(
        [sys.executable, "-m", "tripletex_simulator", "--port", "0", "--size", "200"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert simulator.stdout is not None
        api_url = simulator.stdout.readline().split()[3]
        good = meltano_env(**SIM_TOKENS, TAP_TRIPLETEX_API_URL=api_url)
        done = meltano(project, "config", "test", "tap-tripletex", env=good)
        assert "Plugin configuration is valid" in done.stdout + done.stderr
        bad = {**good, "TAP_TRIPLETEX_EMPLOYEE_TOKEN": "not-the-token"}
        refused = meltano(project, "config", "test", "tap-tripletex", env=bad, check=False)
        assert refused.returncode != 0
        assert "employee_token was rejected" in refused.stdout + refused.stderr
    finally:
        simulator.terminate()
        simulator.wait(timeout=30)


# PostgreSQL ----------------------------------------------------------------------------
def key_sql(stream: str) -> str:
    """`(company_id, id)`: the stream's key as a row, for count(distinct ...)."""
    return "(" + ", ".join(f'"{k}"' for k in KEYS.get(stream) or ["company_id"]) + ")"


def pg_counts(pg: PostgresServer) -> dict[str, tuple[int, int]]:
    counts = {}
    for (name,) in pg.psql(
        "select table_name from information_schema.tables where table_schema = 'tripletex'"
    ):
        rows, keys = pg.psql(
            f'select count(*), count(distinct {key_sql(name)}) from tripletex."{name}"'
        )[0]
        counts[name] = (int(rows), int(keys))
    return counts


def pg_values(pg: PostgresServer, table: str, column: str, ids: t.Iterable[int]) -> dict:
    id_list = ",".join(str(int(i)) for i in ids)
    rows = pg.psql(f'select id, "{column}" from tripletex."{table}" where id in ({id_list})')
    return {int(i): value for i, value in rows}


def test_meltano_run_into_postgres(
    project: Path, postgres: PostgresServer, sim: tuple[Simulator, str]
) -> None:
    simulator, api_url = sim
    run_pipeline(project, "target-postgres", api_url, **postgres.target_env())
    assert_loaded(pg_counts(postgres), simulator)
    first = invoice_bookmark(project, "target-postgres")
    assert first, "no invoice bookmark in `meltano state get` after the first run"

    changed = change_simulator(simulator)
    run_pipeline(project, "target-postgres", api_url, **postgres.target_env())
    assert_loaded(pg_counts(postgres), simulator)  # updated by key: no duplicates
    assert pg_values(postgres, "customer", "name", changed["customer"]) == changed["customer"]
    assert pg_values(postgres, "invoice", "comment", changed["invoice"]) == changed["invoice"]
    second = invoice_bookmark(project, "target-postgres")
    assert second and second >= first, (first, second)


# DuckDB --------------------------------------------------------------------------------
DUCKDB_QUERY = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
catalog = con.execute("select current_database()").fetchone()[0]
keys = json.loads(sys.argv[3])
counts = {}
for (name,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'tripletex'"
).fetchall():
    key = ", ".join(f'"{k.lower()}"' for k in keys.get(name) or ["company_id"])
    counts[name] = con.execute(
        f'select count(*), count(distinct ({key})) from "{catalog}".tripletex."{name}"'
    ).fetchone()
values = {}
for key, (table, column, ids) in json.loads(sys.argv[2]).items():
    rows = con.execute(
        f'select id, "{column}" from "{catalog}".tripletex."{table}" where id in '
        f'({",".join(str(int(i)) for i in ids)})'
    ).fetchall()
    values[key] = {str(i): v for i, v in rows}
print(json.dumps({"counts": counts, "values": values}))
"""


def duckdb_query(project: Path, db: Path, lookups: dict | None = None) -> dict:
    python = project / ".meltano" / "loaders" / "target-duckdb" / "venv" / "bin" / "python"
    done = subprocess.run(
        [str(python), "-c", DUCKDB_QUERY, str(db), json.dumps(lookups or {}), json.dumps(KEYS)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_meltano_run_into_duckdb(project: Path, sim: tuple[Simulator, str]) -> None:
    simulator, api_url = sim
    db = project / "output" / "e2e.duckdb"
    env = {"TARGET_DUCKDB_FILEPATH": str(db)}
    run_pipeline(project, "target-duckdb", api_url, **env)
    assert_loaded({k: tuple(v) for k, v in duckdb_query(project, db)["counts"].items()}, simulator)
    first = invoice_bookmark(project, "target-duckdb")
    assert first, "no invoice bookmark in `meltano state get` after the first run"

    changed = change_simulator(simulator)
    run_pipeline(project, "target-duckdb", api_url, **env)
    lookups = {  # target-duckdb lower-cases column names
        "customer": ["customer", "name", list(changed["customer"])],
        "invoice": ["invoice", "comment", list(changed["invoice"])],
    }
    result = duckdb_query(project, db, lookups)
    assert_loaded({k: tuple(v) for k, v in result["counts"].items()}, simulator)
    for key in lookups:
        assert result["values"][key] == {str(i): v for i, v in changed[key].items()}
    second = invoice_bookmark(project, "target-duckdb")
    assert second and second >= first, (first, second)


# SQL Server: the real target-mssql's DDL, without a server -----------------------------
MSSQL_DDL = """
import json, sys
import sqlalchemy
from target_mssql.connector import mssqlConnector
from target_mssql.sinks import mssqlSink


class Names:  # mssqlSink's own naming, without a sink (which would connect)
    snakecase = mssqlSink.snakecase
    conform_name = mssqlSink.conform_name


names, ddl = Names(), []
engine = sqlalchemy.create_mock_engine(
    "mssql+pymssql://", lambda sql, *a, **k: ddl.append(str(sql.compile(dialect=engine.dialect)))
)


class Connector(mssqlConnector):  # CREATE TABLE goes to `ddl` instead of a server
    @property
    def _engine(self):
        return engine


connector = Connector(config={"sqlalchemy_url": "mssql+pymssql://u:p@localhost:1433/db"})
out = {}
for stream, (schema, keys) in json.load(open(sys.argv[1])).items():
    ddl.clear()
    connector.create_empty_table(
        f"tripletex.{names.conform_name(stream, 'table')}",
        {"properties": {names.conform_name(k): v for k, v in schema["properties"].items()}},
        primary_keys=[names.conform_name(k) for k in keys],
    )
    out[stream] = ddl[0]
print(json.dumps(out))
"""


def test_target_mssql_creates_the_documented_tables(project: Path, tmp_path: Path) -> None:
    """target-mssql 0.2.1 itself (installed by Meltano on Python 3.10) renders CREATE TABLE
    for every stream as tap-tripletex--mssql emits it; tests/test_mssql_schema.py's
    restatement of its names and types (and README's type table) must agree."""
    from tests import test_mssql_schema as mssql  # noqa: PLC0415

    if python310() is None:
        skip_or_fail("no Python 3.10 for target-mssql 0.2.1 (python3.10 on PATH or pyenv)")
    meltano(project, "install", "target-mssql")
    about = meltano(project, "invoke", "target-mssql", "--about", "--format=json").stdout
    assert json.loads(about)["name"] == "target-mssql"
    streams = mssql.tables(mssql.discover(), mssql.mssql_tap_config())
    streams_file = tmp_path / "streams.json"
    streams_file.write_text(json.dumps(streams))
    python = project / ".meltano" / "loaders" / "target-mssql" / "venv" / "bin" / "python"
    done = subprocess.run(
        [str(python), "-c", MSSQL_DDL, str(streams_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for stream, create in json.loads(done.stdout).items():
        schema, keys = streams[stream]
        assert f"CREATE TABLE tripletex.{mssql.conform(stream)} (" in create
        assert "[" not in create, f"SQL Server needs a name quoted: {create}"
        columns = re.findall(r"^\t(\S+) (.+?) (?:NOT NULL|NULL),? *$", create, re.M)
        assert columns == [
            (mssql.conform(name), mssql.sql_type(prop, key=name in keys))
            for name, prop in schema["properties"].items()
        ], stream
        key = re.search(r"PRIMARY KEY \((.*)\)", create)
        assert key and key.group(1).split(", ") == [mssql.conform(k) for k in keys], stream


# the README's quickstart demo ----------------------------------------------------------
def load_dev_py() -> t.Any:
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_demo() -> None:
    """`python3 dev.py demo`, as the README's quickstart says, in this checkout."""
    dev = load_dev_py()
    venv_ready, _, _ = dev.stamp_ok("deps", *dev.DEPS)
    if not venv_ready or Path(sys.prefix).resolve() != dev.VENV.resolve():
        message = "this .venv was not set up by dev.py (run the tests with `python3 dev.py test`)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_TRIPLETEX_", "TARGET_"))}
    done = subprocess.run(
        [sys.executable, "dev.py", "demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    shown = {
        m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+) rows$", done.stdout, re.M)
    }
    expected = expected_counts(Simulator(seed=dev.DEMO_SEED, size=dev.DEMO_SIZE))
    assert shown == expected
    assert dev.DEMO_DB.exists()
    # The reporting models were built and every dbt test passed (meltano run fails
    # otherwise); the demo ends with the P&L of the last three months.
    assert "Profit and loss, last three months" in done.stdout
    assert re.search(r"^  Resultat( +-?[\d,]+){3}$", done.stdout, re.M), done.stdout[-2000:]


# Settings by environment variable --------------------------------------------------------
def test_every_numeric_setting_survives_meltano_by_environment_variable(project: Path) -> None:
    """Issue 16, case 7: Meltano cast a `decimal` setting given by environment variable
    to a Decimal, then crashed writing the tap's config ("Object of type Decimal is not
    JSON serializable"). Each numeric setting is given by environment variable: valid
    values reach the tap, and a value out of range comes back as the tap's line naming it."""
    definition = yaml.safe_load(HUB_FILE.read_text())
    about = plugin_definition.about()
    numeric = {  # the tap's own numeric settings (each has a minimum)
        name: prop
        for name, prop in about["settings"]["properties"].items()
        if {"number", "integer"} & set(prop.get("type") or []) and "minimum" in prop
    }
    assert {"retry_backoff", "rate_limit_max_wait", "rate_limit_window", "page_size"} <= set(
        numeric
    )
    assert "decimal" not in {s["kind"] for s in definition["settings"]}
    valid = {
        f"TAP_TRIPLETEX_{name.upper()}": "0.5" if "number" in prop["type"] else str(prop["minimum"])
        for name, prop in numeric.items()
    }
    done = meltano(
        project, "invoke", "tap-tripletex", "--discover", env=meltano_env(**SIM_TOKENS, **valid)
    )
    assert json.loads(done.stdout)["streams"]
    for name, prop in numeric.items():
        low = "-0.5" if "number" in prop["type"] else str(int(prop["minimum"]) - 1)
        env = meltano_env(
            **{
                **SIM_TOKENS,
                **valid,
                "TAP_TRIPLETEX_API_URL": "http://127.0.0.1:9/v2",
                f"TAP_TRIPLETEX_{name.upper()}": low,
                # Meltano relays the tap's stderr lines at info level.
                "MELTANO_CLI_LOG_LEVEL": "info",
            }
        )
        failed = meltano(project, "invoke", "tap-tripletex", env=env, check=False)
        output = failed.stdout + failed.stderr
        assert failed.returncode == 1, output[-2000:]
        assert "Decimal" not in output
        assert re.search(rf"tap-tripletex: error: {name} must be .* \(got \"?{low}\"?\)", output), (
            output[-2000:]
        )
        assert "sim-consumer" not in output and "sim-employee" not in output
