"""The run's requests kept in flight across streams, companies and parents (prefetch.py):
the output is the same whatever `max_concurrency`, nothing is lost under a tight rate
limit, and no more requests are ever in flight than allowed."""

from __future__ import annotations

import io
import json
import threading
import time
import typing as t
from collections.abc import Iterator

import pytest
import requests
from tripletex_simulator import Simulator

from tap_tripletex.pages import AHEAD_BYTES, PageSizes
from tap_tripletex.prefetch import Prefetcher, Read, RequestPool
from tap_tripletex.readahead import ReadAhead
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


class Calls:
    """A fetch that records what it was asked for and answers when released."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int]] = []
        self.release = threading.Event()

    def fetch(self, name: str) -> t.Callable[..., str]:
        def answer(context: dict, _from: int | None, _stop: threading.Event) -> str:
            self.asked.append((name, context["company_id"]))
            self.release.wait(5)
            return f"{name} {context['company_id']}"

        return answer


def settle() -> None:
    time.sleep(0.2)


def test_first_pages_of_later_reads_are_asked_in_order_on_idle_workers() -> None:
    """The Prefetcher on its own: it keeps idle workers busy with the reads to come, in
    the order they will be read, no more answers waiting than allowed; a read claims its
    page; reads planned before one that starts are dropped."""
    calls = Calls()
    pool = RequestPool(3)
    prefetch = Prefetcher(pool, held=2, sizes=PageSizes())
    reads = [Read(name, {"company_id": c}, calls.fetch(name)) for name in "abc" for c in (1, 2)]
    prefetch.plan(reads)
    settle()
    assert calls.asked == [("a", 1), ("a", 2)]  # held=2: two answers may wait
    prefetch.started("a", {"company_id": 1})
    head = prefetch.claim("a", {"company_id": 1})
    assert head is not None
    settle()
    assert calls.asked == [("a", 1), ("a", 2), ("b", 1)]  # a slot freed: the next read
    prefetch.started("b", {"company_id": 2})  # a 2 and b 1 are past: dropped
    assert prefetch.claim("a", {"company_id": 2}) is None
    settle()
    assert len(calls.asked) == 3  # every worker is still busy with an answer under way
    calls.release.set()
    assert head.result(5) == "a 1"
    settle()
    assert calls.asked[3:] == [("c", 1), ("c", 2)]  # b 2 is being read: it asks itself
    pool.shutdown()


@pytest.mark.parametrize(("pad", "asked"), [(10, 3), (AHEAD_BYTES, 1)])
def test_first_pages_asked_ahead_fit_in_ahead_bytes(pad: int, asked: int) -> None:
    """After a stream of small pages, as many first pages of later streams wait as
    `held` allows; after one of AHEAD_BYTES, one at a time (streams not seen yet are
    taken to be as large as the largest seen)."""
    calls = Calls()
    calls.release.set()
    sizes = PageSizes()
    sizes.seen("invoice", page(0, 1, pad))
    pool = RequestPool(4)
    prefetch = Prefetcher(pool, held=3, sizes=sizes)
    prefetch.plan([Read(name, {"company_id": 1}, calls.fetch(name)) for name in "abcd"])
    settle()
    assert [name for name, _ in calls.asked] == list("abcd"[:asked])
    prefetch.started("a", {"company_id": 1})
    assert prefetch.claim("a", {"company_id": 1}) is not None
    settle()
    assert len(calls.asked) == asked + 1
    pool.shutdown()


def page(from_: int, count: int, pad: int) -> requests.Response:
    """A full list page as Tripletex answers it, each record `pad` bytes long."""
    values = [{"id": from_ + n, "pad": "x" * pad} for n in range(count)]
    body = json.dumps({"from": from_, "count": count, "values": values}).encode()
    response = requests.Response()
    response.status_code, response.raw = 200, io.BytesIO(body)
    return response


@pytest.mark.parametrize(("pad", "most"), [(10, 4), (AHEAD_BYTES // 2, 1)])
def test_a_read_asks_ahead_no_more_pages_than_fit_in_ahead_bytes(pad: int, most: int) -> None:
    """A list of 8 full pages and more: with small pages up to the budget (4) wait ahead
    of the one emitted; with pages of AHEAD_BYTES, one. The same goes for the first
    pages of walks to come (a stream's next date windows); an empty page tells nothing."""

    def fetch(_context: dict, from_: int | None, _stop: threading.Event) -> requests.Response:
        return page(from_ or 0, 2 if (from_ or 0) < 16 else 0, pad)

    class Counted(RequestPool):
        submitted = 0

        def submit(self, fn: t.Callable[..., t.Any], *args: t.Any) -> t.Any:
            self.submitted += 1
            return super().submit(fn, *args)

    pool = Counted(4)
    ahead = []
    sizes = PageSizes()
    with ReadAhead(pool, fetch, budget=4, page_size=2, sizes=sizes, stream="order") as read:
        assert read.room() == 4  # nothing seen yet
        for number, _ in enumerate(read.walk({"company_id": 1})):
            ahead.append(pool.submitted - number - 1)  # requested, past the one emitted
        assert read.room() == most  # first pages of walks to come, as many
    pool.shutdown()
    assert len(ahead) == 9
    assert max(ahead) == most


def test_child_lists_are_asked_ahead_once_their_stream_answered_for_the_company() -> None:
    calls = Calls()
    calls.release.set()
    pool = RequestPool(2)
    prefetch = Prefetcher(pool, held=4, sizes=PageSizes())
    prefetch.plan([Read("project", {"company_id": 1}, calls.fetch("project"))])
    settle()
    prefetch.started("project", {"company_id": 1})
    tasks = [Read("task", {"company_id": 1, "project_id": p}, calls.fetch("task")) for p in (7, 8)]
    prefetch.soon(tasks)
    settle()
    assert ("task", 1) not in calls.asked  # a company that may not read it costs one call
    prefetch.started("task", {"company_id": 1, "project_id": 7})
    prefetch.answered("task", 1)
    settle()
    assert calls.asked.count(("task", 1)) == 1  # the next parent's list, asked ahead
    assert prefetch.claim("task", {"company_id": 1, "project_id": 8}) is not None
    pool.shutdown()


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
