"""Faults and rate limits: every run completes with exactly the simulator's data.

Each fault is injected on every kind of stream at once (full-table, date-range,
change-time incremental), mid-walk, and the real `tap-tripletex` executable must
finish with each stream's records, upserted by key, equal to the simulator's, and
no record twice. Wait settings are shrunk so the whole module takes seconds.
"""

from __future__ import annotations

import json
import typing as t
from collections import Counter
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import pytest
from tripletex_simulator import Simulator

from tap_tripletex.resources import BY_NAME
from tests.singer_run import Output, discover, run_tap, select, upsert

# Tokens with characters that change when URL-encoded: redaction must catch both forms.
CONSUMER = "consumer+Secret/Tok=en-4711"
EMPLOYEE = "employee Secret&Token-0815"
TOKENS = {"consumer_token": CONSUMER, "employee_token": EMPLOYEE}
DERIVED = {"company_id", "last_changed_at"}
STREAMS = {  # stream -> (its kind, the path whose requests fail)
    "currency": ("full-table", "/currency"),
    "ledger_account": ("full-table", "/ledger/account"),
    "invoice": ("date-range", "/invoice"),
    "ledger_posting": ("date-range", "/ledger/posting"),
    "customer": ("incremental change-time", "/customer"),
    "project_task": ("child, one request per parent project", "/project/task"),
    "order_line": ("child inline in its parent order's pages", "/order"),
}
FAST = {  # settings that keep waits short
    "start_date": "2019-01-01",
    "page_size": 5,
    "window_days": 365,
    "max_retries": 4,
    "retry_backoff": 0.01,
    "request_timeout": 1,
    "rate_limit_window": 0.2,
    "rate_limit_max_wait": 30,
}


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    # rate_window=1: a reset header says 1 second.
    simulator = Simulator(seed=13, size=1500, rate_window=1, **TOKENS)  # type: ignore[arg-type]
    with simulator.serve() as url:
        simulator.url = url  # type: ignore[attr-defined]
        yield simulator


@pytest.fixture(scope="module")
def catalog(sim: Simulator) -> dict:
    return select(discover({**TOKENS, "api_url": sim.url}), STREAMS)  # type: ignore[attr-defined]


@pytest.fixture
def config(sim: Simulator) -> Iterator[dict]:
    sim.faults.clear()
    yield {**TOKENS, **FAST, "api_url": sim.url, "company_id": sim.company_id}  # type: ignore[attr-defined]
    sim.faults.clear()


def secrets_of(sim: Simulator) -> list[str]:
    tokens = [CONSUMER, EMPLOYEE, *sim.sessions.issued]
    return sorted({form for s in tokens for form in (s, quote(s, safe=""), quote_plus(s))})


def assert_no_secrets(sim: Simulator, output: Output) -> None:
    text = output.stderr + json.dumps(output.messages)
    for secret in secrets_of(sim):
        assert secret not in text


def assert_exact(sim: Simulator, output: Output, streams: t.Iterable[str] = STREAMS) -> None:
    """Each stream's records, upserted by key, equal the simulator's; none sent twice."""
    assert output.returncode == 0, output.stderr[-3000:]
    counts = Counter(m["stream"] for m in output.messages if m["type"] == "RECORD")
    for stream in streams:
        expected = sim.records(stream, with_changes=BY_NAME[stream].changed_since)
        assert counts[stream] == len(expected), stream
        got = upsert(output, stream=stream)
        derived = {*DERIVED, BY_NAME[stream].parent_key}  # the tap adds the parent's id
        for record in expected:
            loaded = got[(sim.company_id, record["id"])]
            assert {k: v for k, v in loaded.items() if k not in derived} == {
                k: v for k, v in record.items() if k not in derived
            }, stream
    assert_no_secrets(sim, output)


def test_every_stream_has_several_requests_to_fault(sim: Simulator) -> None:
    for stream in STREAMS:
        assert len(sim.records(stream)) > FAST["page_size"], stream
    assert BY_NAME["project_task"].parent_param and BY_NAME["order_line"].inline


HTML = "<html><body><h1>502 Bad Gateway</h1></body></html>"
MATRIX: dict[str, dict[str, t.Any]] = {
    "500 error envelope": {"status": 500, "body": None},
    "502 html": {"status": 502, "body": HTML},
    "503 html": {"status": 503, "body": HTML.replace("502 Bad Gateway", "503")},
    "connection reset": {"kind": "reset"},
    "slower than the timeout": {"kind": "slow", "delay": 2.5, "times": 1},
    "truncated json body": {"kind": "truncate"},
    "connection cut mid-body": {"kind": "cut"},
    "429 storm with reset header": {"status": 429, "times": 1},
    "429 storm without reset header": {"status": 429, "reset_header": False},
    "401 session expired after N calls": {"kind": "expire", "times": 1},
}


@pytest.mark.parametrize("fault", MATRIX, ids=list(MATRIX))
def test_fault_on_every_kind_of_stream_loses_and_duplicates_nothing(
    sim: Simulator, catalog: dict, config: dict, fault: str
) -> None:
    spec = {"times": 2, "after": 1, **MATRIX[fault]}
    for _, path in STREAMS.values():
        sim.fail(path, **spec)
    minted = sim.sessions_created
    output = run_tap(config, catalog)
    assert_exact(sim, output)
    assert sim.faults.hits == spec["times"] * len(STREAMS)  # every fault was met
    if spec.get("kind") == "expire":
        assert sim.sessions_created - minted == 1 + len(STREAMS)  # renewed once per expiry


def test_proactive_pacing_keeps_under_the_rate_limit() -> None:
    limited = Simulator(seed=13, size=1500, rate_limit=15, rate_window=1, **TOKENS)  # type: ignore[arg-type]
    streams = ["currency", "customer", "invoice", "ledger_posting"]
    with limited.serve() as url:
        config = {
            **TOKENS,
            **FAST,
            "page_size": 40,
            "api_url": url,
            "company_id": limited.company_id,
        }
        output = run_tap(config, select(discover({**TOKENS, "api_url": url}), streams))
    assert_exact(limited, output, streams)
    assert len(limited.requests) > 2 * 15  # the run spanned several windows ...
    assert limited.limiter.refused == 0  # ... and never ran into a 429


def test_a_second_401_in_a_row_is_fatal_and_clear(
    sim: Simulator, catalog: dict, config: dict
) -> None:
    sim.fail("/ledger/account", status=401, times=2, after=1)
    # One request at a time, so both 401s meet the same request.
    output = run_tap({**config, "max_concurrency": 1}, catalog)
    assert output.returncode == 1
    (line,) = [x for x in output.stderr.splitlines() if x.startswith("tap-tripletex: error:")]
    assert f"company_id {sim.company_id}" in line and "401" in line
    assert "Traceback" not in output.stderr
    assert_no_secrets(sim, output)


def test_retries_give_up_with_one_clear_line(sim: Simulator, catalog: dict, config: dict) -> None:
    sim.fail("/currency", status=503, times=-1, body=HTML)
    output = run_tap(config, catalog)
    assert output.returncode == 1
    (line,) = [x for x in output.stderr.splitlines() if x.startswith("tap-tripletex: error:")]
    assert "currency: gave up after 5 tries" in line and "HTTP 503" in line
    assert "max_retries" in line and "Traceback" not in output.stderr
    assert_no_secrets(sim, output)


def test_endless_429s_stop_at_rate_limit_max_wait(
    sim: Simulator, catalog: dict, config: dict
) -> None:
    sim.fail("/customer", status=429, reset_header=False, times=-1)
    output = run_tap({**config, "rate_limit_max_wait": 1}, catalog)
    assert output.returncode == 1
    (line,) = [x for x in output.stderr.splitlines() if x.startswith("tap-tripletex: error:")]
    assert "customer:" in line and "429" in line and "rate_limit_max_wait" in line
    assert_no_secrets(sim, output)


def test_403_on_a_module_skips_that_stream_with_a_warning_and_reads_the_rest(
    sim: Simulator, catalog: dict, config: dict
) -> None:
    sim.fail("/invoice", status=403, times=-1)
    output = run_tap(config, catalog)
    assert output.returncode == 0, output.stderr[-3000:]
    (line,) = [x for x in output.stderr.splitlines() if "skipped for company_id" in x]
    assert "invoice" in line and "HTTP 403" in line and "deselect the stream invoice" in line
    assert not output.records("invoice")
    partitions = output.final_state["bookmarks"].get("invoice", {}).get("partitions", [])
    assert not any(p.get("replication_key_value") for p in partitions)  # no false bookmark
    assert_exact(sim, output, [s for s in STREAMS if s != "invoice"])


SOAK_STREAMS = [
    "currency",
    "country",
    "customer",
    "supplier",
    "contact",
    "employee",
    "department",
    "project",
    "product",
    "activity",
    "ledger_account",
    "ledger_vat_type",
    "ledger_voucher_type",
    "invoice",
    "order",
    "ledger_voucher",
    "ledger_posting",
    "supplier_invoice",
    "timesheet_entry",
]
SOAK_FAULTS: list[dict[str, t.Any]] = [  # ~10% of all requests, at random (seeded)
    {"status": 500, "body": None, "probability": 0.025},
    {"status": 503, "body": HTML, "probability": 0.02},
    {"kind": "reset", "probability": 0.02},
    {"kind": "truncate", "probability": 0.015},
    {"kind": "cut", "probability": 0.01},
    {"status": 429, "reset_header": False, "probability": 0.01},
    {"kind": "slow", "delay": 1.5, "probability": 0.003},
]


def test_soak_50k_records_through_10_percent_transient_faults() -> None:
    soak = Simulator(seed=29, size=56_000, rate_window=1, **TOKENS)  # type: ignore[arg-type]
    expected = {s: len(soak.records(s)) for s in SOAK_STREAMS}
    assert sum(expected.values()) >= 50_000
    for fault in SOAK_FAULTS:
        soak.fail("/", times=-1, **fault)  # any path, the session's own calls included
    with soak.serve() as url:
        config = {
            **TOKENS,
            **FAST,
            "page_size": 250,
            "rate_limit_window": 0.05,
            "api_url": url,
            "company_id": soak.company_id,
        }
        output = run_tap(config, select(discover({**TOKENS, "api_url": url}), SOAK_STREAMS))
    assert 0.07 < soak.faults.hits / len(soak.requests) < 0.13
    assert_exact(soak, output, SOAK_STREAMS)
