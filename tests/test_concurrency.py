"""`max_concurrency`: pages and date windows requested ahead, records still in order."""

from __future__ import annotations

import json
import time

import pytest
from tripletex_simulator import Simulator
from tripletex_simulator.errors import Reply
from tripletex_simulator.routes import Request

from tests.taputil import make_tap, read_stream

# A full-table list, a change-time list, date windows, and a parent with inline lines.
STREAMS = ["ledger_account", "customer", "ledger_posting", "order", "order_line"]
SMALL_PAGES = {"page_size": 10, "window_days": 200, "start_date": "2018-01-01"}


def read_all(sim: Simulator, concurrency: int) -> dict[str, list[dict]]:
    tap = make_tap(sim.url, max_concurrency=concurrency, **SMALL_PAGES)  # type: ignore[attr-defined]
    for name in STREAMS:  # the parent's inline lines are read with it
        tap.streams[name].selected = True
    return {name: read_stream(tap, name) for name in STREAMS if name != "order_line"}


@pytest.fixture(scope="module")
def slow_sim() -> Simulator:
    sim = Simulator(seed=21, size=1500, latency=0.005)
    with sim.serve() as url:
        sim.url = url  # type: ignore[attr-defined]
        yield sim


def test_records_come_in_the_same_order_whatever_the_concurrency(slow_sim: Simulator) -> None:
    slow_sim.peak_in_flight = 0
    one_at_a_time = read_all(slow_sim, 1)
    assert slow_sim.peak_in_flight == 1

    slow_sim.peak_in_flight = 0
    four = read_all(slow_sim, 4)
    assert 1 < slow_sim.peak_in_flight <= 4

    assert four == one_at_a_time
    for name, records in four.items():
        assert len(records) == len(slow_sim.records(name)) > 10, name


def test_pages_guessed_past_the_end_are_dropped_not_retried(slow_sim: Simulator) -> None:
    """Past the last page, the pages requested ahead fail here; the walk has ended
    before their retry is due, so they are not tried again and the read succeeds."""
    total = len(slow_sim.records("ledger_account"))
    page_size = 10
    last = total - total % page_size
    beyond: list[int] = []

    def fail_beyond_the_end(request: Request) -> Reply | None:
        offset = int(request.params.get("from", 0))
        if request.path != "/v2/ledger/account":
            return None
        if offset == last:  # the empty page, late: the guesses past it are under way
            time.sleep(0.3)
        if offset > last:
            beyond.append(offset)
            return Reply(503, json.dumps({"status": 503, "message": "down"}).encode())
        return None

    slow_sim.hook = fail_beyond_the_end
    try:
        tap = make_tap(slow_sim.url, page_size=page_size, max_concurrency=4, retry_backoff=1.0)  # type: ignore[attr-defined]
        records = read_stream(tap, "ledger_account")
        tap.request_pool.shutdown(wait=True)  # what was sent ahead has ended too
    finally:
        slow_sim.hook = None
    assert [r["id"] for r in records] == [r["id"] for r in slow_sim.records("ledger_account")]
    assert beyond, "no page was requested ahead past the end"
    assert len(beyond) == len(set(beyond)), "a dropped page was tried again"
