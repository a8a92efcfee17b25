"""Accountants: several client companies in one run, into one set of tables."""

from __future__ import annotations

import threading
import typing as t
from collections.abc import Iterator

import pytest
from tripletex_simulator import Simulator

from tap_tripletex.errors import CompanyAccessError
from tests.singer_run import Output, discover, run_tap, select
from tests.taputil import make_tap, read_stream

CLIENTS = [5100001, 5100002, 5100003]
STREAMS = ["currency", "customer", "invoice", "ledger_posting"]


@pytest.fixture
def accountant() -> Iterator[tuple[Simulator, dict, dict]]:
    sim = Simulator(seed=9, size=1500, companies=CLIENTS)
    with sim.serve() as url:
        config = {"api_url": url, "start_date": "2019-01-01", "all_client_companies": True}
        yield sim, config, select(discover(config), STREAMS)


def by_company(output: Output, stream: str) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for record in output.records(stream):
        found.setdefault(record["company_id"], []).append(record["id"])
    return found


def partitions(state: dict, stream: str) -> dict[int, dict]:
    return {p["context"]["company_id"]: p for p in state["bookmarks"][stream]["partitions"]}


def test_every_client_company_lands_in_the_same_streams(accountant: t.Any) -> None:
    sim, config, catalog = accountant
    output = run_tap(config, catalog)
    assert output.returncode == 0, output.stderr
    for stream in STREAMS:
        found = by_company(output, stream)
        assert sorted(found) == CLIENTS, stream
        for company in CLIENTS:
            expected = [r["id"] for r in sim.records(stream, company_id=company)]
            assert sorted(found[company]) == expected, (stream, company)
        keys = [(r["company_id"], r["id"]) for r in output.records(stream)]
        assert len(keys) == len(set(keys)), stream
    for stream in ("customer", "invoice"):
        assert sorted(partitions(output.final_state, stream)) == CLIENTS


def test_second_run_touches_only_the_changed_company(accountant: t.Any) -> None:
    sim, config, catalog = accountant
    first = run_tap(config, catalog)
    changed = CLIENTS[1]
    customer = sim.records("customer", company_id=changed)[0]
    sim.update("customer", customer["id"], {"name": "Endret AS"}, company_id=changed)
    invoice = sim.add("invoice", company_id=changed)
    second = run_tap(config, catalog, state=first.final_state)
    assert second.returncode == 0, second.stderr
    assert by_company(second, "customer") == {changed: [customer["id"]]}
    assert invoice["id"] in by_company(second, "invoice")[changed]
    # Other companies: the lookback re-read of invoices brings nothing new, and their
    # date bookmarks stay where they were.
    unchanged = {(r["company_id"], r["id"]): r for r in first.records("invoice")}
    for record in second.records("invoice"):
        if record["company_id"] != changed:
            assert record == unchanged[(record["company_id"], record["id"])]
    before = partitions(first.final_state, "invoice")
    after = partitions(second.final_state, "invoice")
    for company in CLIENTS:
        assert after[company] == before[company]
    # Change-time bookmarks are per company and never move backwards.
    before = partitions(first.final_state, "customer")
    after = partitions(second.final_state, "customer")
    for company in CLIENTS:
        assert after[company]["replication_key_value"] >= before[company]["replication_key_value"]


def test_a_client_revoked_mid_list_is_reported_and_the_others_complete(
    accountant: t.Any,
) -> None:
    sim, config, catalog = accountant
    revoked = CLIENTS[1]

    def revoke_once_its_customers_start(message: dict) -> bool:
        record = message.get("record") or {}
        if message["type"] == "RECORD" and record.get("company_id") == revoked:
            sim.revoked_companies.add(revoked)
        return False

    output = run_tap(config, catalog, stop=revoke_once_its_customers_start)
    assert output.returncode == 1
    last_line = output.stderr.strip().splitlines()[-1]
    assert last_line.startswith("tap-tripletex: error: 1 of 3 companies failed")
    assert str(revoked) in last_line
    assert sim.company(revoked)["name"] in last_line
    for stream in STREAMS:
        found = by_company(output, stream)
        for company in (CLIENTS[0], CLIENTS[2]):
            expected = [r["id"] for r in sim.records(stream, company_id=company)]
            assert sorted(found[company]) == expected, (stream, company)
    invoice_state = partitions(output.final_state, "invoice")
    assert {CLIENTS[0], CLIENTS[2]} <= set(invoice_state)


def test_allow_company_failures_exits_zero(accountant: t.Any) -> None:
    sim, config, catalog = accountant
    sim.revoked_companies.add(CLIENTS[0])
    output = run_tap({**config, "allow_company_failures": True}, catalog)
    assert output.returncode == 0, output.stderr
    assert set(by_company(output, "currency")) == {CLIENTS[1], CLIENTS[2]}
    assert "1 of 3 companies failed" in output.stderr


def test_explicit_company_ids(accountant: t.Any) -> None:
    _, config, catalog = accountant
    chosen = [CLIENTS[2], CLIENTS[0]]
    settings = {k: v for k, v in config.items() if k != "all_client_companies"}
    output = run_tap({**settings, "company_ids": chosen}, catalog)
    assert output.returncode == 0, output.stderr
    assert set(by_company(output, "invoice")) == set(chosen)


def test_a_page_asked_ahead_is_judged_as_the_company_it_was_asked_for() -> None:
    """A first page requested ahead for one company is judged on a worker while the
    stream reads another: a refusal names the company of the page, never the one being
    read (CI saw "4 of 3 companies failed", company 0 among them)."""
    sim = Simulator(seed=9, size=200, companies=CLIENTS)
    with sim.serve() as url:
        tap = make_tap(url, start_date="2019-01-01", all_client_companies=True)
        tap.begin_run()
        stream = tap.streams["currency"]
        reading, refused = CLIENTS[0], CLIENTS[1]
        assert list(read_stream(tap, "currency"))  # the stream has read every company
        sim.revoked_companies.add(refused)
        stop = threading.Event()
        for company in (reading, refused):
            if company == refused:
                with pytest.raises(CompanyAccessError) as refusal:
                    stream._fetch_page({"company_id": company}, 0, stop)
                assert refusal.value.company_id == refused
            else:
                assert stream._fetch_page({"company_id": company}, 0, stop).ok
        tap.end_run()
