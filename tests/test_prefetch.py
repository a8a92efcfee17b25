"""The run's requests kept in flight across streams, companies and parents (prefetch.py):
the output is the same whatever `max_concurrency`, nothing is lost under a tight rate
limit, and no more requests are ever in flight than allowed."""

from __future__ import annotations

import threading
import time
import typing as t
from collections.abc import Iterator

import pytest
from tripletex_simulator import Simulator

from tap_tripletex.resources import RESOURCES
from tests.singer_run import Output, discover, run_tap, select

CLIENTS = [5200001, 5200002]
EVERY = [r.name for r in RESOURCES]


@pytest.fixture(scope="module")
def accountant() -> Iterator[tuple[Simulator, dict, dict]]:
    sim = Simulator(seed=12, size=250, companies=CLIENTS, latency=0.002)
    with sim.serve() as url:
        config = {"api_url": url, "start_date": "2021-01-01", "all_client_companies": True}
        yield sim, config, select(discover(config), EVERY)


def records_by_stream(output: Output) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for message in output.messages:
        if message["type"] == "RECORD":
            found.setdefault(message["stream"], []).append(message["record"])
    return found


def test_every_stream_of_several_companies_comes_out_the_same_at_any_concurrency(
    accountant: t.Any,
) -> None:
    sim, config, catalog = accountant
    sim.peak_in_flight = 0
    one = run_tap({**config, "max_concurrency": 1}, catalog)
    assert one.returncode == 0, one.stderr[-3000:]
    assert sim.peak_in_flight == 1

    sim.peak_in_flight = 0
    eight = run_tap({**config, "max_concurrency": 8}, catalog)
    assert eight.returncode == 0, eight.stderr[-3000:]
    assert 1 < sim.peak_in_flight <= 8

    ones, eights = records_by_stream(one), records_by_stream(eight)
    assert eights == ones  # the same records, in the same order per stream
    assert {r["company_id"] for r in eights["project_task"]} == set(CLIENTS)
    assert len(eights) > 60
    # Each stream's SCHEMA before its first RECORD, in both runs.
    for output in (one, eight):
        seen: set[str] = set()
        for message in output.messages:
            if message["type"] == "SCHEMA":
                seen.add(message["stream"])
            elif message["type"] == "RECORD":
                assert message["stream"] in seen


def test_later_streams_first_pages_are_in_flight_while_one_is_read(accountant: t.Any) -> None:
    """What the prefetch is for: requests of different streams overlap in time (a run
    reading one stream at a time never has two streams' requests in flight)."""
    sim, config, catalog = accountant
    in_flight: dict[str, int] = {}
    overlaps: list[set[str]] = []
    lock = threading.Lock()

    def watch(request: t.Any) -> None:
        path = request.path
        with lock:
            in_flight[path] = in_flight.get(path, 0) + 1
            busy = {p for p, n in in_flight.items() if n}
            if len(busy) > 1:
                overlaps.append(busy)
        time.sleep(0.03)
        with lock:
            in_flight[path] -= 1

    sim.hook = watch
    try:
        output = run_tap({**config, "max_concurrency": 4}, catalog)
    finally:
        sim.hook = None
    assert output.returncode == 0, output.stderr[-3000:]
    assert overlaps, "no two endpoints were ever asked at once"
    children = {"/v2/project/task", "/v2/project/orderline", "/v2/project/subcontract"}
    assert any(busy & children for busy in overlaps)  # the next parents' child lists


def test_no_record_is_lost_under_a_tight_rate_limit() -> None:
    """Two companies, eight in flight, a window of 20 calls per second, and one call in
    five refused with 429 besides (another client sharing the quota): the tap waits
    them out, first pages requested ahead included, and delivers every record."""
    streams = ["currency", "project", "project_task", "customer"]
    sim = Simulator(seed=13, size=120, companies=CLIENTS, rate_limit=20, rate_window=1.0)
    for path in ("/currency", "/project", "/project/task", "/customer"):
        sim.fail(path, status=429, times=-1, probability=0.2)
    with sim.serve() as url:
        config = {"api_url": url, "start_date": "2023-01-01", "all_client_companies": True}
        catalog = select(discover(config), streams)
        output = run_tap({**config, "max_concurrency": 8, "rate_limit_window": 0.2}, catalog)
        assert output.returncode == 0, output.stderr[-3000:]
        for stream in streams:
            expected = sorted(
                (cid, r["id"]) for cid in CLIENTS for r in sim.records(stream, company_id=cid)
            )
            got = sorted((r["company_id"], r["id"]) for r in output.records(stream))
            assert got == expected, stream
        assert "rate limited (HTTP 429" in output.stderr, "no 429: the test tests nothing"
