"""The dbt project's SQL is the same for every warehouse: what differs is in its macros."""

from __future__ import annotations

import re
from pathlib import Path

TRANSFORM = Path(__file__).resolve().parents[1] / "transform"
# SQL that only some of DuckDB, PostgreSQL and SQL Server understand.
ENGINE_ONLY = re.compile(r"->>|::|json_extract|json_value|getdate\(|strftime\(|(?<!\.)date_trunc\(")


def test_models_and_tests_use_only_cross_database_sql() -> None:
    files = [*TRANSFORM.glob("models/**/*.sql"), *TRANSFORM.glob("tests/**/*.sql")]
    assert len(files) > 25
    for file in files:
        found = ENGINE_ONLY.search(file.read_text().lower())
        assert found is None, (file.name, found and found.group())


def test_every_core_stream_has_a_staging_model() -> None:
    from tap_tripletex.resources import RESOURCES  # noqa: PLC0415

    staged = {
        f.stem.removeprefix("stg_tripletex__") for f in TRANSFORM.glob("models/staging/*.sql")
    }
    assert staged == {r.name for r in RESOURCES if r.selected_by_default}
    sources = (TRANSFORM / "models" / "staging" / "sources.yml").read_text()
    assert all(f"- name: {name}\n" in sources for name in staged)
