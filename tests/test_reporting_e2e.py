"""The dbt models in transform/ (README, "Reporting"), through Meltano's dbt utilities:
`dbt build` (every model and every test, the tie-out with Tripletex's balance sheet among
them) on DuckDB and on a real PostgreSQL; dbt-sqlserver parses and compiles them (no
SQL Server can run here); and a ledger that no longer matches Tripletex's balances fails
the build. The demo's DuckDB build is tests/test_meltano_e2e.py::test_readme_demo.

Deselect with `-m "not e2e"`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tripletex_simulator import Simulator

from tests.meltano_support import SIM_TOKENS, PostgresServer, meltano, meltano_env

pytestmark = pytest.mark.e2e

MARTS = [
    "general_ledger",
    "trial_balance_monthly",
    "profit_and_loss_monthly",
    "balance_sheet_monthly",
    "accounts_receivable_open",
    "accounts_payable_open",
    "project_hours_monthly",
]


@pytest.fixture
def sim() -> Iterator[tuple[Simulator, str]]:
    simulator = Simulator(seed=17, size=1500)
    with simulator.serve() as url:
        yield simulator, url


def dbt_results(project: Path) -> dict[str, str]:
    """Node name -> status of the last dbt command (target/run_results.json)."""
    results = json.loads((project / "transform" / "target" / "run_results.json").read_text())
    return {r["unique_id"].split(".")[2]: r["status"] for r in results["results"]}


def test_dbt_build_on_postgres(
    project: Path, postgres: PostgresServer, sim: tuple[Simulator, str]
) -> None:
    _, url = sim
    env = meltano_env(
        **SIM_TOKENS,
        **postgres.target_env(),
        TAP_TRIPLETEX_API_URL=url,
        TAP_TRIPLETEX_START_DATE="2019-01-01",
        TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA="reporting_pg",
        MELTANO_RUN_STATE_ID_SUFFIX="reporting_pg",
        DBT_TRIPLETEX_SCHEMA="reporting_pg",
        DBT_POSTGRES_HOST="127.0.0.1",
        DBT_POSTGRES_PORT=str(postgres.port),
        DBT_POSTGRES_USER=postgres.user,
        DBT_POSTGRES_PASSWORD=postgres.password,
        DBT_POSTGRES_DBNAME="tripletex",
    )
    meltano(project, "install", "utility", "dbt-postgres", env=env)
    meltano(project, "run", "tap-tripletex", "target-postgres", "dbt-postgres:build", env=env)
    results = dbt_results(project)
    assert set(MARTS) <= set(results)
    assert "ties_out_with_tripletex_balance_sheet" in results
    assert set(results.values()) <= {"success", "pass"}, results
    for mart in MARTS:
        (count,) = postgres.psql(f"select count(*) from tripletex_reporting.{mart}")[0]
        assert int(count) > 0, mart


def test_dbt_sqlserver_parses_and_compiles(project: Path) -> None:
    """No SQL Server can run here: dbt-sqlserver renders every model's T-SQL without one."""
    env = meltano_env(DBT_SQLSERVER_PASSWORD="not-used", DBT_SQLSERVER_DRIVER="FreeTDS")
    meltano(project, "install", "utility", "dbt-sqlserver", env=env)
    meltano(project, "invoke", "dbt-sqlserver:parse", env=env)
    compiled = meltano(
        project,
        "invoke",
        "dbt-sqlserver",
        "compile",
        "--target",
        "sqlserver",
        "--no-populate-cache",
        env=env,
        check=False,
    )
    target = project / "transform" / "target" / "compiled" / "tripletex" / "models"
    sql = target / "staging" / "stg_tripletex__ledger_posting.sql"
    assert compiled.returncode == 0, compiled.stdout[-3000:] + compiled.stderr[-3000:]
    text = sql.read_text()
    assert '"account__id"' in text and "->>" not in text and "json_extract" not in text
    for mart in MARTS:
        assert (target / "marts" / f"{mart}.sql").exists(), mart


def test_a_ledger_that_no_longer_matches_tripletex_fails_the_tie_out(
    project: Path, sim: tuple[Simulator, str], tmp_path: Path
) -> None:
    """One voucher's posting changes in Tripletex and only the postings are read again:
    the warehouse's ledger no longer adds up to the balance sheet it holds."""
    simulator, url = sim
    env = meltano_env(
        **SIM_TOKENS,
        TAP_TRIPLETEX_API_URL=url,
        TAP_TRIPLETEX_START_DATE="2019-01-01",
        TARGET_DUCKDB_FILEPATH=str(tmp_path / "tie.duckdb"),
        DBT_DUCKDB_PATH=str(tmp_path / "tie.duckdb"),
        MELTANO_RUN_STATE_ID_SUFFIX=tmp_path.name,
    )
    meltano(project, "install", "utility", "dbt-duckdb", env=env)
    meltano(project, "run", "tap-tripletex", "target-duckdb", "dbt-duckdb:build", env=env)
    assert set(dbt_results(project).values()) <= {"success", "pass"}

    today = simulator.today.isoformat()
    posting = max(
        (p for p in simulator.records("ledger_posting") if p["date"] <= today),
        key=lambda p: p["date"],
    )
    simulator.update("ledger_posting", posting["id"], {"amount": posting["amount"] + 100})
    only_postings = {**env, "TAP_TRIPLETEX__SELECT": '["ledger_posting.*"]'}
    meltano(project, "run", "tap-tripletex", "target-duckdb", env=only_postings)
    failed = meltano(project, "invoke", "dbt-duckdb:build", env=env, check=False)
    assert failed.returncode != 0
    results = dbt_results(project)
    assert results["ties_out_with_tripletex_balance_sheet"] == "fail"
    assert results["vouchers_balance"] == "fail"
    assert results["trial_balance_sums_to_zero"] == "fail"
    failing = {name for name, status in results.items() if status in {"fail", "error"}}
    assert failing == {
        "ties_out_with_tripletex_balance_sheet",
        "vouchers_balance",
        "trial_balance_sums_to_zero",
    }, failing
    assert re.search(
        r"FAIL \d+ ties_out_with_tripletex_balance_sheet", failed.stdout + failed.stderr
    )
