"""The simulator where the warehouse's equality with Tripletex depends on it: relations named
bare come back whole, deleted records leave every view, and `/balanceSheet` sums the
postings (dateTo exclusive), each as real Tripletex does (../shared/tripletex)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from tripletex_simulator import Simulator

TODAY = date(2026, 7, 28)


@pytest.fixture
def sim() -> Simulator:
    return Simulator(seed=4, size=600, today=TODAY)


@pytest.fixture
def api(sim: Simulator) -> Iterator[tuple[requests.Session, str]]:
    with sim.serve() as base:
        session = requests.Session()
        params = {
            "consumerToken": "sim-consumer",
            "employeeToken": "sim-employee",
            "expirationDate": "2026-07-30",
        }
        created = requests.put(f"{base}/token/session/:create", params=params, timeout=10)
        session.auth = ("0", created.json()["value"]["token"])
        yield session, base
        session.close()


def get(api: tuple[requests.Session, str], path: str, **params: Any) -> dict[str, Any]:
    session, base = api
    response = session.get(f"{base}{path}", params=params, timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def window(**params: Any) -> dict[str, Any]:
    return {"dateFrom": "2019-01-01", "dateTo": "2026-07-29", "sorting": "id", **params}


def test_a_relation_named_bare_comes_back_whole(sim: Simulator, api: Any) -> None:
    """shared/tripletex/README.md: `fields=id,date,amount,account,voucher` on
    /ledger/posting returns `account` with ~33 properties (24 of 24 real answers)."""
    accounts = {a["id"]: a for a in sim.records("ledger_account")}
    bare = get(api, "/ledger/posting", fields="id,amount,account,voucher", **window())["values"]
    assert bare
    for posting in bare:
        assert posting["account"] == accounts[posting["account"]["id"]]
        assert len(posting["account"]) > 20 and len(posting["voucher"]) > 2
    stubs = get(api, "/ledger/posting", fields="id,account(id,url),voucher(id,url)", **window())
    for posting in stubs["values"]:
        assert set(posting["account"]) == set(posting["voucher"]) == {"id", "url"}
    # `*` keeps relations stubs, and so does an explicit list of a relation's own fields.
    star = get(api, "/ledger/posting", fields="*", **window())["values"]
    assert all(set(p["account"]) == {"id", "url"} for p in star)


def test_a_relation_the_simulator_does_not_hold_still_comes_back_as_more_than_a_stub(
    api: Any,
) -> None:
    found = get(api, "/customer", fields="id,postalAddress", sorting="id")["values"]
    addresses = [c["postalAddress"] for c in found if c["postalAddress"]]
    assert addresses and all(set(a) - {"id", "url"} for a in addresses)


def recorded_order_deletion(shared_dir: Path) -> tuple[int, list[set[int]]]:
    exchanges = json.loads((shared_dir / "recorded" / "order.json").read_text())
    (deleted,) = [
        int(e["path"].rsplit("/", 1)[1])
        for e in exchanges
        if e["method"] == "DELETE" and e["status"] == 204
    ]
    lists = [
        {v["id"] for v in e["body"]["values"]}
        for e in exchanges
        if e["method"] == "GET" and e["path"] == "/v2/order"
    ]
    return deleted, lists


def test_deleted_records_leave_every_list_without_a_trace(
    sim: Simulator, api: Any, shared_dir: Path
) -> None:
    """Real traffic (recorded/order.json): DELETE /v2/order/{id} answers 204, and a later
    list of the same range simply lacks the order; no tombstone, no flag."""
    deleted, lists = recorded_order_deletion(shared_dir)
    assert any(deleted in ids for ids in lists) and any(deleted not in ids for ids in lists)

    voucher = next(v for v in sim.records("ledger_voucher") if len(v["postings"]) > 1)
    removed = sim.delete("ledger_voucher", voucher["id"])
    postings = {p["id"] for p in voucher["postings"]}
    assert set(removed) == {("ledger_voucher", voucher["id"])} | {
        ("ledger_posting", i) for i in postings
    }
    listed = get(api, "/ledger/posting", count=10000, **window())["values"]
    assert postings.isdisjoint(p["id"] for p in listed) and listed
    assert voucher["id"] not in {v["id"] for v in sim.records("ledger_voucher")}

    order = next(o for o in sim.records("order") if o["orderLines"])
    lines = {line["id"] for line in order["orderLines"]}
    invoices = [i for i in sim.records("invoice") if order["id"] in {o["id"] for o in i["orders"]}]
    sim.delete("order", order["id"])
    assert lines.isdisjoint(line["id"] for line in sim.records("order_line"))
    for invoice in invoices:  # invoices stop listing the order and its lines
        now = next(i for i in sim.records("invoice") if i["id"] == invoice["id"])
        assert order["id"] not in {o["id"] for o in now["orders"]}
        assert lines.isdisjoint(line["id"] for line in now["orderLines"])
    with pytest.raises(KeyError):
        sim.delete("order", order["id"])


def movements(postings: list[dict[str, Any]], low: str, high: str) -> dict[int, float]:
    found: dict[int, float] = defaultdict(float)
    for posting in postings:
        if low <= posting["date"] < high:
            found[posting["account"]["id"]] += posting["amount"]
    return found


def test_balance_sheet_sums_the_postings_with_dateto_exclusive(sim: Simulator, api: Any) -> None:
    postings = sim.records("ledger_posting")
    month = {"dateFrom": "2025-03-01", "dateTo": "2025-04-01"}
    rows = get(api, "/balanceSheet", **month, sorting="account.id")["values"]
    change = movements(postings, "2025-03-01", "2025-04-01")
    opening = movements(postings, "0000", "2025-03-01")
    assert len(rows) > 2
    assert [r["account"]["id"] for r in rows] == sorted(change)
    for row in rows:
        account = row["account"]["id"]
        assert set(row) == {
            *["account", "balanceIn", "balanceChange", "balanceOut"],
            "startDate",
            "endDate",
        }
        assert row["balanceChange"] == pytest.approx(change[account], abs=0.005)
        assert row["balanceIn"] == pytest.approx(opening.get(account, 0.0), abs=0.005)
        assert row["balanceOut"] == pytest.approx(row["balanceIn"] + row["balanceChange"])
        assert (row["startDate"], row["endDate"]) == ("2025-03-01", "2025-04-01")
    # dateTo is exclusive, for every period: one ending on the 31st leaves the 31st out.
    for low, high in [("2025-03-01", "2025-03-31"), ("2024-12-31", "2025-01-01")]:
        period = get(api, "/balanceSheet", dateFrom=low, dateTo=high)["values"]
        expected = movements(postings, low, high)
        assert {r["account"]["id"]: r["balanceChange"] for r in period} == pytest.approx(
            dict(expected), abs=0.005
        )
    # Paged like any list, fullResultSize inexact until the last page.
    first = get(api, "/balanceSheet", **month, sorting="account.id", count=2)
    assert first["fullResultSize"] == 3 and first["values"] == rows[:2]
    # Deleting a voucher changes the balance sheet at once.
    voucher = next(v for v in sim.records("ledger_voucher") if v["date"].startswith("2025-03"))
    sim.delete("ledger_voucher", voucher["id"])
    assert get(api, "/balanceSheet", **month, sorting="account.id")["values"] != rows


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"dateFrom": "2025-03-01"}, 422, "dateTo"),
        ({"dateTo": "2025-03-01"}, 422, "dateFrom"),
        ({"dateFrom": "2025-03-01", "dateTo": "2025-03-01"}, 422, "dateTo"),
        ({"dateFrom": "2025-03-01", "dateTo": "2025-04-01", "sorting": "balanceIn"}, 400, None),
        ({"dateFrom": "2025-03-01", "dateTo": "2025-04-01", "fields": "nope"}, 400, None),
    ],
)
def test_balance_sheet_refuses_what_tripletex_refuses(
    api: Any, params: dict[str, str], status: int, field: str | None
) -> None:
    session, base = api
    response = session.get(f"{base}/balanceSheet", params=params, timeout=10)
    assert response.status_code == status, response.text
    if field:
        assert field in [m["field"] for m in response.json()["validationMessages"]]
