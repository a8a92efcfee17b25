"""Offset paging over real recorded pages and simulator edge cases."""

from __future__ import annotations

from pathlib import Path

from tests.replay import load, replay
from tests.taputil import make_tap, read_stream


def test_replays_the_six_real_ledger_account_pages(shared_dir: Path) -> None:
    exchanges = load(shared_dir, "ledger_account")
    expected = [r["id"] for e in exchanges for r in e["body"]["values"]]
    seen: list[dict] = []
    with replay(exchanges, seen) as url:
        records = read_stream(make_tap(url, page_size=100), "ledger_account")

    assert [r["id"] for r in records] == expected
    assert len(records) == 529
    pages = [s["params"] for s in seen if s["path"] == "/v2/ledger/account"]
    # fullResultSize said "101", "201", ... : the tap must page on by counting values,
    # and stop after the short sixth page without asking for a seventh.
    assert [p["from"] for p in pages] == ["0", "100", "200", "300", "400", "500"]
    assert all(p["count"] == "100" and p["sorting"] == "id" for p in pages)
    assert {r["company_id"] for r in records} == {4242}
