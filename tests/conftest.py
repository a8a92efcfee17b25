"""Shared pytest fixtures."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.meltano_support import (
    PostgresServer,
    meltano,
    postgres_bin,
    project_copy,
    skip_or_fail,
)
from tests.sdk_warnings import sdk_deprecation_warnings


def pytest_configure(config: pytest.Config) -> None:
    """Every Singer SDK deprecation warning fails the suite, from collection on (as a
    `filterwarnings` line in pyproject.toml would, had the class a public name)."""
    for category in sdk_deprecation_warnings():
        line = f"error::{category.__module__}.{category.__qualname__}"
        config.addinivalue_line("filterwarnings", line)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`../shared/tripletex` (spec and recorded traffic), relative to the project root.

    Skips when absent (a fresh clone), but fails under CI=true, where it must exist.
    """
    path = Path(__file__).resolve().parents[2] / "shared" / "tripletex"
    if not path.is_dir():
        message = f"reference material not found at {path}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repo's meltano.yml in a temp dir, its tap and targets installed once."""
    path = project_copy(tmp_path_factory.mktemp("meltano-project"))
    meltano(path, "install", "tap-tripletex", "target-postgres", "target-duckdb", "target-jsonl")
    return path


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL server (tests/meltano_support.py)."""
    bindir = postgres_bin()
    if bindir is None:
        skip_or_fail("no PostgreSQL server binaries (apt-get install postgresql-15)")
    assert bindir is not None
    try:
        server = PostgresServer(bindir)
        server.start()
    except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or exc
        skip_or_fail(f"could not start PostgreSQL from {bindir}: {detail}")
    try:
        yield server
    finally:
        server.stop()
