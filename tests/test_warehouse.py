"""The warehouse equals Tripletex: versions and ACTIVATE_VERSION only after a complete
read, deletions converging through periodic whole reads, runs that end with STATE, and
relations that stay `{id, url}` stubs whatever is deselected.

What the target holds is modelled by tests/warehouse.py (target-postgres's rule);
tests/test_meltano_e2e.py runs the same cases into a real target-postgres.
"""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import tempfile
import typing as t
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import pytest
from tripletex_simulator import ApiError, Simulator

from tap_tripletex.readplan import FULL_READ_AT
from tap_tripletex.resources import RESOURCES
from tests.singer_run import EXECUTABLE, Output, discover, run_tap, select, write_json
from tests.taputil import TOKENS
from tests.warehouse import Warehouse

CORE = [r.name for r in RESOURCES if r.selected_by_default]
INCREMENTAL = {
    r.name for r in RESOURCES if r.selected_by_default and (r.date_field or r.changed_since)
}
INCREMENTAL_FAMILY = INCREMENTAL | {"order_line"}  # lines of orders and invoices


@pytest.fixture
def sim() -> Iterator[tuple[Simulator, dict, dict]]:
    simulator = Simulator(seed=11, size=1200)
    with simulator.serve() as url:
        config = {"api_url": url, "start_date": "2019-01-01", "page_size": 40}
        yield simulator, config, discover(config)


def expected(sim: Simulator, stream: str) -> set[tuple]:
    """The keys a warehouse must hold for `stream`: the simulator's records now."""
    if stream == "balance_sheet":
        return {(sim.company_id, r["account"]["id"], r["startDate"]) for r in sim.records(stream)}
    return {(sim.company_id, r["id"]) for r in sim.records(stream)}


def assert_equals_simulator(warehouse: Warehouse, sim: Simulator, streams: t.Iterable[str]) -> None:
    for stream in streams:
        assert set(warehouse.rows(stream)) == expected(sim, stream), stream


def activated(output: Output) -> list[str]:
    return [m["stream"] for m in output.messages if m["type"] == "ACTIVATE_VERSION"]


def aged(state: dict, days: int) -> dict:
    """`state` as if every whole read in it had begun `days` days ago."""
    state = json.loads(json.dumps(state))
    when = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")
    for bookmark in state["bookmarks"].values():
        for partition in bookmark.get("partitions", []):
            if FULL_READ_AT in partition:
                partition[FULL_READ_AT] = when
    return state


def test_activate_version_follows_every_record_of_a_whole_read(sim: t.Any) -> None:
    simulator, config, catalog = sim
    output = run_tap(config, catalog)
    assert output.returncode == 0, output.stderr[-3000:]
    assert sorted(activated(output)) == sorted(CORE)  # a first run reads everything whole
    versions = {m["version"] for m in output.messages if m["type"] == "ACTIVATE_VERSION"}
    (version,) = versions
    position = {
        m["stream"]: i for i, m in enumerate(output.messages) if m["type"] == "ACTIVATE_VERSION"
    }
    for i, message in enumerate(output.messages):
        if message["type"] == "RECORD":
            assert message["version"] == version, message["stream"]
            assert i < position[message["stream"]], f"{message['stream']} record after activation"
    assert output.messages[-1]["type"] == "STATE"
    assert_equals_simulator(Warehouse().load(output), simulator, CORE)


@pytest.mark.parametrize("path", ["/contact", "/ledger/posting"])
def test_a_run_that_fails_midway_leaves_the_warehouse_as_it_was(sim: t.Any, path: str) -> None:
    """Run 2 dies on page 3 of a full-table and of a date-range list: nothing it had not
    finished is activated, so every table holds exactly what it held after run 1."""
    simulator, config, catalog = sim
    first = run_tap(config, catalog)
    before = Warehouse().load(first)
    simulator.fail(path, status=500, times=-1, after=2)
    failed = run_tap({**config, "max_retries": 0, "max_concurrency": 1, "page_size": 10}, catalog)
    assert failed.returncode != 0
    stream = {"/contact": "contact", "/ledger/posting": "ledger_posting"}[path]
    assert 0 < len(failed.records(stream)) < len(simulator.records(stream))
    assert stream not in activated(failed)
    after = Warehouse().load(first).load(failed)
    for name in CORE:
        assert set(after.rows(name)) == set(before.rows(name)), name
    assert failed.messages[-1]["type"] == "STATE"


def test_incremental_runs_activate_only_full_table_streams(sim: t.Any) -> None:
    _, config, catalog = sim
    first = run_tap(config, catalog)
    second = run_tap(config, catalog, state=first.final_state)
    assert second.returncode == 0, second.stderr[-3000:]
    assert set(activated(second)) == set(CORE) - INCREMENTAL_FAMILY
    assert all(m.get("version") is None for m in second.messages if m.get("stream") == "invoice")
    assert second.messages[-1]["type"] == "STATE"


def delete_some(simulator: Simulator) -> dict[str, set[int]]:
    """Delete what Tripletex users delete every day; returns every id removed."""
    gone: dict[str, set[int]] = defaultdict(set)
    voucher = simulator.records("ledger_voucher")[3]
    order = next(r for r in simulator.records("order") if r["orderLines"])
    for stream, record_id in [
        ("ledger_voucher", voucher["id"]),
        ("order", order["id"]),
        ("timesheet_entry", simulator.records("timesheet_entry")[0]["id"]),
        ("customer", simulator.records("customer")[1]["id"]),
        ("contact", simulator.records("contact")[2]["id"]),
    ]:
        for name, removed in simulator.delete(stream, record_id):
            gone[name].add(removed)
    return gone


def test_deletions_leave_on_the_next_whole_read(sim: t.Any) -> None:
    simulator, config, catalog = sim
    first = run_tap(config, catalog)
    balances_before = expected(simulator, "balance_sheet")
    gone = delete_some(simulator)
    assert {"ledger_posting", "order_line"} <= set(gone)
    assert expected(simulator, "balance_sheet") != balances_before

    # An incremental run: full-table streams converge, incremental ones keep the rows.
    second = run_tap(config, catalog, state=first.final_state)
    warehouse = Warehouse().load(first).load(second)
    assert gone["contact"].isdisjoint(warehouse.ids("contact"))
    for stream in ("ledger_voucher", "ledger_posting", "order", "timesheet_entry", "customer"):
        assert gone[stream] <= warehouse.ids(stream), stream

    # With full_read_interval_days 0 they stay: whole reads only on a first run.
    state = aged(second.final_state, days=400)
    kept = run_tap({**config, "full_read_interval_days": 0}, catalog, state=state)
    assert not set(activated(kept)) & INCREMENTAL_FAMILY

    # Due (the last whole read is older than full_read_interval_days): read whole, gone.
    due = run_tap({**config, "full_read_interval_days": 7}, catalog, state=aged(state, days=8))
    assert due.returncode == 0, due.stderr[-3000:]
    assert set(activated(due)) == set(CORE)
    warehouse.load(kept).load(due)
    assert_equals_simulator(warehouse, simulator, CORE)
    for partition in due.final_state["bookmarks"]["invoice"]["partitions"]:
        assert (
            partition[FULL_READ_AT] > state["bookmarks"]["invoice"]["partitions"][0][FULL_READ_AT]
        )

    # Not yet due again: the next run is incremental.
    after = run_tap(config, catalog, state=due.final_state)
    assert not set(activated(after)) & INCREMENTAL_FAMILY


def test_a_stream_refused_with_403_is_not_activated(sim: t.Any) -> None:
    simulator, config, catalog = sim
    first = run_tap(config, catalog)
    simulator.fail("/product", status=403, times=-1)
    simulator.delete("contact", simulator.records("contact")[0]["id"])
    second = run_tap(config, catalog, state=first.final_state)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "product" not in activated(second)
    assert "contact" in activated(second)  # the others still converge
    warehouse = Warehouse().load(first).load(second)
    assert set(warehouse.rows("product")) == expected(simulator, "product")


CLIENTS = [5200001, 5200002, 5200003]


@pytest.fixture
def accountant() -> Iterator[tuple[Simulator, dict, dict]]:
    simulator = Simulator(seed=12, size=800, companies=CLIENTS)
    with simulator.serve() as url:
        config = {"api_url": url, "start_date": "2019-01-01", "all_client_companies": True}
        yield simulator, config, select(discover(config), ["currency", "contact", "invoice"])


def test_a_client_refused_midway_keeps_its_rows(accountant: t.Any) -> None:
    simulator, config, catalog = accountant
    first = run_tap(config, catalog)
    revoked = CLIENTS[1]

    def revoke_during_contacts(request: t.Any) -> None:
        """At Tripletex's first contact request (the tap asks for the next companies'
        first pages ahead, so the output would tell too late)."""
        if request.path == "/v2/contact":
            simulator.revoked_companies.add(revoked)

    config = {**config, "allow_company_failures": True}
    simulator.hook = revoke_during_contacts
    try:
        second = run_tap(config, catalog, state=first.final_state)
    finally:
        simulator.hook = None
    assert second.returncode == 0, second.stderr[-3000:]
    assert "contact" not in activated(second)
    warehouse = Warehouse().load(first).load(second)
    for stream in ("contact", "currency"):
        companies = {key[0] for key in warehouse.rows(stream)}
        assert revoked in companies, stream
        kept = {key for key in warehouse.rows(stream) if key[0] == revoked}
        assert kept == {key for key in Warehouse().load(first).rows(stream) if key[0] == revoked}


def test_every_company_refused_fails_and_activates_nothing(accountant: t.Any) -> None:
    simulator, config, catalog = accountant
    simulator.revoked_companies.update(CLIENTS)
    output = run_tap({**config, "allow_company_failures": True}, catalog)
    assert output.returncode == 1
    assert "3 of 3 companies failed" in output.stderr.strip().splitlines()[-1]
    assert not activated(output)
    assert not output.records("currency")


def test_sigterm_stops_the_run_as_a_failure_and_its_state_resumes_exactly(sim: t.Any) -> None:
    simulator, config, catalog = sim
    simulator.latency = 0.01
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            EXECUTABLE,
            "--config",
            write_json(Path(tmp), "config.json", {**TOKENS, **config}),
            "--catalog",
            write_json(Path(tmp), "catalog.json", catalog),
        ]
        log = Path(tmp) / "stderr.log"  # a file: a pipe nobody drains would stop the tap
        with log.open("w") as errors:
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors, text=True)
            assert proc.stdout is not None
            messages = []
            for line in proc.stdout:  # stop it amid the whole read of invoice, a resumable one
                messages.append(json.loads(line))
                if len(Output(0, "", messages).records("invoice")) == 20:
                    proc.send_signal(signal.SIGTERM)
                    break
            messages += [json.loads(line) for line in proc.stdout]
            proc.wait(timeout=60)
        stderr = log.read_text()
    assert proc.returncode == 143, stderr[-2000:]
    assert (
        stderr.strip().splitlines()[-1].startswith("tap-tripletex: error: interrupted by SIGTERM")
    )
    killed = Output(proc.returncode, stderr, messages)
    assert messages[-1]["type"] == "STATE"
    assert "invoice" not in activated(killed)
    simulator.latency = 0.0
    resumed = run_tap(config, catalog, state=killed.final_state)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert_equals_simulator(Warehouse().load(killed).load(resumed), simulator, CORE)


def strict_stubs(schema: dict) -> dict:
    """`schema` with every `{id, url}` stub closed: a whole related object fails it."""
    if isinstance(schema, dict):
        out = {k: strict_stubs(v) for k, v in schema.items()}
        if set(schema.get("properties") or ()) == {"id", "url"}:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict_stubs(item) for item in schema]
    return schema


def test_relations_stay_stubs_with_a_property_deselected_on_every_stream(sim: t.Any) -> None:
    simulator, config, catalog = sim
    deselected = {}
    for entry in (e for e in catalog["streams"] if e["tap_stream_id"] in CORE):
        (top,) = [m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == []]
        fixed = {*entry.get("key_properties", ()), top.get("replication-key"), "company_id"}
        scalars = [
            name
            for name, prop in entry["schema"]["properties"].items()
            if name not in fixed and not {"object", "array"} & set(prop.get("type", ()))
        ]
        deselected[entry["tap_stream_id"]] = scalars[-1]
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == ["properties", scalars[-1]]:
                meta["metadata"]["selected"] = False
    output = run_tap(config, catalog)
    assert output.returncode == 0, output.stderr[-3000:]
    schemas = {e["tap_stream_id"]: strict_stubs(e["schema"]) for e in catalog["streams"]}
    seen = set()
    for message in output.messages:
        if message["type"] != "RECORD":
            continue
        stream, record = message["stream"], message["record"]
        seen.add(stream)
        assert deselected[stream] not in record, stream
        error = next(jsonschema.Draft7Validator(schemas[stream]).iter_errors(record), None)
        assert error is None, (stream, list(error.absolute_path), error.message)
    assert seen == set(CORE)
    asked = [
        p.get("fields", "") for _, path, p in simulator.requests if path == "/v2/ledger/posting"
    ]
    assert asked and all("account(id,url)" in f for f in asked)


def test_balance_sheet_ties_out_with_the_postings_month_by_month() -> None:
    """The sum of ledger_posting.amount per account and month equals balanceChange."""
    from dev import DEMO_SEED, DEMO_SIZE  # noqa: PLC0415 (the demo's data)

    simulator = Simulator(seed=DEMO_SEED, size=DEMO_SIZE)
    with simulator.serve() as url:
        config = {"api_url": url, "start_date": "2019-01-01"}
        output = run_tap(config, select(discover(config), ["ledger_posting", "balance_sheet"]))
    assert output.returncode == 0, output.stderr[-3000:]
    sums: dict[tuple[int, str], float] = defaultdict(float)
    for posting in output.records("ledger_posting"):
        sums[(posting["account"]["id"], posting["date"][:7])] += posting["amount"]
    sheet = {(r["account_id"], r["startDate"][:7]): r for r in output.records("balance_sheet")}
    assert len(sheet) == len(output.records("balance_sheet")) > 24
    assert set(sheet) == set(sums)
    for key, row in sheet.items():
        assert row["balanceChange"] == pytest.approx(sums[key], abs=0.005), key
        assert row["balanceOut"] == pytest.approx(row["balanceIn"] + row["balanceChange"])
        assert row["endDate"] > row["startDate"] and row["startDate"].endswith("-01")


def kill_after(records: int, stream: str) -> t.Callable[[dict], bool]:
    """A `run_tap` stop: after that many records of `stream` (amid its whole read)."""
    seen = 0

    def stop(message: dict) -> bool:
        nonlocal seen
        seen += message["type"] == "RECORD" and message["stream"] == stream
        return seen == records

    return stop


def test_a_whole_read_killed_twice_finishes_under_one_version(sim: t.Any) -> None:
    """Invoices and orders share their lines: a run killed amid invoices, then one killed
    amid orders, then one that completes. Every line loaded on the way carries the version
    that is finally activated, so none is dropped, lines of orders without an invoice too."""
    simulator, config, catalog = sim
    for invoice in simulator.records("invoice")[::3]:  # orders no invoice carries
        simulator.delete("invoice", invoice["id"])
    config = {**config, "max_concurrency": 1}
    first = run_tap(config, catalog, stop=kill_after(30, "invoice"))
    second = run_tap(config, catalog, state=first.final_state, stop=kill_after(30, "order"))
    third = run_tap(config, catalog, state=second.final_state)
    assert first.returncode != 0 and second.returncode != 0 and third.returncode == 0
    assert {"order", "invoice", "order_line"} <= set(activated(third))
    warehouse = Warehouse().load(first).load(second).load(third)
    assert_equals_simulator(warehouse, simulator, ["order", "invoice", "order_line"])


def test_an_unfinished_whole_read_resumes_only_while_recent(sim: t.Any) -> None:
    simulator, config, catalog = sim
    catalog = select(catalog, ["invoice"])
    killed = run_tap({**config, "max_concurrency": 1}, catalog, stop=kill_after(30, "invoice"))
    (pending,) = killed.final_state["bookmarks"]["invoice"]["partitions"]
    assert pending["full_read"]["through"] < simulator.today.isoformat()

    resumed = run_tap(config, catalog, state=killed.final_state)
    assert (
        min(r["invoiceDate"] for r in resumed.records("invoice")) > pending["full_read"]["through"]
    )
    assert_equals_simulator(Warehouse().load(killed).load(resumed), simulator, ["invoice"])

    stale = json.loads(json.dumps(killed.final_state))
    started = datetime.now(timezone.utc) - timedelta(hours=13)
    stale["bookmarks"]["invoice"]["partitions"][0]["full_read"]["started"] = started.isoformat()
    again = run_tap(config, catalog, state=stale)
    assert min(r["invoiceDate"] for r in again.records("invoice")) == "2019-01-01"
    (version,) = {m["version"] for m in again.messages if m["type"] == "ACTIVATE_VERSION"}
    assert version > pending["full_read"]["version"]


def refuse(simulator: Simulator, path: str, company_id: int) -> None:
    """403 on `path` for one company, as for a module its Tripletex package lacks."""

    def hook(request: t.Any) -> t.Any:
        username = base64.b64decode(
            request.headers.get("authorization", "Basic ").removeprefix("Basic ")
        ).decode()
        if request.path == f"/v2{path}" and username.partition(":")[0] == str(company_id):
            raise ApiError(403, 9000, "Du har ikke tilgang til denne modulen.")
        return None

    simulator.hook = hook


def test_a_company_that_never_could_read_a_stream_holds_nothing_up(accountant: t.Any) -> None:
    simulator, config, catalog = accountant
    refuse(simulator, "/contact", CLIENTS[1])
    first = run_tap(config, catalog)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "contact" in activated(first)
    second = run_tap(config, catalog, state=first.final_state)
    assert "contact" in activated(second)
    # Once it has been read, a 403 holds the table as it is.
    simulator.hook = None
    third = run_tap(config, catalog, state=second.final_state)
    refuse(simulator, "/contact", CLIENTS[1])
    fourth = run_tap(config, catalog, state=third.final_state)
    assert "contact" in activated(third) and "contact" not in activated(fourth)
    warehouse = Warehouse().load(first).load(second).load(third).load(fourth)
    assert CLIENTS[1] in {key[0] for key in warehouse.rows("contact")}


def test_a_company_left_out_of_a_run_keeps_its_rows(accountant: t.Any) -> None:
    _, config, catalog = accountant
    first = run_tap(config, catalog)
    config = {k: v for k, v in config.items() if k != "all_client_companies"}
    second = run_tap({**config, "company_ids": CLIENTS[:2]}, catalog, state=first.final_state)
    assert second.returncode == 0, second.stderr[-3000:]
    assert not activated(second)
    assert f"company_id {CLIENTS[2]} has rows from earlier runs" in second.stderr
    warehouse = Warehouse().load(first).load(second)
    for stream in ("currency", "contact"):
        assert CLIENTS[2] in {key[0] for key in warehouse.rows(stream)}, stream


def test_balance_sheet_reads_months_only_in_years_with_movements() -> None:
    """From a start_date years before the first posting, each empty year costs one
    request, not twelve; the months of the others are read one by one."""
    simulator = Simulator(seed=11, size=600)
    with simulator.serve() as url:
        config = {"api_url": url, "start_date": "2010-03-15"}
        output = run_tap(config, select(discover(config), ["balance_sheet"]))
    assert output.returncode == 0, output.stderr[-3000:]
    keys = {(r["account_id"], r["startDate"]) for r in output.records("balance_sheet")}
    assert keys == {
        (r["account"]["id"], r["startDate"]) for r in simulator.records("balance_sheet")
    }
    windows = [
        (p["dateFrom"], p["dateTo"])
        for _, path, p in simulator.requests
        if path == "/v2/balanceSheet"
    ]
    years = range(2010, simulator.today.year + 1)
    probes = [w for w in windows if (date.fromisoformat(w[1]) - date.fromisoformat(w[0])).days > 31]
    assert [w[1][:4] for w in probes] == [str(y + 1) for y in years]
    assert probes[0][0] == "2010-03-01"
    months = [w for w in windows if w not in probes]
    first_year = min(r["startDate"][:4] for r in simulator.records("balance_sheet"))
    assert months and min(m[0] for m in months) >= f"{first_year}-01-01"
