"""The benchmark's whole-account parts: every stream selected, and an accountant's many
companies, against Tripletex's own limit (150 ms per call, 100 calls per 10 s)."""

from __future__ import annotations

import typing as t

from benchmarks.harness import CORE, LATENCY, RATE_LIMIT, RATE_WINDOW, simulator, tap
from tap_tripletex.resources import RESOURCES

if t.TYPE_CHECKING:
    from tripletex_simulator import Simulator

EVERY = [r.name for r in RESOURCES]
PER_SECOND = RATE_LIMIT / RATE_WINDOW


def calls(sim: Simulator) -> int:
    """The calls a run made, its session's own included."""
    return len(sim.requests)


def every_stream_rate_bound(size: int, level: int) -> None:
    print(
        f"\n5. A whole account, rate-bound: all {len(EVERY)} streams, {LATENCY * 1000:.0f} ms "
        f"per call, {RATE_LIMIT} calls per {RATE_WINDOW:.0f} s, max_concurrency {level}"
    )
    limits = {"latency": LATENCY, "rate_limit": RATE_LIMIT, "rate_window": RATE_WINDOW}
    with simulator(size, **limits) as (sim, url):
        run = tap(url, EVERY, max_concurrency=level)
        made = calls(sim)
    floor = made / PER_SECOND
    print(
        f"   {run.seconds:6.1f} s for {made} calls; floor {floor:5.1f} s = {made} / "
        f"{PER_SECOND:.0f} per s: {run.seconds / floor:.2f}x  (target <= 1.15x)"
    )


def every_stream_latency_bound(size: int, level: int) -> None:
    print(
        f"\n6. A whole account, latency-bound: all {len(EVERY)} streams, "
        f"{LATENCY * 1000:.0f} ms per call, no rate limit, max_concurrency {level}"
    )
    with simulator(size, latency=LATENCY) as (sim, url):
        run = tap(url, EVERY, max_concurrency=level)
        made = calls(sim)
    floor = made * LATENCY / level
    print(
        f"   {run.seconds:6.1f} s for {made} calls; floor {floor:5.1f} s = {made} x "
        f"{LATENCY} s / {level}: {run.seconds / floor:.2f}x  (target <= 2.0x)"
    )


def many_companies(size: int, companies: int, level: int) -> None:
    print(
        f"\n7. An accountant's {companies} client companies, rate-bound: the default "
        f"selection, {LATENCY * 1000:.0f} ms per call, {RATE_LIMIT} calls per "
        f"{RATE_WINDOW:.0f} s, max_concurrency {level}"
    )
    clients = [5_000_001 + n for n in range(companies)]
    limits = {"latency": LATENCY, "rate_limit": RATE_LIMIT, "rate_window": RATE_WINDOW}
    with simulator(size, companies=clients, **limits) as (sim, url):
        run = tap(
            url,
            CORE,
            max_concurrency=level,
            all_client_companies=True,
            start_date="2022-01-01",
        )
        made = calls(sim)
    floor = made / PER_SECOND
    print(
        f"   {run.seconds:6.1f} s for {made} calls; floor {floor:5.1f} s = {made} / "
        f"{PER_SECOND:.0f} per s: {run.seconds / floor:.2f}x  (target <= 1.15x)"
    )
