"""The installed executable against a simulator in another process: discover, then sync."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import typing as t
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from tripletex_simulator import Simulator

from tap_tripletex.resources import BY_NAME, RESOURCES
from tests.singer_run import EXECUTABLE, discover, run_tap, write_json
from tests.taputil import TOKENS

SEED, SIZE = 21, 110_000


@pytest.fixture(scope="module")
def simulator_url() -> Iterator[str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tripletex_simulator",
            "--port",
            "0",
            "--seed",
            str(SEED),
            "--size",
            str(SIZE),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().split()[3]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_discover_then_sync_every_core_stream_exactly(simulator_url: str) -> None:
    config = {"api_url": simulator_url, "start_date": "2019-01-01"}
    catalog = discover(config)
    core = {r.name for r in RESOURCES if r.selected_by_default}
    assert core <= {s["tap_stream_id"] for s in catalog["streams"]}

    output = run_tap(config, catalog)
    assert output.returncode == 0, output.stderr[-2000:]

    # The same seed and size give the same data in-process: the expected counts.
    expected = Simulator(seed=SEED, size=SIZE)
    counts = Counter(m["stream"] for m in output.messages if m["type"] == "RECORD")
    assert sum(counts.values()) >= 100_000
    for name in core:
        assert counts[name] == len(expected.records(name)), name

    schemas = {m["stream"]: m for m in output.messages if m["type"] == "SCHEMA"}
    validators = {n: jsonschema.Draft7Validator(s["schema"]) for n, s in schemas.items()}
    properties = {n: s["schema"]["properties"] for n, s in schemas.items()}
    assert all(s["schema"].get("type") == "object" for s in schemas.values())
    keys: set[tuple] = set()
    valid: set[tuple] = set()
    for message in output.messages:
        if message["type"] != "RECORD":
            continue
        stream, record = message["stream"], message["record"]
        key_names = schemas[stream]["key_properties"]
        assert key_names == ["company_id", *BY_NAME[stream].key]
        key = (stream, *(record[k] for k in key_names))
        assert key not in keys, key
        keys.add(key)
        # A record is valid when each of its properties is (the schemas list properties
        # and check JSON types only), and values of one shape validate alike.
        for name, value in record.items():
            if (stream, name, shape(value)) not in valid:
                checker = validators[stream].evolve(schema=properties[stream].get(name, {}))
                error = next(checker.iter_errors(value), None)
                assert error is None, (stream, key, name, error and error.message)
                valid.add((stream, name, shape(value)))
    assert output.states and output.final_state["bookmarks"]


def shape(value: t.Any) -> t.Any:
    """The JSON types of a value, all the way down (what a type-only schema checks)."""
    if isinstance(value, dict):
        return tuple(sorted((k, shape(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", frozenset(shape(v) for v in value))
    return type(value).__name__


def test_about_and_test_modes() -> None:
    sim = Simulator(seed=2, size=500)
    with sim.serve() as url, tempfile.TemporaryDirectory() as tmp:
        config = write_json(Path(tmp), "config.json", {**TOKENS, "api_url": url})
        about = subprocess.run(
            [EXECUTABLE, "--about", "--format=json"], capture_output=True, text=True, check=True
        )
        assert "consumer_token" in json.loads(about.stdout)["settings"]["properties"]
        probe = subprocess.run(
            [EXECUTABLE, "--config", config, "--test"], check=False, capture_output=True, text=True
        )
    assert probe.returncode == 0, probe.stderr[-2000:]
    streams = [
        json.loads(line)["stream"] for line in probe.stdout.splitlines() if '"RECORD"' in line
    ]
    core = [r.name for r in RESOURCES if r.selected_by_default]
    # The SDK's connection test reads one record of every stream; children are
    # read per parent record (order lines of the first order and of the first invoice).
    assert set(core) <= set(streams)
    assert all(n == 1 for s, n in Counter(streams).items() if not BY_NAME[s].parents)
