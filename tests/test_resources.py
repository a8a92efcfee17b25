"""The stream table covers Tripletex's readable API; every stream syncs exactly."""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from tripletex_simulator import Simulator

from tap_tripletex.resources import BY_NAME, RESOURCES, Resource, stream_name
from tests.singer_run import Output, discover, run_tap, select
from tools import readme_tables, schemagen, spec_coverage

Spec = dict[str, Any]
CORE = {
    "currency",
    "country",
    "customer",
    "supplier",
    "contact",
    "employee",
    "department",
    "project",
    "product",
    "activity",
    "ledger_account",
    "ledger_vat_type",
    "ledger_voucher_type",
    "invoice",
    "order",
    "ledger_voucher",
    "ledger_posting",
    "supplier_invoice",
    "timesheet_entry",
    "balance_sheet",
    "order_line",
    "project_participant",
}
CHILDREN = [r for r in RESOURCES if r.parents]


@pytest.fixture(scope="module")
def spec(shared_dir: Path) -> Spec:
    return schemagen.load_spec(shared_dir / "openapi.json")


def is_list(spec: Spec, path: str) -> bool:
    """`GET path` answers a list envelope (`{"fullResultSize", ..., "values": [...]}`)."""
    content = spec["paths"][path]["get"]["responses"]["200"].get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref")
    return bool(ref) and "values" in schemagen.component(spec, ref)[1].get("properties", {})


def get_parameters(spec: Spec, path: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in spec["paths"][path]["get"].get("parameters", [])}


# the table against the spec ----------------------------------------------------------
def test_every_readable_endpoint_is_a_stream_or_excluded(spec: Spec) -> None:
    assert spec_coverage.uncovered(spec) == [], "new endpoints: add a stream or an exclusion"
    assert spec_coverage.stale(spec) == [], "streams or exclusions the spec no longer has"
    lists = [path for path in spec_coverage.readable_paths(spec) if is_list(spec, path)]
    assert len(lists) > 150
    streamed = {r.path for r in RESOURCES}
    assert all(path in streamed or path in spec_coverage.EXCLUDED for path in lists)
    assert all(len(reason) > 10 for reason in spec_coverage.EXCLUDED.values())


def test_an_endpoint_added_to_the_spec_fails_the_check(spec: Spec) -> None:
    newer = copy.deepcopy(spec)
    newer["paths"]["/ledger/newThing"] = copy.deepcopy(spec["paths"]["/ledger/vatType"])
    del newer["paths"]["/ledger/voucherType"]
    assert spec_coverage.uncovered(newer) == ["/ledger/newThing"]
    assert spec_coverage.stale(newer) == ["/ledger/voucherType"]


def test_stream_parameters_are_the_specs(spec: Spec) -> None:
    """Date ranges, parent ids and as-of dates are the endpoint's required parameters;
    fixed parameters exist; nothing else is required."""
    for r in RESOURCES:
        if r.inline:
            continue
        params = get_parameters(spec, r.path)
        needed = {name for name, p in params.items() if p.get("required") and p["in"] == "query"}
        ours = {*(r.date_params or ()), *filter(None, (r.parent_param, r.as_of))}
        ours |= {name for name, _ in r.params if params[name].get("required")}
        assert needed == ours, r.name
        assert {name for name, _ in r.params} <= set(params), r.name


def test_the_table(spec: Spec) -> None:
    assert len(BY_NAME) == len(RESOURCES)
    assert {r.name for r in RESOURCES if r.selected_by_default} == CORE
    for r in RESOURCES:
        if r.alias is None:
            assert r.name == stream_name(r.path)
        schema = schemagen.generate_one(spec, r)["properties"]
        assert set(r.key) <= set(schema) or r.single, r.name
        assert r.date_field is None or r.date_field in schema, r.name
    for r in CHILDREN:
        assert bool(r.parent_param) != bool(r.inline), r.name
        assert all(p in BY_NAME and not BY_NAME[p].parents for p in r.parents), r.name
        if r.inline:
            for parent in r.parents:
                prop = schemagen.generate_one(spec, BY_NAME[parent])["properties"][r.inline]
                assert prop["type"] == ["array", "null"], (r.name, parent)
    assert sum(1 for r in RESOURCES if r.parent_param) >= 9


def test_child_schemas_carry_the_parent_key() -> None:
    schemas = {
        r.name: schemagen.load_spec(schemagen.SCHEMAS_DIR / f"{r.name}.json") for r in CHILDREN
    }
    for r in CHILDREN:
        assert list(schemas[r.name]["properties"])[:2] == ["company_id", r.parent_key]


def test_meltano_yml_selects_the_core_set() -> None:
    """Meltano selects every stream unless the extractor says `select`."""
    project = yaml.safe_load((readme_tables.README.parent / "meltano.yml").read_text())
    (tap,) = [p for p in project["plugins"]["extractors"] if p["name"] == "tap-tripletex"]
    assert sorted(tap["select"]) == sorted(f"{name}.*" for name in CORE)
    hub = readme_tables.README.parent / "hub/extractors/tap-tripletex/tap-tripletex.yml"
    assert sorted(yaml.safe_load(hub.read_text())["select"]) == sorted(tap["select"])


def test_readme_tables_are_current() -> None:
    text = readme_tables.README.read_text()
    assert readme_tables.render(text) == text, "run python -m tools.readme_tables"
    for r in RESOURCES:
        assert f"| `{r.name}` |" in text


# the simulator serves every kind -----------------------------------------------------
def test_simulator_children_singles_and_lines() -> None:
    sim = Simulator(seed=4, size=400)
    tasks = sim.parent_ids("project_task")
    assert tasks and set(tasks.values()) <= {p["id"] for p in sim.records("project")}
    orders = {o["id"]: o for o in sim.records("order")}
    lines = sim.parent_ids("order_line")
    for line in sim.records("order_line"):
        assert line["order"]["id"] == lines[line["id"]]
        assert line["id"] in {stub["id"] for stub in orders[lines[line["id"]]]["orderLines"]}
    for invoice in sim.records("invoice"):
        (order,) = invoice["orders"]
        assert invoice["orderLines"] == orders[order["id"]]["orderLines"]
    assert len(sim.records("ledger_vat_settings")) == 1
    assert sim.records("company") == [sim.company(sim.company_id)]
    names = [r["name"] for r in sim.records("company_salesmodules")]
    assert len(set(names)) == len(names) > 1


# the tap against the simulator -------------------------------------------------------
@pytest.fixture(scope="module")
def full_run() -> Iterator[tuple[Simulator, Output, dict]]:
    """Every stream selected, one run."""
    sim = Simulator(seed=9, size=300)
    with sim.serve() as url:
        config = {"api_url": url, "start_date": "2019-01-01"}
        catalog = discover(config)
        names = [entry["tap_stream_id"] for entry in catalog["streams"]]
        output = run_tap(config, select(copy.deepcopy(catalog), names))
        yield sim, output, catalog


def derived(r: Resource) -> set[str]:
    return {"company_id", "last_changed_at", *filter(None, [r.parent_key, ref_key(r)])}


def ref_key(r: Resource) -> str | None:
    return f"{r.id_of}_id" if r.id_of else None


def key_value(r: Resource, record: dict, key: str) -> Any:
    """A key property of an API record; `<id_of>_id` is the tap's, from the relation."""
    return (record.get(str(r.id_of)) or {}).get("id") if key == ref_key(r) else record[key]


def test_discovery_lists_every_stream(full_run: Any) -> None:
    _, _, catalog = full_run
    assert sorted(e["tap_stream_id"] for e in catalog["streams"]) == sorted(BY_NAME)
    for entry in catalog["streams"]:
        r = BY_NAME[entry["tap_stream_id"]]
        (root,) = [m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == []]
        assert root["selected-by-default"] == r.selected_by_default, r.name
        assert entry["key_properties"] == r.primary_keys, r.name
        rk = "last_changed_at" if r.changed_since else r.date_field
        assert entry.get("replication_key") == rk, r.name


def test_sync_of_every_stream_is_exact(full_run: Any) -> None:
    sim, output, _ = full_run
    assert output.returncode == 0, output.stderr[-3000:]
    assert "skipped for company_id" not in output.stderr
    counts = Counter(m["stream"] for m in output.messages if m["type"] == "RECORD")
    for r in RESOURCES:
        expected = sim.records(r.name, with_changes=r.changed_since)
        assert expected, r.name
        assert counts[r.name] == len(expected), r.name
        keys = () if r.single else r.key
        got = {tuple(rec[k] for k in keys): rec for rec in output.records(r.name)}
        for record in expected:
            loaded = got[tuple(key_value(r, record, k) for k in keys)]
            own = {k: v for k, v in loaded.items() if k not in derived(r)}
            assert own == record, r.name
            assert loaded["company_id"] == sim.company_id


def test_child_records_carry_their_parents_key(full_run: Any) -> None:
    sim, output, _ = full_run
    for r in CHILDREN:
        parents = sim.parent_ids(r.name)
        records = output.records(r.name)
        assert records, r.name
        assert {rec["id"]: rec[str(r.parent_key)] for rec in records} == parents, r.name


def test_one_request_per_parent_and_none_for_lines(full_run: Any) -> None:
    sim, _, _ = full_run
    paths = Counter(path for _, path, _ in sim.requests)
    for r in CHILDREN:
        if r.inline:
            assert paths[f"/v2{r.path}"] == 0, r.name
        else:
            assert paths[f"/v2{r.path}"] == len(sim.records(str(r.parent))), r.name
    order_fields = {p.get("fields") for _, path, p in sim.requests if path == "/v2/order"}
    assert order_fields == {"*,orderLines(*)"}


def test_a_child_is_read_when_its_parent_is_not_selected() -> None:
    sim = Simulator(seed=6, size=300)
    wanted = ["project_task", "order_line", "bank_statement_transaction"]
    with sim.serve() as url:
        config = {"api_url": url, "start_date": "2019-01-01"}
        output = run_tap(config, select(discover(config), wanted))
    assert output.returncode == 0, output.stderr[-3000:]
    streams = {m["stream"] for m in output.messages if m["type"] in ("RECORD", "SCHEMA")}
    assert streams == set(wanted)
    for name in wanted:
        assert len(output.records(name)) == len(sim.records(name)), name
        assert {r["id"]: r[str(BY_NAME[name].parent_key)] for r in output.records(name)} == (
            sim.parent_ids(name)
        )
    # Parents read only for their children keep no bookmark.
    for parent in ("order", "invoice"):
        for partition in output.final_state["bookmarks"].get(parent, {}).get("partitions", []):
            assert set(partition) == {"context"}, parent
    fields = {
        (path, p.get("fields"))
        for _, path, p in sim.requests
        if path in ("/v2/project", "/v2/order", "/v2/invoice", "/v2/bank/statement")
    }
    assert fields == {
        ("/v2/project", "id"),
        ("/v2/bank/statement", "id"),
        ("/v2/order", "id,orderLines(*)"),
        ("/v2/invoice", "id,orderLines(*)"),
    }


def test_lines_are_not_asked_for_when_their_stream_is_not_selected() -> None:
    sim = Simulator(seed=6, size=200)
    with sim.serve() as url:
        config = {"api_url": url, "start_date": "2019-01-01"}
        output = run_tap(config, select(discover(config), ["order", "project"]))
    assert output.returncode == 0, output.stderr[-3000:]
    fields = {
        p.get("fields") for _, path, p in sim.requests if path in ("/v2/order", "/v2/project")
    }
    assert fields == {"*"}
    assert output.records("order") and not output.records("order_line")


def test_a_stream_the_company_may_not_read_is_skipped_with_one_warning() -> None:
    sim = Simulator(seed=6, size=300)
    sim.fail("/project/task", status=403, times=-1)
    sim.fail("/ledger/vatSettings", status=404, times=-1)
    wanted = ["customer", "project_task", "ledger_vat_settings", "project_subcontract"]
    with sim.serve() as url:
        config = {"api_url": url, "start_date": "2019-01-01"}
        output = run_tap(config, select(discover(config), wanted))
    assert output.returncode == 0, output.stderr[-3000:]
    assert len(output.records("customer")) == len(sim.records("customer"))
    assert len(output.records("project_subcontract")) == len(sim.records("project_subcontract"))
    assert not output.records("project_task") and not output.records("ledger_vat_settings")
    warnings = [line for line in output.stderr.splitlines() if "skipped for company_id" in line]
    assert len(warnings) == 2, warnings
    assert any(re.search(r"project_task: .*HTTP 403", w) for w in warnings)
    assert any(re.search(r"ledger_vat_settings: .*HTTP 404", w) for w in warnings)
    # After the first refusal the child is not asked again for the other projects.
    assert sum(1 for _, path, _ in sim.requests if path == "/v2/project/task") == 1


def test_401_stays_fatal() -> None:
    sim = Simulator(seed=6, size=100)
    sim.fail("/ledger/vatSettings", status=401, times=-1)
    with sim.serve() as url:
        config = {"api_url": url}
        output = run_tap(config, select(discover(config), ["ledger_vat_settings"]))
    assert output.returncode != 0
    assert not output.records("ledger_vat_settings")
