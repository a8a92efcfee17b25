"""The performance benchmark (README, "Performance"): `python3 dev.py bench`.

Four comparisons against the Tripletex simulator, printed as they finish. It measures and
prints; it passes or fails nothing (the test suite does that).

    1. CPU-bound: tap-tripletex records/s vs a raw requests + json loop over the same pages.
    2. End to end: meltano run tap-tripletex target-duckdb vs a dlt rest_api pipeline.
    3. Latency-bound: 150 ms per request, 100 requests per 10 s: wall time vs the floor.
    4. Memory: the tap's peak RSS at 10k vs 1M records.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import typing as t
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tripletex_simulator import Simulator

from tap_tripletex.resources import BY_NAME, RESOURCES
from tap_tripletex.settings import DEFAULTS

if t.TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TAP = BIN / "tap-tripletex"
TOKENS = {"consumer_token": "sim-consumer", "employee_token": "sim-employee"}
START = "2000-01-01"
CORE = [r.name for r in RESOURCES if r.selected_by_default]  # the default selection
LATENCY, RATE_LIMIT, RATE_WINDOW = 0.15, 100, 10.0


@dataclass
class Run:
    seconds: float
    peak_mb: float
    stdout: str = ""
    stderr: str = ""

    @property
    def records(self) -> int:
        """Records emitted, from the SDK's record_count metrics (each logs and resets)."""
        points = (
            json.loads(line.partition("METRIC: ")[2])
            for line in self.stderr.splitlines()
            if "METRIC: " in line
        )
        return sum(p["value"] for p in points if p["metric"] == "record_count")


def timed(args: list[t.Any], *, env: dict[str, str] | None = None, capture: bool = False) -> Run:
    """Run a command to the end: wall seconds and its peak RSS.

    The peak is the kernel's high-water mark of the command's own memory (VmHWM), read
    until it exits: the rusage of a child forked from this process, which may hold a big
    simulator, would count this process's pages too."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [str(a) for a in args],
            cwd=ROOT,
            env=env,
            stdout=out if capture else subprocess.DEVNULL,
            stderr=err,
        )
        peak_kb = 0
        status = Path(f"/proc/{proc.pid}/status")
        while proc.poll() is None:
            with contextlib.suppress(OSError, ValueError, IndexError):
                text = status.read_text()
                peak_kb = max(peak_kb, int(text.split("VmHWM:")[1].split()[0]))
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            sys.exit(f"benchmark: {args[0]} exited {proc.returncode}:\n{err.read()[-3000:]}")
        return Run(seconds, peak_kb / 1024, out.read(), err.read())


@contextmanager
def simulator_process(size: int) -> Iterator[str]:
    """The simulator in a process of its own. A child forked from a big process counts
    that process's pages in its own peak RSS, so the tap must be started from a small one."""
    args = [sys.executable, "-m", "tripletex_simulator", "--port", "0", "--seed", "1"]
    with subprocess.Popen([*args, "--size", str(size)], stdout=subprocess.PIPE, text=True) as sim:
        assert sim.stdout is not None
        try:
            yield sim.stdout.readline().split()[3]
        finally:
            sim.terminate()


@contextmanager
def simulator(size: int, **kwargs: t.Any) -> Iterator[tuple[Simulator, str]]:
    started = time.perf_counter()
    sim = Simulator(seed=1, size=size, **kwargs)
    print(f"  (simulator with size {size:,} built in {time.perf_counter() - started:.0f} s)")
    with sim.serve() as url:
        yield sim, url


def records(sim: Simulator, streams: list[str]) -> int:
    return sum(len(sim.records(name)) for name in streams)


def tap(url: str, streams: list[str], **settings: t.Any) -> Run:
    """tap-tripletex with `streams` selected, its output to /dev/null."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.json"
        config.write_text(json.dumps({**TOKENS, "api_url": url, "start_date": START, **settings}))
        discovered = subprocess.run(
            [TAP, "--config", config, "--discover"], capture_output=True, text=True, check=True
        )
        catalog = json.loads(discovered.stdout)
        for entry in catalog["streams"]:
            for meta in entry["metadata"]:
                if meta["breadcrumb"] == []:
                    meta["metadata"]["selected"] = entry["tap_stream_id"] in streams
        selected = Path(tmp) / "catalog.json"
        selected.write_text(json.dumps(catalog))
        return timed([str(TAP), "--config", str(config), "--catalog", str(selected)])


def cpu_bound(size: int) -> None:
    stream = BY_NAME["ledger_posting"]
    assert stream.date_params is not None
    print("\n1. CPU-bound: ledger_posting, page_size 1000, stdout to /dev/null")
    with simulator(size) as (sim, url):
        count = records(sim, [stream.name])
        baseline_args = [
            sys.executable,
            "benchmarks/baseline.py",
            url,
            stream.path,
            *stream.date_params,
            START,
            "1000",
        ]
        raw = min((timed(baseline_args) for _ in range(2)), key=lambda run: run.seconds)
        ours = min((tap(url, [stream.name]) for _ in range(2)), key=lambda run: run.seconds)
    print(
        f"   raw requests + json loop : {count / raw.seconds:>8,.0f} records/s"
        f"  ({count:,} records in {raw.seconds:.1f} s)"
    )
    print(
        f"   tap-tripletex            : {count / ours.seconds:>8,.0f} records/s"
        f"  ({ours.seconds:.1f} s, whole process)"
    )
    print(
        f"   ratio                    : {raw.seconds / ours.seconds:.2f}x the baseline"
        "  (target >= 0.5x)"
    )


def duckdb_rows(database: Path) -> int:
    python = ROOT / ".meltano" / "loaders" / "target-duckdb" / "venv" / BIN.name / "python"
    script = (
        "import sys, duckdb\n"
        "c = duckdb.connect(sys.argv[1], read_only=True)\n"
        'names = c.execute("select table_catalog, table_name from information_schema.tables'
        " where table_schema = 'tripletex'\").fetchall()\n"
        'print(sum(c.execute(f\'select count(*) from "{a}".tripletex."{b}"\').fetchone()[0]'
        " for a, b in names))\n"
    )
    out = subprocess.run(
        [python, "-c", script, database], check=True, capture_output=True, text=True
    )
    return int(out.stdout.strip() or 0)


def end_to_end(size: int, dlt_python: Path) -> None:
    print("\n2. End to end into DuckDB: the default selection, every record, loaded")
    with simulator(size) as (sim, url), tempfile.TemporaryDirectory() as tmp:
        count = records(sim, CORE)
        env = {
            **os.environ,
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "TAP_TRIPLETEX_API_URL": url,
            "TAP_TRIPLETEX_CONSUMER_TOKEN": TOKENS["consumer_token"],
            "TAP_TRIPLETEX_EMPLOYEE_TOKEN": TOKENS["employee_token"],
            "TARGET_DUCKDB_FILEPATH": str(Path(tmp) / "meltano.duckdb"),
        }
        alone = tap(url, CORE)
        meltano = timed(
            [
                str(BIN / "meltano"),
                "run",
                "--full-refresh",
                "--no-state-update",
                "tap-tripletex",
                "target-duckdb",
            ],
            env=env,
        )
        loaded = duckdb_rows(Path(tmp) / "meltano.duckdb")
        dlt_runs = {}
        for file_format in ("insert_values", "jsonl"):  # dlt's default for DuckDB, and its fastest
            database = Path(tmp) / f"dlt-{file_format}.duckdb"
            pipelines = Path(tmp) / f"dlt-{file_format}"
            dlt_args = ["--duckdb", database, "--pipelines-dir", pipelines]
            dlt_runs[file_format] = timed(
                [
                    dlt_python,
                    "benchmarks/dlt_pipeline.py",
                    "--api-url",
                    url,
                    *dlt_args,
                    "--loader-file-format",
                    file_format,
                ],
                capture=True,
            )
    print(f"   tap-tripletex alone, to /dev/null       : {alone.seconds:6.1f} s")
    print(
        f"   meltano run tap-tripletex target-duckdb : {meltano.seconds:6.1f} s"
        f"  ({loaded:,} rows in {len(CORE)} tables, from {count:,} records)"
    )
    for file_format, dlt in dlt_runs.items():
        rows = json.loads(dlt.stdout.strip().splitlines()[-1])
        print(
            f"   dlt rest_api -> duckdb ({file_format:13}): {dlt.seconds:6.1f} s"
            f"  ({rows['records']:,} rows in {len(rows['rows'])} top-level tables):"
            f" tap-tripletex is {dlt.seconds / meltano.seconds:.2f}x as fast  (target > 1x)"
        )


def latency_bound(size: int, levels: list[int]) -> None:
    print(
        f"\n3. Latency-bound: {LATENCY * 1000:.0f} ms per request, {RATE_LIMIT} requests per "
        f"{RATE_WINDOW:.0f} s; the default selection"
    )
    needed = 0  # the requests a one-at-a-time run makes: none wasted on guesses
    for level in levels:
        with simulator(size, latency=LATENCY, rate_limit=RATE_LIMIT, rate_window=RATE_WINDOW) as (
            sim,
            url,
        ):
            run = tap(url, CORE, max_concurrency=level)
            sent = sum(not path.startswith("/v2/token/") for _, path, _ in sim.requests)
        needed = needed or sent
        floor = max(needed * LATENCY / level, needed / (RATE_LIMIT / RATE_WINDOW))
        print(
            f"   max_concurrency {level:>2}: {run.seconds:6.1f} s for {sent} requests "
            f"({sent - needed} guessed past an end); floor {floor:5.1f} s "
            f"= max({needed} x {LATENCY} s / {level}, {needed} / "
            f"{RATE_LIMIT / RATE_WINDOW:.0f} per s): {run.seconds / floor:.2f}x"
            "  (target <= 1.2x)"
        )


def memory(sizes: list[int]) -> None:
    print("\n4. Memory: the tap's peak RSS, the default selection, stdout to /dev/null")
    peaks = []
    for size in sizes:
        with simulator_process(size) as url:
            run = tap(url, CORE)
        peaks.append(run.peak_mb)
        print(
            f"   {run.records:>9,} records: peak RSS {run.peak_mb:6.1f} MB  ({run.seconds:.0f} s)"
        )
    print(f"   growth {peaks[-1] / peaks[0]:.2f}x  (target <= 1.5x, under 300 MB)")


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--dlt-python", type=Path, required=True, help="python with dlt[duckdb]")
    cli.add_argument("--quick", action="store_true", help="smaller data, for a trial run")
    args = cli.parse_args()
    scale = 10 if args.quick else 1
    print(
        f"tap-tripletex benchmark on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, max_concurrency default {DEFAULTS['max_concurrency']}"
    )
    cpu_bound(400_000 // scale)
    end_to_end(200_000 // scale, args.dlt_python)
    latency_bound(10_000, [1, int(DEFAULTS["max_concurrency"]), 4])
    memory([10_000, 1_000_000 // scale])


if __name__ == "__main__":
    main()
