"""The warehouse equals Tripletex, in a real PostgreSQL through `meltano run tap-tripletex
target-postgres` (target-postgres 0.8.1, `hard_delete: true` and `use_copy: true`, as
meltano.yml has it):
a failed run leaves every table as it was, a table never shrinks during a run, deletions
leave on the due whole read, and the balance sheet ties out with the postings (the
README's reconciliation SQL).

Deselect with `-m "not e2e"`. Outside CI a missing PostgreSQL skips; under CI=true it fails.
"""

from __future__ import annotations

import json
import re
import threading
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest
from tripletex_simulator import Simulator

from tap_tripletex.readplan import FULL_READ_AT
from tap_tripletex.resources import RESOURCES
from tests.meltano_support import ROOT, SIM_TOKENS, PostgresServer, meltano, meltano_env
from tests.test_warehouse import aged, delete_some, expected

pytestmark = pytest.mark.e2e

CORE = [r.name for r in RESOURCES if r.selected_by_default]
KEYS = {r.name: ["company_id", *r.key] for r in RESOURCES}


class Pipeline:
    """One simulator, one PostgreSQL schema and one Meltano state id per test."""

    def __init__(self, project: Path, pg: PostgresServer, sim: Simulator, url: str, name: str):
        self.project, self.pg, self.sim, self.schema = project, pg, sim, name
        self.env = {
            **SIM_TOKENS,
            **pg.target_env(),
            "TAP_TRIPLETEX_API_URL": url,
            "TAP_TRIPLETEX_START_DATE": "2019-01-01",
            "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": name,
            "MELTANO_RUN_STATE_ID_SUFFIX": name,
        }
        self.state_id = f"dev:tap-tripletex-to-target-postgres:{name}"

    def run(self, check: bool = True, **settings: str) -> int:
        env = meltano_env(**self.env, **settings)
        done = meltano(
            self.project, "run", "tap-tripletex", "target-postgres", env=env, check=check
        )
        return done.returncode

    def keys(self, stream: str) -> set[tuple[str, ...]]:
        columns = ", ".join(f'"{k}"' for k in KEYS[stream])
        return {
            tuple(row) for row in self.pg.psql(f'select {columns} from {self.schema}."{stream}"')
        }

    def snapshot(self) -> dict[str, set[tuple[str, ...]]]:
        return {stream: self.keys(stream) for stream in CORE}

    def count(self, stream: str) -> int:
        return int(self.pg.psql(f'select count(*) from {self.schema}."{stream}"')[0][0])

    def state(self) -> dict[str, t.Any]:
        out = meltano(self.project, "state", "get", self.state_id, env=meltano_env()).stdout
        return dict(json.loads(out[out.index("{") :]))

    def set_state(self, state: dict[str, t.Any]) -> None:
        meltano(self.project, "state", "set", "--force", self.state_id, json.dumps(state))


@pytest.fixture
def pipeline(
    project: Path, postgres: PostgresServer, request: pytest.FixtureRequest
) -> Iterator[Pipeline]:
    simulator = Simulator(seed=13, size=1000)
    name = "wh_" + re.sub(r"\W+", "_", request.node.name).strip("_").lower()[-40:]
    with simulator.serve() as url:
        yield Pipeline(project, postgres, simulator, url, name)


def as_text(keys: set[tuple]) -> set[tuple[str, ...]]:
    return {tuple(str(k) for k in key) for key in keys}


@pytest.mark.parametrize("path", ["/contact", "/ledger/posting"])
def test_a_failed_run_leaves_every_table_as_it_was(pipeline: Pipeline, path: str) -> None:
    """Run 2 fails on page 3 of a full-table list, or of a date-range list. Before, the
    failed full-table stream's table lost every row that run had not reached."""
    pipeline.run()
    before = pipeline.snapshot()
    assert all(before.values())
    pipeline.sim.fail(path, status=500, times=-1, after=2)
    failed = pipeline.run(
        check=False,
        TAP_TRIPLETEX_MAX_RETRIES="0",
        TAP_TRIPLETEX_PAGE_SIZE="10",
        TAP_TRIPLETEX_MAX_CONCURRENCY="1",
    )
    assert failed != 0
    assert pipeline.snapshot() == before


def test_deletions_reach_postgres_on_the_due_whole_read(pipeline: Pipeline) -> None:
    sim = pipeline.sim
    pipeline.run()
    gone = delete_some(sim)

    # An incremental run: the contact table converges and never shrinks below what it
    # ends with while the run goes on; the incremental tables keep deleted rows.
    counts: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            counts.append(pipeline.count("contact"))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        pipeline.run()
    finally:
        stop.set()
        watcher.join()
    contacts = pipeline.count("contact")
    assert contacts == len(sim.records("contact"))
    assert counts and min(counts) >= contacts
    vouchers = {int(k[1]) for k in pipeline.keys("ledger_voucher")}
    assert gone["ledger_voucher"] <= vouchers

    # Due for a whole read (its last one a week ago): every table equals Tripletex.
    pipeline.set_state({"singer_state": aged(pipeline.state()["singer_state"], days=8)})
    pipeline.run()
    for stream in CORE:
        assert pipeline.keys(stream) == as_text(expected(sim, stream)), stream
    partitions = pipeline.state()["singer_state"]["bookmarks"]["invoice"]["partitions"]
    assert all(FULL_READ_AT in p for p in partitions)


def reconciliation_sql() -> str:
    """The README's reconciliation query (Reporting on the books)."""
    text = (ROOT / "README.md").read_text()
    found = re.search(r"<!-- reconcile:start -->\s*```sql\n(.*?)```", text, re.S)
    assert found, "README lost its reconciliation query"
    return found.group(1)


def test_the_readme_reconciliation_finds_the_ledger_equal_to_the_balance_sheet(
    pipeline: Pipeline,
) -> None:
    pipeline.run()
    query = reconciliation_sql().replace("tripletex.", f"{pipeline.schema}.")
    assert pipeline.pg.psql(query) == []
    # It does find a difference: a posting changed behind the balance sheet's back.
    pipeline.pg.psql(
        f"update {pipeline.schema}.ledger_posting set amount = amount + 1 "
        f"where id = (select min(id) from {pipeline.schema}.ledger_posting)"
    )
    assert len(pipeline.pg.psql(query)) == 1
