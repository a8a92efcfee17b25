"""Incremental replication: bookmarks, lookback, resumption, result-set splitting."""

from __future__ import annotations

import typing as t
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from tripletex_simulator import Simulator

from tap_tripletex.replication import change_floor
from tap_tripletex.resources import BY_NAME
from tests.singer_run import Output, discover, run_tap, select, upsert

STREAMS = ["currency", "customer", "supplier", "invoice", "ledger_posting"]
DERIVED = {"company_id", "last_changed_at"}


@pytest.fixture
def sim() -> Iterator[tuple[Simulator, dict]]:
    # changedSince ignored, as reported on the test environment: the tap must filter.
    simulator = Simulator(seed=7, size=3000, honour_changed_since=False)
    with simulator.serve() as url:
        config = {"api_url": url, "start_date": "2019-01-01", "window_days": 90}
        yield simulator, config


def catalog(config: dict, streams: list[str] = STREAMS) -> dict:
    return select(discover(config), streams)


def assert_matches_simulator(sim: Simulator, stream: str, *outputs: Output) -> None:
    """The runs' records, upserted by key, equal the simulator's data exactly."""
    got = upsert(*outputs, stream=stream)
    changed = BY_NAME[stream].changed_since
    expected = sim.records(stream, with_changes=changed)
    assert len(got) == len(expected), stream
    for record in expected:
        loaded = got[(sim.company_id, record["id"])]
        assert {k: v for k, v in loaded.items() if k not in DERIVED} == record, stream


def activated(output: Output) -> set[str]:
    return {m["stream"] for m in output.messages if m["type"] == "ACTIVATE_VERSION"}


def bookmark(state: dict, stream: str) -> str:
    (partition,) = state["bookmarks"][stream]["partitions"]
    return str(partition["replication_key_value"])


def test_second_run_brings_changes_and_skips_what_is_older_than_lookback(sim: t.Any) -> None:
    simulator, config = sim
    cat = catalog(config)
    first = run_tap(config, cat)
    assert first.returncode == 0, first.stderr
    state = first.final_state
    for stream in ("customer", "supplier", "invoice", "ledger_posting"):
        assert bookmark(state, stream)
    for stream in STREAMS:
        assert_matches_simulator(simulator, stream, first)
    # A first run reads every stream whole: the target may retire what it lacks.
    assert activated(first) == set(STREAMS)

    today = simulator.today
    customer_ids = [r["id"] for r in simulator.records("customer")]
    updated = simulator.update("customer", customer_ids[5], {"name": "Oppdatert AS"})
    created = simulator.add("customer", {"name": "Ny Kunde AS"})
    invoice_today = simulator.add("invoice", {"invoiceDate": today.isoformat()})
    back_dated = (today - timedelta(days=20)).isoformat()
    invoice_back = simulator.add("invoice", {"invoiceDate": back_dated})
    posting = simulator.add("ledger_posting", {"date": back_dated})

    second = run_tap(config, cat, state=state)
    assert second.returncode == 0, second.stderr
    ids = {s: {r["id"] for r in second.records(s)} for s in STREAMS}
    assert {updated["id"], created["id"]} <= ids["customer"]
    assert {invoice_today["id"], invoice_back["id"]} <= ids["invoice"]
    assert posting["id"] in ids["ledger_posting"]
    # Only changes came back for the change-time streams, despite changedSince ignored:
    # besides the new ones, at most what changed within the safety margin before the
    # bookmark is read again.
    for stream in ("customer", "supplier"):
        floor_at = change_floor(bookmark(state, stream))[1]
        again = [r for r in second.records(stream) if r["id"] not in (updated["id"], created["id"])]
        assert all(r["last_changed_at"] >= floor_at for r in again), stream
        assert len(again) <= 3, stream
    # Date-range streams re-read only the lookback window before their bookmark.
    floor = (today - timedelta(days=100)).isoformat()
    for stream, field in (("invoice", "invoiceDate"), ("ledger_posting", "date")):
        dates = [r[field] for r in second.records(stream)]
        assert dates and min(dates) >= floor, stream
        assert len(dates) < len(simulator.records(stream)), stream
    # Full-table streams come whole every run, and only they are activated.
    assert len(second.records("currency")) == len(simulator.records("currency"))
    assert activated(second) == {"currency"}
    for stream in STREAMS:
        assert_matches_simulator(simulator, stream, first, second)
    for stream in ("customer", "invoice", "ledger_posting"):
        assert bookmark(second.final_state, stream) >= bookmark(state, stream)


def test_killed_run_resumes_from_its_last_state_without_skipping_a_window(sim: t.Any) -> None:
    simulator, config = sim
    cat = catalog(config, ["ledger_posting"])
    checkpoints = 0

    def after_third_checkpoint(message: dict) -> bool:
        nonlocal checkpoints
        if message["type"] == "STATE" and "ledger_posting" in message["value"]["bookmarks"]:
            checkpoints += 1
        return checkpoints == 3

    killed = run_tap(config, cat, stop=after_third_checkpoint)
    assert killed.returncode != 0
    resumed_from = killed.final_state
    stopped_at = bookmark(resumed_from, "ledger_posting")
    assert stopped_at < simulator.today.isoformat()
    rerun = run_tap(config, cat, state=resumed_from)
    assert rerun.returncode == 0, rerun.stderr
    assert min(r["date"] for r in rerun.records("ledger_posting")) > "2019-01-01"
    assert_matches_simulator(simulator, "ledger_posting", killed, rerun)


def test_too_large_windows_are_halved_down_to_what_tripletex_answers() -> None:
    simulator = Simulator(seed=3, size=3000, max_result_size=12)
    with simulator.serve() as url:
        config = {"api_url": url, "start_date": "2019-01-01", "window_days": 400}
        output = run_tap(config, catalog({"api_url": url}, ["invoice"]))
    assert output.returncode == 0, output.stderr
    assert_matches_simulator(simulator, "invoice", output)
    windows = {
        (date.fromisoformat(p["invoiceDateFrom"]), date.fromisoformat(p["invoiceDateTo"]))
        for _, path, p in simulator.requests
        if path == "/v2/invoice"
    }
    halved = [
        (a, b)
        for a, b in windows
        if (a, a + (b - a) // 2) in windows and (a + (b - a) // 2, b) in windows
    ]
    assert halved, "no refused window was read again as two halves"
    assert min((b - a).days for a, b in windows) < 400 // 4


def test_state_is_partitioned_per_company(sim: t.Any) -> None:
    simulator, config = sim
    output = run_tap(config, catalog(config, ["invoice"]))
    (partition,) = output.final_state["bookmarks"]["invoice"]["partitions"]
    assert partition["context"] == {"company_id": simulator.company_id}
    assert partition["replication_key"] == "invoiceDate"
