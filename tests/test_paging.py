"""Offset paging over real recorded pages and simulator edge cases."""

from __future__ import annotations

from pathlib import Path

from tripletex_simulator import Simulator

from tests.replay import load, replay
from tests.taputil import make_tap, read_stream


def test_replays_the_six_real_ledger_account_pages(shared_dir: Path) -> None:
    exchanges = load(shared_dir, "ledger_account")
    expected = [r["id"] for e in exchanges for r in e["body"]["values"]]
    seen: list[dict] = []
    with replay(exchanges, seen) as url:
        records = read_stream(make_tap(url, page_size=100, max_concurrency=1), "ledger_account")

    assert [r["id"] for r in records] == expected
    assert len(records) == 529
    pages = [s["params"] for s in seen if s["path"] == "/v2/ledger/account"]
    # fullResultSize said "101", "201", ... : the tap must page on by counting values,
    # and stop after the short sixth page without asking for a seventh.
    assert [p["from"] for p in pages] == ["0", "100", "200", "300", "400", "500"]
    assert all(p["count"] == "100" and p["sorting"] == "id" for p in pages)
    assert {r["company_id"] for r in records} == {4242}


def test_a_list_of_exactly_page_size_records_ends_with_an_empty_page() -> None:
    sim = Simulator(seed=2, size=500)
    with sim.serve() as url:
        expected = [r["id"] for r in sim.records("currency")]
        records = read_stream(make_tap(url, page_size=len(expected), max_concurrency=1), "currency")
    assert [r["id"] for r in records] == expected
    offsets = [p["from"] for _, path, p in sim.requests if path == "/v2/currency"]
    assert offsets == ["0", str(len(expected))]


def test_an_empty_list_is_one_request_and_no_records() -> None:
    empty = {
        "method": "GET",
        "path": "/v2/department",
        "params": {"from": "0", "count": "1000"},
        "status": 200,
        "headers": {},
        "body": {
            "fullResultSize": 0,
            "from": 0,
            "count": 0,
            "versionDigest": "'If-None-Match' header not specified",
            "values": [],
        },
    }
    seen: list[dict] = []
    with replay([empty], seen) as url:
        assert read_stream(make_tap(url), "department") == []
    assert [s["params"]["from"] for s in seen if s["path"] == "/v2/department"] == ["0"]
