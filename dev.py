"""Developer entry point that needs nothing but Python >= 3.10.

    python3 dev.py demo   # simulator -> tap-tripletex -> Meltano -> target-duckdb
    python3 dev.py test   # the test suite, exactly as CI runs it
    python3 dev.py lint   # ruff check, ruff format --check and mypy, as CI's lint job
    python3 dev.py bench  # the performance benchmark (README, "Performance"); ~25 minutes
    python3 dev.py pin    # re-pin requirements/constraints.txt after changing dependencies

Each creates `.venv` on first use and installs the pinned dependencies into it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BENCH_VENV = ROOT / ".venv-bench"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
SIMULATOR = ROOT / "simulator"  # the Tripletex simulator: a distribution of its own
# What .venv is installed from: a change to any of them reinstalls it.
DEPS = (ROOT / "pyproject.toml", SIMULATOR / "pyproject.toml", CONSTRAINTS)
DEMO_DB = ROOT / "output" / "tripletex.duckdb"
DEMO_SEED, DEMO_SIZE = 1, 20000  # the simulator's data (tests/test_meltano_e2e.py checks it)
DEMO_PLUGINS = ("tap-tripletex", "target-duckdb", "dbt-duckdb")
DEMO_VENVS = ("loaders/target-duckdb", "utilities/dbt-duckdb")
# The simulator accepts these made-up tokens; they are not Tripletex secrets.
SIM_TOKENS = {
    "TAP_TRIPLETEX_CONSUMER_TOKEN": "sim-consumer",
    "TAP_TRIPLETEX_EMPLOYEE_TOKEN": "sim-employee",
}


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, env=env)


def stamp_ok(name: str, *inputs: Path) -> tuple[bool, Path, str]:
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in inputs)).hexdigest()
    stamp = VENV / f".{name}-stamp"
    return stamp.exists() and stamp.read_text() == digest, stamp, digest


def ensure_venv() -> None:
    if not PYTHON.exists():
        run(sys.executable, "-m", "venv", VENV)
    ok, stamp, digest = stamp_ok("deps", *DEPS)
    if not ok:
        run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        install = ("install", "--quiet", "-c", CONSTRAINTS, "-e", ".[dev]", "-e", SIMULATOR)
        run(PYTHON, "-m", "pip", *install)
        stamp.write_text(digest)


def ensure_demo_plugins(env: dict[str, str]) -> None:
    ensure_venv()
    ok, stamp, digest = stamp_ok("meltano", ROOT / "meltano.yml")
    installed = [ROOT / ".meltano" / kind / "venv" for kind in DEMO_VENVS]
    if not ok or not all(venv.exists() for venv in installed):
        run(BIN / "meltano", "install", *DEMO_PLUGINS, env=env)
        stamp.write_text(digest)


def demo() -> None:
    env = {**os.environ, **SIM_TOKENS, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}
    ensure_demo_plugins(env)
    simulator = subprocess.Popen(
        [
            str(PYTHON),
            "-m",
            "tripletex_simulator",
            "--port",
            "0",
            "--seed",
            str(DEMO_SEED),
            "--size",
            str(DEMO_SIZE),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert simulator.stdout is not None
        api_url = simulator.stdout.readline().split()[3]
        env["TAP_TRIPLETEX_API_URL"] = api_url
        DEMO_DB.parent.mkdir(exist_ok=True)
        # The demo's simulator is new each time: read it whole, then build the reports.
        pipeline = ("tap-tripletex", "target-duckdb", "dbt-duckdb:build")
        run(BIN / "meltano", "run", "--full-refresh", *pipeline, env=env)
    finally:
        simulator.terminate()
        simulator.wait()
    loader_python = ROOT / ".meltano" / "loaders" / "target-duckdb" / "venv" / BIN.name / "python"
    run(loader_python, "-c", SHOW_TABLES, DEMO_DB)
    run(loader_python, "-c", SHOW_PROFIT_AND_LOSS, DEMO_DB)


SHOW_TABLES = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
tables = con.execute(
    "select table_catalog, table_name from information_schema.tables "
    "where table_schema = 'tripletex' order by table_name").fetchall()
for catalog, name in tables:  # the file tripletex.duckdb is catalog "tripletex" too
    count = con.execute(f'select count(*) from "{catalog}".tripletex."{name}"').fetchone()[0]
    print(f"{name:28} {count:>8} rows")
print(f"DuckDB file: {sys.argv[1]}")
"""


SHOW_PROFIT_AND_LOSS = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
catalog = con.execute("select current_database()").fetchone()[0]
table = f'"{catalog}".tripletex_reporting.profit_and_loss_monthly'
rows = con.execute(
    f"select company_id, strftime(period, '%Y-%m'), line_name, amount from {table} "
    f"where period > (select max(period) from {table}) - interval 3 month "
    "order by company_id, period, line_number"
).fetchall()
months = sorted({month for _, month, _, _ in rows})
print("Profit and loss, last three months (dbt: tripletex_reporting.profit_and_loss_monthly)")
for company in sorted({row[0] for row in rows}):
    amounts = {(m, line): a for c, m, line, a in rows if c == company}
    lines = list(dict.fromkeys(line for _, line in amounts))
    print(f"company {company:<22}" + "".join(f"{m:>14}" for m in months))
    for line in lines:
        print(f"  {line:<28}" + "".join(f"{amounts.get((m, line), 0):>14,.0f}" for m in months))
    result = [sum(a for (m2, _), a in amounts.items() if m2 == m) for m in months]
    print(f"  {'Resultat':<28}" + "".join(f"{r:>14,.0f}" for r in result))
"""


def test() -> None:
    ensure_venv()
    sys.exit(subprocess.call([str(PYTHON), "-m", "pytest", *sys.argv[2:]], cwd=ROOT))


LINT = (
    ("ruff", "check", "."),
    ("ruff", "format", "--check", "."),
    ("mypy", "tap_tripletex", "simulator/tripletex_simulator", "tools"),
)


def lint() -> None:
    ensure_venv()
    failed = [tool for tool, *args in LINT if subprocess.call([str(BIN / tool), *args], cwd=ROOT)]
    sys.exit(f"lint failed: {', '.join(failed)}" if failed else 0)


def bench() -> None:
    """The tap and its demo target, and dlt in a venv of its own to compare against."""
    ensure_demo_plugins({**os.environ, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"})
    bench_bin = BENCH_VENV / BIN.name
    requirements = ROOT / "benchmarks" / "requirements.txt"
    if not (bench_bin / PYTHON.name).exists():
        run(sys.executable, "-m", "venv", BENCH_VENV)
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = BENCH_VENV / ".deps-stamp"
    if not stamp.exists() or stamp.read_text() != digest:
        run(bench_bin / PYTHON.name, "-m", "pip", "install", "--quiet", "-r", requirements)
        stamp.write_text(digest)
    dlt_python = bench_bin / PYTHON.name
    sys.exit(
        subprocess.call(
            [str(PYTHON), "-m", "benchmarks.run", "--dlt-python", str(dlt_python), *sys.argv[2:]],
            cwd=ROOT,
        )
    )


PIN_HEADER = """\
# Pinned versions of every dependency of `pip install -e .[dev]`, for Python 3.10 and newer.
# dev.py installs with `pip install -c requirements/constraints.txt -e .[dev] -e simulator`
# (the simulator needs only msgspec, pinned here through singer-sdk[msgspec]).
# Regenerate with `python3 dev.py pin` after changing pyproject.toml's dependencies.
"""


def pin() -> None:
    """Resolve again (keeping current pins where possible; `pin --upgrade` for newest)."""
    if not (BIN / "uv").exists():
        ensure_venv()
    run(
        BIN / "uv",
        "pip",
        "compile",
        "pyproject.toml",
        "--extra",
        "dev",
        "--universal",
        "--python-version",
        "3.10",
        "--no-header",
        "--quiet",
        "-o",
        CONSTRAINTS,
        *sys.argv[2:],
    )
    pins = CONSTRAINTS.read_text()
    CONSTRAINTS.write_text(PIN_HEADER + pins.removeprefix(PIN_HEADER))
    ensure_venv()


if __name__ == "__main__":
    commands = {"demo": demo, "test": test, "lint": lint, "bench": bench, "pin": pin}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]]()
