"""The session authenticator against the simulator."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import requests
from tripletex_simulator import Simulator

from tap_tripletex.auth import RENEW_MARGIN, SESSION_DAYS, TripletexSession, session_dies_at
from tap_tripletex.errors import ConfigError
from tap_tripletex.timeutil import OSLO, oslo_now
from tests.taputil import TOKENS, make_tap, read_stream


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    simulator = Simulator(seed=5, size=1500)
    with simulator.serve() as url:
        simulator.url = url  # type: ignore[attr-defined]
        yield simulator


class Clock:
    def __init__(self) -> None:
        self.now = oslo_now()

    def __call__(self) -> datetime:
        return self.now


def session(url: str, clock: Clock | None = None, **tokens: str) -> TripletexSession:
    return TripletexSession(
        api_url=url,
        consumer_token=tokens.get("consumer_token", TOKENS["consumer_token"]),
        employee_token=tokens.get("employee_token", TOKENS["employee_token"]),
        http=requests.Session(),
        clock=clock or oslo_now,
    )


def test_one_session_serves_a_whole_run_of_many_streams(sim: Simulator) -> None:
    before = sim.sessions_created
    tap = make_tap(sim.url, start_date="2019-01-01")  # type: ignore[attr-defined]
    for name in ("currency", "customer", "invoice", "ledger_posting"):
        assert len(read_stream(tap, name)) == len(sim.records(name))
    assert sim.sessions_created - before == 1


def test_basic_header_is_company_id_and_session_token(sim: Simulator) -> None:
    auth = session(sim.url)  # type: ignore[attr-defined]
    request = requests.Request("GET", f"{sim.url}/currency").prepare()  # type: ignore[attr-defined]
    auth.for_company(1234567)(request)
    scheme, encoded = request.headers["Authorization"].split(" ")
    username, _, token = base64.b64decode(encoded).decode().partition(":")
    assert (scheme, username, token) == ("Basic", "1234567", auth.token())
    assert token not in TOKENS.values()
    answer = requests.get(
        f"{sim.url}/currency",
        headers={  # type: ignore[attr-defined]
            "Authorization": auth.basic_header(0)
        },
        timeout=10,
    )
    assert answer.status_code == 200


def test_token_is_renewed_only_near_the_oslo_midnight_it_dies_at(sim: Simulator) -> None:
    clock = Clock()
    auth = session(sim.url, clock)  # type: ignore[attr-defined]
    first = auth.token()
    dies_at = session_dies_at(clock.now.date() + timedelta(days=SESSION_DAYS))
    assert dies_at.tzinfo is OSLO and (dies_at.hour, dies_at.minute) == (0, 0)
    clock.now = dies_at - RENEW_MARGIN - timedelta(minutes=1)
    assert auth.token() == first and auth.mint_count == 1
    clock.now = dies_at - RENEW_MARGIN + timedelta(minutes=1)
    assert auth.token() != first and auth.mint_count == 2


def test_a_401_mid_run_renews_the_session_once_and_retries(sim: Simulator) -> None:
    tap = make_tap(sim.url, page_size=2, max_concurrency=1)  # type: ignore[attr-defined]
    stream = tap.streams["currency"]
    assert len(sim.records("currency")) > 4  # several pages of two
    (partition,) = stream.partitions
    records = iter(stream.get_records(partition))
    got = [next(records) for _ in range(3)]  # into the second page
    before = sim.sessions_created
    sim.sessions.revoke()
    got += list(records)
    assert sim.sessions_created - before == 1
    assert sorted(r["id"] for r in got) == [r["id"] for r in sim.records("currency")]


@pytest.mark.parametrize("setting", ["consumer_token", "employee_token"])
def test_rejected_token_names_the_setting_and_hides_the_token(sim: Simulator, setting: str) -> None:
    wrong = "wrong-" + setting.replace("_", "-") + "-value"
    with pytest.raises(ConfigError) as info:
        session(sim.url, **{setting: wrong}).token()  # type: ignore[attr-defined]
    message = str(info.value)
    assert message.startswith(f"{setting} was rejected by Tripletex")
    assert "18000" in message
    for secret in (wrong, *TOKENS.values()):
        assert secret not in message


def test_wrong_company_id_is_one_clear_error(sim: Simulator) -> None:
    tap = make_tap(sim.url, company_id=999)  # type: ignore[attr-defined]
    stream = tap.streams["currency"]
    with pytest.raises(ConfigError, match="company_id 999"):
        list(stream.get_records({"company_id": 999}))
