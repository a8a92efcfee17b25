"""What the benchmark's parts share: running the tap against a simulator, timed."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import time
import typing as t
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tripletex_simulator import Simulator

from tap_tripletex.resources import RESOURCES

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


def selected_catalog(config: Path, streams: list[str]) -> dict:
    """The tap's discovered catalog with `streams` selected and no other."""
    discovered = subprocess.run(
        [TAP, "--config", config, "--discover"], capture_output=True, text=True, check=True
    )
    catalog = json.loads(discovered.stdout)
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return catalog


def tap(url: str, streams: list[str], **settings: t.Any) -> Run:
    """tap-tripletex with `streams` selected, its output to /dev/null."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.json"
        config.write_text(json.dumps({**TOKENS, "api_url": url, "start_date": START, **settings}))
        selected = Path(tmp) / "catalog.json"
        selected.write_text(json.dumps(selected_catalog(config, streams)))
        return timed([str(TAP), "--config", str(config), "--catalog", str(selected)])
