"""Helpers for the Meltano end-to-end tests: meltano subprocesses, a throwaway PostgreSQL
server, and a Python 3.10 for target-mssql."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import typing as t
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MELTANO = str(BIN / "meltano")
# The simulator accepts these made-up tokens; they are not Tripletex secrets.
SIM_TOKENS = {
    "TAP_TRIPLETEX_CONSUMER_TOKEN": "sim-consumer",
    "TAP_TRIPLETEX_EMPLOYEE_TOKEN": "sim-employee",
}
IN_CI = os.environ.get("CI") == "true"


def skip_or_fail(message: str) -> None:
    """Skip outside CI; under CI=true a missing prerequisite is a failure."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def python310() -> str | None:
    """A working Python 3.10 (target-mssql 0.2.1 needs Python < 3.11)."""
    candidates = [shutil.which("python3.10") or ""]
    for pattern in (
        "~/.pyenv/versions/3.10*/bin/python3.10",
        "~/.local/bin/python3.10",  # `uv python install 3.10`
        "~/.local/share/uv/python/cpython-3.10*/bin/python3.10",
    ):
        candidates += sorted(glob.glob(os.path.expanduser(pattern)))
    candidates += ["/usr/local/bin/python3.10", "/usr/bin/python3.10"]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            probe = subprocess.run(
                [candidate, "-c", "import sys, venv; print(sys.version_info[:2])"],
                capture_output=True,
                text=True,
                check=False,
            )
            if probe.returncode == 0 and probe.stdout.strip() == "(3, 10)":
                return candidate
    return None


def meltano_env(**extra: str) -> dict[str, str]:
    """The environment for `meltano`: no usage stats, no Hub (an unroutable URL, so any
    Hub lookup fails loudly), uv venvs, and no TAP_/TARGET_ settings leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_TRIPLETEX_", "TARGET_"))}
    env.update(
        MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
        MELTANO_HUB_URL="http://127.0.0.1:9/hub",
        MELTANO_VENV_BACKEND="uv",
        MELTANO_CLI_LOG_LEVEL="warning",
        PATH=os.pathsep.join([str(BIN), env.get("PATH", "")]),
    )
    py310 = python310()
    if py310:  # `python: python3.10` on target-mssql resolves through PATH
        env["PATH"] = os.pathsep.join([str(Path(py310).parent), env["PATH"]])
    env.update(extra)
    return env


def meltano(
    project: Path,
    *args: str,
    env: dict[str, str] | None = None,
    check: bool = True,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run `meltano ARGS` in `project`; on failure the assertion shows the output's tail."""
    done = subprocess.run(
        [MELTANO, *args],
        cwd=project,
        env=env or meltano_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
        raise AssertionError(f"meltano {' '.join(args)} exited {done.returncode}:\n{tail}")
    return done


def project_copy(dest: Path) -> Path:
    """This repo's Meltano project (meltano.yml and the dbt project in transform/), with
    the tap installed from this checkout, in `dest`."""
    config = yaml.safe_load((ROOT / "meltano.yml").read_text())
    for plugin in config["plugins"]["extractors"]:
        if plugin.get("pip_url") == "-e .":
            plugin["pip_url"] = f"-e {ROOT}"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "meltano.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    (dest / "output").mkdir(exist_ok=True)
    ignore = shutil.ignore_patterns("target", "logs", "dbt_packages")
    shutil.copytree(ROOT / "transform", dest / "transform", ignore=ignore, dirs_exist_ok=True)
    return dest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_bin() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresServer:
    """A PostgreSQL cluster in a temp dir, on a free port, socket in the temp dir; run as
    the `postgres` user when we are root (postgres refuses to run as root)."""

    user = "postgres"
    password = "tripletex-test"  # a throwaway cluster's superuser

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="tt-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            for name in ("postgres", "nobody"):
                if runuser and _user_exists(name):
                    self.as_user = [runuser, "-u", name, "--"]
                    shutil.chown(self.dir, user=name)
                    break
            else:
                raise RuntimeError("running as root with no postgres user to run the server as")

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, text=True)

    def start(self) -> None:
        pwfile = self.dir / "pw"
        pwfile.write_text(self.password)
        if self.as_user:
            shutil.chown(pwfile, user=self.as_user[2])
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--pwfile",
            str(pwfile),
            "-A",
            "scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        self.psql("create database tripletex", database="postgres")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)

    def psql(self, sql: str, database: str = "tripletex") -> list[list[str]]:
        """Rows of the last statement, as strings (tab separated, unaligned)."""
        done = subprocess.run(
            [
                str(self.bindir / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                database,
                "-X",
                "-A",
                "-t",
                "-F",
                "\t",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ],
            env={**os.environ, "PGPASSWORD": self.password},
            capture_output=True,
            text=True,
            check=True,
        )
        return [line.split("\t") for line in done.stdout.splitlines() if line]

    def target_env(self) -> dict[str, str]:
        return {
            "TARGET_POSTGRES_HOST": "127.0.0.1",
            "TARGET_POSTGRES_PORT": str(self.port),
            "TARGET_POSTGRES_USER": self.user,
            "TARGET_POSTGRES_PASSWORD": self.password,
            "TARGET_POSTGRES_DATABASE": "tripletex",
        }


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def discover() -> dict[str, t.Any]:
    """`tap-tripletex --discover`: every stream, selected by default or not."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.json"
        config.write_text(
            json.dumps(
                {
                    "consumer_token": "sim-consumer",
                    "employee_token": "sim-employee",
                    "api_url": "http://127.0.0.1:9/v2",  # discovery makes no request
                }
            )
        )
        out = subprocess.run(
            [sys.executable, "-m", "tap_tripletex", "--config", str(config), "--discover"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
    return json.loads(out.stdout)
