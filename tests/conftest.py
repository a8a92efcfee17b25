"""Shared pytest fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


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
