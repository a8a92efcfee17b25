"""The rate limiter and retry policy on a fake clock, and the session's own calls."""

from __future__ import annotations

import random
import threading
import typing as t
from urllib.parse import unquote

import pytest
import requests
from tripletex_simulator import Simulator

from tap_tripletex.auth import TripletexSession
from tap_tripletex.errors import AbandonedError, GaveUpError, RateLimitExhaustedError
from tap_tripletex.ratelimit import RateLimiter, window_headers
from tap_tripletex.requestpath import RetryPolicy
from tests.taputil import TOKENS, make_tap, read_stream


class FakeTime:
    """A clock that only moves when slept on; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def limiter(fake: FakeTime, **kwargs: float) -> RateLimiter:
    return RateLimiter(clock=fake.clock, sleep=fake.sleep, rng=random.Random(1), **kwargs)  # type: ignore[arg-type]


def response(status: int = 200, **headers: str) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer.headers.update({k.replace("_", "-"): v for k, v in headers.items()})
    return answer


def window(remaining: int, reset: int, status: int = 200) -> requests.Response:
    return response(status, X_Rate_Limit_Remaining=str(remaining), X_Rate_Limit_Reset=str(reset))


def test_pauses_only_once_the_window_is_used_up() -> None:
    fake = FakeTime()
    limits = limiter(fake)
    limits.observe(window(remaining=2, reset=4))
    limits.acquire()
    limits.acquire()
    assert fake.sleeps == []
    limits.acquire()  # the third call of the window: wait for the reset
    (pause,) = fake.sleeps
    assert 4.05 <= pause <= 4.5
    limits.acquire()  # a new window, state unknown until the next response
    assert len(fake.sleeps) == 1


def test_calls_still_in_flight_count_against_what_the_headers_say_is_left() -> None:
    fake = FakeTime()
    limits = limiter(fake)
    with limits.slot(), limits.slot():  # two calls in parallel; one is answered first
        limits.observe(window(remaining=2, reset=4))
    limits.acquire()  # 2 left less the other call, which the count may not include yet
    assert fake.sleeps == []
    limits.acquire()
    assert len(fake.sleeps) == 1


def test_an_answer_arriving_late_does_not_raise_the_count_within_a_window() -> None:
    fake = FakeTime()
    limits = limiter(fake)
    limits.observe(window(remaining=1, reset=4))
    limits.observe(window(remaining=5, reset=4))  # an older answer, overtaken
    limits.acquire()
    limits.acquire()
    assert len(fake.sleeps) == 1


def test_an_answer_from_the_next_window_brings_its_fresh_count() -> None:
    fake = FakeTime()
    limits = limiter(fake)
    limits.observe(window(remaining=1, reset=2))
    fake.now += 1.5  # the server's window ended (its reset was rounded up to whole seconds)
    limits.observe(window(remaining=99, reset=10))
    for _ in range(5):
        limits.acquire()
    assert fake.sleeps == []


def test_comma_joined_limits_take_the_strictest_pair() -> None:
    """Issue 16, case 10: `Limit: 100, 30`, `Remaining: 99, 30`, `Reset: 4, 4` (real
    traffic) means 30 calls left, not 99 and not none."""
    assert window_headers(response(X_Rate_Limit_Remaining="99, 30", X_Rate_Limit_Reset="4, 4")) == (
        30,
        4,
    )
    assert window_headers(response(X_Rate_Limit_Remaining="5, 5", X_Rate_Limit_Reset="2, 7")) == (
        5,
        7,
    )  # a tie: the later reset binds
    fake = FakeTime()
    limits = limiter(fake)
    limits.observe(
        response(
            X_Rate_Limit_Limit="100, 30", X_Rate_Limit_Remaining="99, 2", X_Rate_Limit_Reset="4, 6"
        )
    )
    limits.acquire()
    limits.acquire()
    assert fake.sleeps == []
    limits.acquire()  # the 30-call limit is used up: wait for its reset, not the other's
    (pause,) = fake.sleeps
    assert 6.05 <= pause <= 6.5
    wait = limits.refused(
        response(429, X_Rate_Limit_Reset="3, 8"), attempt=0, waited=0.0, what="invoice"
    )
    assert 8.05 <= wait <= 8.5  # a 429 without counts: the later reset


def test_a_429_with_a_reset_header_waits_for_that_reset() -> None:
    fake = FakeTime()
    limits = limiter(fake)
    refused = window(remaining=0, reset=3, status=429)
    limits.observe(refused)
    wait = limits.refused(refused, attempt=0, waited=0, what="customer")
    assert 3.05 <= wait <= 3.5
    limits.acquire()
    assert fake.sleeps and max(fake.sleeps) == pytest.approx(wait, abs=0.5)
    assert limits.refusals == 1


def test_a_429_without_reset_header_backs_off_from_the_window_length_with_jitter() -> None:
    fake = FakeTime()
    limits = limiter(fake, window=10)
    refused = response(429, X_Rate_Limit_Remaining="0")
    waits = [limits.refused(refused, attempt=n, waited=0, what="x") for n in range(5)]
    for wait, windows in zip(waits, [1, 2, 4, 4, 4], strict=True):
        assert 10 * windows <= wait <= 12.5 * windows
    assert len({round(w, 6) for w in waits[2:]}) == 3  # jittered, not lockstep


def test_waiting_stops_at_rate_limit_max_wait() -> None:
    limits = limiter(FakeTime(), window=10, max_wait=25)
    refused = response(429)
    waited = limits.refused(refused, attempt=0, waited=0, what="invoice")
    with pytest.raises(RateLimitExhaustedError, match=r"invoice: .*rate_limit_max_wait is 25"):
        limits.refused(refused, attempt=1, waited=waited, what="invoice")


def test_threads_share_one_window() -> None:
    fake = FakeTime()
    limits = limiter(fake)
    limits.observe(window(remaining=5, reset=2))
    threads = [threading.Thread(target=limits.acquire) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fake.sleeps) == 1  # the sixth caller waited; the rest went in the new window


def test_retry_policy_doubles_with_jitter_up_to_the_cap() -> None:
    policy = RetryPolicy(tries=8, first_wait=2, cap=60, rng=random.Random(3))
    delays = [policy.delay(retry) for retry in range(1, policy.tries)]
    assert len(delays) == 7
    for delay, full in zip(delays, [2, 4, 8, 16, 32, 60, 60], strict=True):
        assert full / 2 <= delay <= full


def test_session_calls_outside_the_streams_are_retried_and_renewed() -> None:
    sim = Simulator(seed=3, size=100)
    with sim.serve() as url:
        session = TripletexSession.from_config(
            {**TOKENS, "api_url": url, "retry_backoff": 0.01, "max_retries": 3}
        )
        sim.fail("/token/session/:create", status=503, times=2)
        sim.fail("/token/session/>whoAmI", kind="reset", times=1)
        sim.fail("/token/session/>whoAmI", kind="expire", times=1)
        answer = session.call("/token/session/>whoAmI", company_id=0)
        assert answer.status_code == 200
        assert answer.json()["value"]["companyId"] == sim.company_id
        assert session.mint_count == 2  # renewed once after the expiry
        sim.fail("/token/session/>whoAmI", status=502, times=-1)
        with pytest.raises(GaveUpError, match=r">whoAmI: gave up after 4 tries \(HTTP 502"):
            session.call("/token/session/>whoAmI", company_id=0)


def test_every_call_of_a_run_takes_the_one_request_path_signed_once() -> None:
    """Session create, whoAmI and every stream page go through `RequestPath.send`, which
    signs each try itself: what the simulator saw is exactly what the path sent, and a
    page the path sent carries no Authorization header before it signs it."""
    sim = Simulator(seed=4, size=300)
    with sim.serve() as url:
        tap = make_tap(url, company_id=sim.company_id, page_size=2, max_concurrency=3)
        path = tap.session.path
        sent: list[tuple[str, bool]] = []
        send = path.send

        def counted(request: requests.PreparedRequest, **kwargs: t.Any) -> requests.Response:
            path_only = unquote(str(request.path_url).split("?")[0])
            call = (path_only, "Authorization" in request.headers)
            sent.append(call)
            try:
                return send(request, **kwargs)
            except AbandonedError:  # a page asked for ahead, dropped before it went out
                sent.remove(call)
                raise

        path.send = counted  # type: ignore[method-assign]
        tap.begin_run()
        records = read_stream(tap, "ledger_account")
        tap.end_run()  # what was asked for ahead has its answer before the server stops
    assert len(records) == len(sim.records("ledger_account")) > 4
    assert sorted(p for p, _ in sent) == sorted(p for _, p, _ in sim.requests)
    assert {p for p, _ in sent} >= {"/v2/token/session/:create", "/v2/ledger/account"}
    assert not any(signed for _, signed in sent), "a request was signed before the path"
