"""Failures during a run and the size of a run's log (issue 16, cases 8 and 9): the
executable against a simulator, one clear line, the right exit code, no token."""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tripletex_simulator import Simulator

from tap_tripletex.resources import RESOURCES
from tap_tripletex.timeutil import date_windows, oslo_today, parse_start
from tests.singer_run import EXECUTABLE, discover, select
from tests.test_config_errors import ERROR, TOKENS, Run, base, run, secrets_of

START = "2019-01-01"


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    simulator = Simulator(seed=1, size=20_000, **TOKENS)  # type: ignore[arg-type]  # the demo's size
    with simulator.serve() as url:
        simulator.url = url  # type: ignore[attr-defined]
        yield simulator


def config_of(sim: Simulator) -> dict:
    return {**base(sim), "start_date": START}


def test_target_closing_the_pipe_is_one_line_naming_the_signal(sim: Simulator) -> None:
    """Case 8: the target dies; the tap says so, exit 141 (128 + SIGPIPE), no traceback."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.json"
        path.write_text(json.dumps(config_of(sim)))
        proc = subprocess.Popen(
            [EXECUTABLE, "--config", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        for _ in range(50):  # a few messages through, then the reader is gone
            proc.stdout.readline()
        proc.stdout.close()
        _, stderr = proc.communicate(timeout=120)
    result = Run(proc.returncode, "", stderr)
    assert result.returncode == 141, stderr[-3000:]
    assert result.error_lines == [
        f"{ERROR} the output was closed while the tap wrote to it (broken pipe, SIGPIPE): "
        "the target reading it stopped; see the target's log for why"
    ]
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    for secret in secrets_of(sim):
        assert secret not in stderr


def test_giving_up_names_the_stream_not_an_internal_function(sim: Simulator) -> None:
    """Case 8: no "Giving up paced(...)" or "Backing off" from the retry library."""
    sim.fail("/currency", status=503, times=-1)
    try:
        catalog = select(discover(config_of(sim)), ["currency"])
        result = run({**config_of(sim), "max_retries": 1, "retry_backoff": 0}, catalog=catalog)
    finally:
        sim.faults.clear()
    assert result.returncode == 1, result.stderr[-3000:]
    (line,) = result.error_lines
    assert line.startswith(f"{ERROR} currency: gave up after 2 tries (HTTP 503")
    assert "raise max_retries or try again later" in line
    assert "paced" not in result.stderr
    assert "Giving up" not in result.stderr and "Backing off" not in result.stderr
    assert "currency: retrying in" in result.stderr  # the retry, in the tap's words
    for secret in secrets_of(sim):
        assert secret not in result.stdout + result.stderr


def test_log_of_a_demo_sized_run_grows_with_streams_and_windows(sim: Simulator) -> None:
    """Case 9: at the default level, lines are bounded by streams x date windows, not by
    the records (24k) or the parent records (one child sync each); debug keeps all."""
    streams = sum(1 for r in RESOURCES if r.selected_by_default)
    windows = len(date_windows(parse_start(START), oslo_today(), 365))
    result = run(config_of(sim))
    assert result.returncode == 0, result.stderr[-3000:]
    records = result.stdout.count('"type":"RECORD"')
    lines = result.stderr.splitlines()
    assert records > 20 * len(lines)  # not proportional to the records
    assert len(lines) <= 3 * streams * windows
    orders = result.stdout.count('"stream":"order","record"')
    assert orders > 1000
    assert result.stderr.count("Beginning sync of 'order_line'") == 1  # not one per order
    for noise in ("Skipping deselected stream", "assumed to be unsorted", "paced("):
        assert noise not in result.stderr
    assert "not resumable" not in result.stdout  # nor in STATE
    starting = [line for line in lines if "Starting incremental sync of 'customer'" in line]
    assert starting and all(START not in line for line in starting)  # no start_date bookmark

    debug = run(config_of(sim), env={"LOGLEVEL": "debug"})
    assert debug.returncode == 0
    assert debug.stderr.count("Beginning sync of 'order_line'") >= orders
