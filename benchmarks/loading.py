"""The benchmark's loading part: tap-tripletex | target-postgres, end to end, with the
target's defaults, with this project's presets (`use_copy`), without record validation,
and with BATCH files; first with the simulator answering at once (the loader's own cost),
then at Tripletex's pace (150 ms per call, 100 calls per 10 s: what a run meets).
`python -m benchmarks.loading` runs this part alone."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import typing as t
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from benchmarks.harness import (
    BIN,
    CORE,
    LATENCY,
    RATE_LIMIT,
    RATE_WINDOW,
    ROOT,
    START,
    TAP,
    TOKENS,
    Run,
    records,
    selected_catalog,
    simulator,
    timed,
)
from tests.meltano_support import PostgresServer, postgres_bin

TARGET = ROOT / ".meltano" / "loaders" / "target-postgres" / "venv" / "bin" / "target-postgres"
SIZE = 15_000  # about 20k records in the default selection
# Python caches compiled modules as it would outside a test machine; without that cache
# (PYTHONDONTWRITEBYTECODE) the target compiles its modules at every start (+1.7 s).
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
PRESETS = {"load_method": "upsert", "hard_delete": True, "use_copy": True}  # meltano.yml
NO_VALIDATION = {**PRESETS, "validate_records": False}
REPEATS = 3  # unthrottled runs, best of
PACED_REPEATS = 2  # paced runs: bound by the window, they vary less and last longer
PACE = {"latency": LATENCY, "rate_limit": RATE_LIMIT, "rate_window": RATE_WINDOW}


def target_postgres() -> Path:
    """The Meltano plugin's executable, installed on first use."""
    if not TARGET.exists():
        env = {**os.environ, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}
        meltano = [str(BIN / "meltano"), "install", "loader", "target-postgres"]
        subprocess.run(meltano, cwd=ROOT, env=env, check=True, capture_output=True)
    return TARGET


def write(folder: Path, name: str, data: t.Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(data))
    return path


def pipeline(folder: Path, tap_config: dict, selected: Path, target_config: dict) -> Run:
    """`tap | target`, timed to the target's end (pipefail: either failing fails it)."""
    tap_file = write(folder, "tap.json", tap_config)
    target_file = write(folder, "target.json", target_config)
    tap_args = shlex.join(map(str, [TAP, "--config", tap_file, "--catalog", selected]))
    target_args = shlex.join(map(str, [target_postgres(), "--config", target_file]))
    script = f"set -o pipefail; {tap_args} | {target_args} > /dev/null"
    return timed(["bash", "-c", script], env=ENV)


def rows(server: PostgresServer) -> int:
    tables = server.psql("select tablename from pg_tables where schemaname = 'tripletex'")
    return sum(int(server.psql(f'select count(*) from tripletex."{n}"')[0][0]) for (n,) in tables)


@dataclass
class Loading:
    """The runs of one simulator: tap alone, and tap | target-postgres into an empty
    schema, each load checked to hold every record as a row."""

    server: PostgresServer
    folder: Path
    tap_config: dict
    selected: Path
    expected: int

    def alone(self) -> Run:
        config = write(self.folder, "alone.json", self.tap_config)
        return timed([TAP, "--config", config, "--catalog", self.selected], env=ENV)

    def load(self, tap_settings: dict, target_config: dict) -> Run:
        self.server.psql("drop schema if exists tripletex cascade")
        tap_config = {**self.tap_config, **tap_settings}
        run = pipeline(self.folder, tap_config, self.selected, target_config)
        if (loaded := rows(self.server)) != self.expected:
            sys.exit(f"benchmark: {loaded:,} rows loaded, {self.expected:,} records read")
        return run


def database_config(server: PostgresServer) -> dict:
    env = server.target_env()
    return {
        "host": env["TARGET_POSTGRES_HOST"],
        "port": int(env["TARGET_POSTGRES_PORT"]),
        "user": env["TARGET_POSTGRES_USER"],
        "password": env["TARGET_POSTGRES_PASSWORD"],
        "database": env["TARGET_POSTGRES_DATABASE"],
        "default_target_schema": "tripletex",
    }


def cases(runs: Loading, database: dict, *, paced: bool) -> dict[str, t.Callable[[], Run]]:
    """The runs to compare, by label: the tap alone first."""
    batches = {
        "batch_config": {
            "encoding": {"format": "jsonl", "compression": "gzip"},
            "storage": {"root": f"file://{runs.folder / 'batches'}"},
        }
    }
    settings: list[tuple[str, dict, dict]] = [
        ("RECORD, target defaults (+ hard_delete)", {}, {"hard_delete": True}),
        ("RECORD, presets (use_copy)", {}, PRESETS),
        ("RECORD, presets + validate_records false", {}, NO_VALIDATION),
        ("BATCH jsonl, presets", batches, PRESETS),
    ]
    if paced:  # the window, not the loader, sets these apart: the two that differ most
        settings = [settings[0], settings[1]]
    chosen: dict[str, t.Callable[[], Run]] = {"tap alone, to /dev/null": runs.alone}
    for label, tap_settings, target in settings:
        chosen[label] = partial(runs.load, tap_settings, {**database, **target})
    return chosen


def compare(
    chosen: dict[str, t.Callable[[], Run]],
    repeats: int,
    *,
    before: float = 0.0,
    calls: t.Callable[[], int] | None = None,
) -> None:
    """Each case `repeats` times, in turns (a busy moment of the machine hits every case),
    the best of each printed as a ratio to the tap alone. `before`: seconds to wait before
    each run, so that every paced run starts on a fresh rate-limit window; `calls`: the
    simulator's count of calls so far, to print each paced run's floor."""
    seconds: dict[str, list[float]] = {label: [] for label in chosen}
    made: list[int] = []
    for _ in range(repeats):
        for label, run in chosen.items():
            time.sleep(before)
            counted = calls() if calls else 0
            seconds[label].append(run().seconds)
            made.append(calls() - counted if calls else 0)
    alone = min(seconds["tap alone, to /dev/null"])
    for label, each in seconds.items():
        every = ", ".join(f"{x:.1f}" for x in each)
        print(f"   {label:42}: {min(each):5.1f} s = {min(each) / alone:3.1f}x  ({every})")
    if calls:
        per_second = RATE_LIMIT / RATE_WINDOW
        print(
            f"   ({min(made)} to {max(made)} calls a run: a floor of {min(made) / per_second:.1f}"
            f" s at {per_second:.0f} calls per s)"
        )


def tap_to_postgres(size: int = SIZE) -> None:
    print("\n8. Loading: the default selection, tap-tripletex | target-postgres 0.8.1")
    if (bindir := postgres_bin()) is None:
        print("   skipped: no PostgreSQL server binaries (apt-get install postgresql-15)")
        return
    server = PostgresServer(bindir)
    server.start()
    try:
        for warm_up in ([TAP, "--about"], [target_postgres(), "--about"]):
            timed(warm_up, env=ENV)  # modules compiled once, as after an install
        for paced in (False, True):
            limits = PACE if paced else {}
            with simulator(size, **limits) as (sim, url), tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                (folder / "batches").mkdir()
                tap_config = {**TOKENS, "api_url": url, "start_date": START}
                catalog = selected_catalog(write(folder, "c.json", tap_config), CORE)
                count = records(sim, CORE)
                runs = Loading(server, folder, tap_config, write(folder, "s.json", catalog), count)
                chosen = cases(runs, database_config(server), paced=paced)
                if paced:
                    print(
                        f"   at Tripletex's pace ({LATENCY * 1000:.0f} ms per call, "
                        f"{RATE_LIMIT} calls per {RATE_WINDOW:.0f} s), "
                        f"best of {PACED_REPEATS} runs:"
                    )
                    compare(
                        chosen, PACED_REPEATS, before=RATE_WINDOW, calls=lambda: len(sim.requests)
                    )
                else:
                    print(
                        f"   {count:,} records in {len(CORE)} streams; the simulator answering "
                        f"at once, best of {REPEATS} runs:"
                    )
                    compare(chosen, REPEATS)
        print("   (target: within 2x the tap alone with the presets)")
    finally:
        server.stop()


if __name__ == "__main__":
    tap_to_postgres()
