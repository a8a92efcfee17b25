"""The simulator is independent of the tap: its contract comes from the official spec.

A wrong parameter name in the tap's table must fail against the simulator as it would
against Tripletex, so the simulator may not learn its endpoints from the tap.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from singer_sdk.exceptions import FatalAPIError
from tripletex_simulator import Simulator, contract

from tap_tripletex.resources import BY_NAME, RESOURCES, Resource
from tap_tripletex.strategies import DateWindows, PerParent
from tests.taputil import make_tap, read_stream
from tools import contractgen

PACKAGE = Path(contract.__file__).resolve().parent
ENDPOINTS: dict[str, Any] = contract.raw()["endpoints"]


# the contract is the spec's ------------------------------------------------------------
def test_the_committed_contract_is_generated_from_the_spec(shared_dir: Path) -> None:
    spec = json.loads((shared_dir / "openapi.json").read_text(encoding="utf-8"))
    expected = contractgen.serialise(contractgen.generate(spec, shared_dir / "recorded"))
    assert contractgen.CONTRACT == PACKAGE / "contract.json"
    assert contractgen.CONTRACT.read_text(encoding="utf-8") == expected, (
        "contract.json drifted: run python -m tools.contractgen"
    )
    args = ["--spec", str(shared_dir / "openapi.json"), "--check"]
    assert contractgen.main(args) == 0


def test_what_the_contract_holds() -> None:
    invoice = ENDPOINTS["/invoice"]
    assert invoice["kind"] == "list" and invoice["component"] == "Invoice"
    assert invoice["dates"] == ["invoiceDateFrom", "invoiceDateTo"]
    assert invoice["date_field"] == "invoiceDate"
    assert ENDPOINTS["/project/task"]["parent"] == {"param": "projectId", "list": "/project"}
    stocktaking = ENDPOINTS["/inventory/stocktaking/productline"]["parent"]
    assert stocktaking == {"param": "stocktakingId", "list": "/inventory/stocktaking"}
    lines = ENDPOINTS["/order/orderline"]
    assert lines["kind"] == "lines" and lines["component"] == "OrderLine"
    assert lines["inline"] == [["/order", "orderLines"], ["/invoice", "orderLines"]]
    assert ENDPOINTS["/ledger/posting/openPost"]["required"] == {"date": "date"}
    assert ENDPOINTS["/customer"]["changed_since"] and not ENDPOINTS["/order"]["changed_since"]
    assert ENDPOINTS["/ledger/vatSettings"]["kind"] == "single"
    components = contract.raw()["components"]
    assert components["Order"]["object"]["customer"] == {"relation": "Customer"}
    # a property real responses carry and the spec lacks (recorded/order_orderline.json)
    assert components["OrderLine"]["object"]["originalOrderedQuantity"] == "number"
    assert contract.table_name("/ledger/voucher/>nonPosted") == "ledger_voucher_non_posted"


# the simulator never imports the tap -------------------------------------------------
def test_the_simulator_sources_do_not_import_the_tap() -> None:
    sources = sorted(PACKAGE.glob("*.py"))
    assert len(sources) > 10
    for source in sources:
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "tap_tripletex" for n in names), source.name
        assert "tap_tripletex" not in source.read_text(encoding="utf-8"), source.name


def test_the_simulator_runs_without_the_tap(tmp_path: Path) -> None:
    """Imported and serving in a fresh interpreter, from a directory outside the repo."""
    script = (
        "import sys, urllib.error, urllib.request\n"
        "from tripletex_simulator import Simulator\n"
        "import tripletex_simulator.__main__\n"
        "with Simulator(seed=2, size=200).serve() as url:\n"
        "    try:\n"
        "        urllib.request.urlopen(url + '/token/session/>whoAmI')\n"
        "    except urllib.error.HTTPError as exc:\n"
        "        print(exc.code)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'tap_tripletex'))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert run.stdout.split("\n") == ["401", "[]", ""]  # no session: answered as Tripletex


def test_the_tap_does_not_ship_the_simulator() -> None:
    root = Path(__file__).resolve().parents[1]
    assert root / "simulator" / "tripletex_simulator" == PACKAGE
    assert not list((root / "tap_tripletex").glob("simulator/*.py"))
    assert "simulator" not in (root / "pyproject.toml").read_text(encoding="utf-8")


# the tap's table against the contract ------------------------------------------------
def sent(r: Resource) -> set[str]:
    """The query parameters the tap sends to the stream's endpoint, besides paging."""
    names = {*(r.date_params or ()), *filter(None, (r.parent_param, r.as_of))}
    names |= {name for name, _ in r.params}
    return names | ({"changedSince"} if r.changed_since else set())


def test_every_stream_uses_only_parameters_the_contract_has() -> None:
    for r in RESOURCES:
        endpoint = ENDPOINTS[r.path]
        assert endpoint["kind"] == ("single" if r.single else "lines" if r.inline else "list")
        assert sent(r) <= set(endpoint["params"]), r.name
        assert set(endpoint["required"]) <= sent(r), r.name
        if r.parent_param:
            assert endpoint["parent"]["list"] == BY_NAME[str(r.parent)].path, r.name
        if r.inline:
            carriers = [[BY_NAME[p].path, r.inline] for p in r.parents]
            assert endpoint["inline"] == carriers, r.name


# a wrong parameter in the tap fails the read -----------------------------------------
@pytest.fixture(scope="module")
def served() -> Any:
    sim = Simulator(seed=3, size=300)
    with sim.serve() as url:
        yield sim, url


WRONG = {
    "invoice": {"replication": DateWindows(("invoiceDateStart", "invoiceDateTo"), "invoiceDate")},
    "ledger_posting": {"replication": DateWindows(("fromDate", "toDate"), "date")},
    "ledger_posting_open_post": {"as_of": "asOfDate"},
}


@pytest.mark.parametrize("stream", sorted(WRONG))
def test_a_wrong_parameter_name_in_a_copy_of_the_table_fails_the_read(
    served: Any, stream: str
) -> None:
    _, url = served
    tap = make_tap(url, start_date="2024-01-01", max_concurrency=1)
    assert len(read_stream(tap, stream)) > 0  # the table as it is reads fine
    tap = make_tap(url, start_date="2024-01-01", max_concurrency=1)
    tap.streams[stream].resource = dataclasses.replace(BY_NAME[stream], **WRONG[stream])
    with pytest.raises(FatalAPIError, match="422"):
        read_stream(tap, stream)


def test_a_wrong_parent_parameter_fails_the_read(served: Any) -> None:
    sim, url = served
    project = next(iter(set(sim.parent_ids("project_task").values())))
    tap = make_tap(url, max_concurrency=1)
    stream = tap.streams["project_task"]
    context = {**(stream.partitions or [{}])[0], "project_id": project}
    found = [r["id"] for r in stream.get_records(context)]
    assert found and found == [i for i, p in sim.parent_ids("project_task").items() if p == project]
    wrong = PerParent("project", "projectIdent")
    stream.resource = dataclasses.replace(BY_NAME["project_task"], replication=wrong)
    with pytest.raises(FatalAPIError, match=r"422.*projectId"):
        list(stream.get_records(context))
