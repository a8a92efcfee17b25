"""The performance benchmark (README, "Performance"): `python3 dev.py bench`.

Eight measurements against the Tripletex simulator, printed as they finish. It measures
and prints; it passes or fails nothing (the test suite does that).

    1. CPU-bound: tap-tripletex records/s vs a raw requests + json loop over the same pages.
    2. End to end: meltano run tap-tripletex target-duckdb vs a dlt rest_api pipeline.
    3. Latency-bound: 150 ms per request, 100 requests per 10 s: wall time vs the floor.
    4. Memory: the tap's peak RSS at 10k vs 1M records.
    5-7. A whole account (every stream) rate-bound and latency-bound, and ten client
       companies rate-bound (whole.py): wall time vs the floor.
    8. Loading: tap-tripletex | target-postgres, RECORD and BATCH, vs the tap alone
       (loading.py; `python -m benchmarks.loading` runs it alone).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks import loading, whole
from benchmarks.harness import (
    BIN,
    CORE,
    LATENCY,
    RATE_LIMIT,
    RATE_WINDOW,
    ROOT,
    START,
    TOKENS,
    records,
    simulator,
    simulator_process,
    tap,
    timed,
)
from tap_tripletex.resources import BY_NAME
from tap_tripletex.settings import DEFAULTS


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
        "  (target >= 0.8x)"
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
    default = int(DEFAULTS["max_concurrency"])
    latency_bound(10_000, sorted({1, 2, 4, default}))
    memory([10_000, 1_000_000 // scale])
    whole.every_stream_rate_bound(3000 // scale, default)
    whole.every_stream_latency_bound(3000 // scale, 8)
    whole.many_companies(300 // scale, 10, default)
    loading.tap_to_postgres(loading.SIZE // scale)


if __name__ == "__main__":
    main()
