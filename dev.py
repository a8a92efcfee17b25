"""Developer entry point that needs nothing but Python >= 3.10.

    python3 dev.py demo   # simulator -> tap-tripletex -> Meltano -> target-duckdb
    python3 dev.py test   # the test suite, exactly as CI runs it

Both create `.venv` on first use and install the pinned dependencies into it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
DEMO_DB = ROOT / "output" / "tripletex.duckdb"
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
    ok, stamp, digest = stamp_ok("deps", ROOT / "pyproject.toml", CONSTRAINTS)
    if not ok:
        run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(PYTHON, "-m", "pip", "install", "--quiet", "-c", CONSTRAINTS, "-e", ".[dev]")
        stamp.write_text(digest)


def demo() -> None:
    ensure_venv()
    env = {**os.environ, **SIM_TOKENS, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}
    ok, stamp, digest = stamp_ok("meltano", ROOT / "meltano.yml")
    if not ok:
        run(BIN / "meltano", "install", env=env)
        stamp.write_text(digest)
    simulator = subprocess.Popen(
        [str(PYTHON), "-m", "tap_tripletex.simulator", "--port", "0", "--size", "20000"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert simulator.stdout is not None
        api_url = simulator.stdout.readline().split()[3]
        env["TAP_TRIPLETEX_API_URL"] = api_url
        DEMO_DB.parent.mkdir(exist_ok=True)
        run(BIN / "meltano", "run", "tap-tripletex", "target-duckdb", env=env)
    finally:
        simulator.terminate()
        simulator.wait()
    loader_python = ROOT / ".meltano" / "loaders" / "target-duckdb" / "venv" / BIN.name / "python"
    run(loader_python, "-c", SHOW_TABLES, DEMO_DB)


SHOW_TABLES = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
tables = con.execute(
    "select table_name from information_schema.tables "
    "where table_schema = 'tripletex' order by table_name").fetchall()
for (name,) in tables:
    count = con.execute(f'select count(*) from tripletex."{name}"').fetchone()[0]
    print(f"{name:28} {count:>8} rows")
print(f"DuckDB file: {sys.argv[1]}")
"""


def test() -> None:
    ensure_venv()
    sys.exit(subprocess.call([str(PYTHON), "-m", "pytest", *sys.argv[2:]], cwd=ROOT))


if __name__ == "__main__":
    commands = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]]()
