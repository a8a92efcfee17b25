"""Replication strategies: the table names one per stream, nonsense is refused when the
table is built, and each strategy owns its key, fields, schema, records and wording."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
import typing as t
from pathlib import Path
from types import SimpleNamespace

import pytest
from tripletex_simulator import Simulator

from tap_tripletex.errors import TableError
from tap_tripletex.resources import BY_NAME, RESOURCES, Resource, table
from tap_tripletex.strategies import (
    ChangedSince,
    DateWindows,
    FullTable,
    Inline,
    OnePerCompany,
    PerParent,
)
from tap_tripletex.streams import KINDS
from tests.singer_run import EXECUTABLE, discover, run_tap, select
from tests.taputil import TOKENS

DATES = ("dateFrom", "dateTo")

NONSENSE: dict[str, t.Callable[[], Resource]] = {
    "one object with list parameters": lambda: Resource(
        "/x", OnePerCompany(), params=(("a", "b"),)
    ),
    "one object with a key of its own": lambda: Resource("/x", OnePerCompany(), key=("name",)),
    "one object as of a date": lambda: Resource("/x", OnePerCompany(), as_of="date"),
    "a date range of one parameter": lambda: Resource("/x", DateWindows(("d", "d"), "date")),
    "a window parameter also fixed": lambda: Resource(
        "/x", DateWindows(DATES, "date"), params=(("dateFrom", "2020-01-01"),)
    ),
    "monthly windows without a date": lambda: Resource("/x", DateWindows(DATES, monthly=True)),
    "date windows as of a date": lambda: Resource("/x", DateWindows(DATES, "d"), as_of="date"),
    "changed since as of a date": lambda: Resource("/x", ChangedSince(), as_of="date"),
    "a child of itself": lambda: Resource("/x", PerParent("x", "xId")),
    "lines without parents": lambda: Resource("/x", Inline((), "lines")),
    "lines with request parameters": lambda: Resource(
        "/x", Inline(("order",), "lines"), params=(("a", "b"),)
    ),
    "lines sorted": lambda: Resource("/x", Inline(("order",), "lines"), sorting="id"),
    "the old fields": lambda: Resource("/x", DATES),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("case", sorted(NONSENSE))
def test_a_nonsense_entry_is_refused_when_the_table_is_built(case: str) -> None:
    with pytest.raises(TableError, match="/x"):
        NONSENSE[case]()


def test_the_table_as_a_whole_is_checked() -> None:
    with pytest.raises(TableError, match="second stream named x"):
        table((Resource("/x"), Resource("/x", ChangedSince())))
    with pytest.raises(TableError, match="parent nowhere is not in the table"):
        table((Resource("/x", PerParent("nowhere", "nowhereId")),))


def test_every_entry_names_a_strategy_with_a_stream_kind() -> None:
    for r in RESOURCES:
        assert r.replication.kind in KINDS, r.name
    assert isinstance(BY_NAME["currency"].replication, FullTable)  # the default


def test_each_strategy_owns_its_key_fields_and_schema() -> None:
    changed, dated, whole = ChangedSince(), DateWindows(DATES, "date"), FullTable()
    assert (changed.replication_key, dated.replication_key, whole.replication_key) == (
        "last_changed_at",
        "date",
        None,
    )
    assert (changed.fields, dated.fields) == (("changes",), ())
    spec = {"id": {}, "changes": {"type": ["array", "null"]}}
    assert list(changed.schema_properties(dict(spec))) == ["id", "changes", "last_changed_at"]
    assert list(dated.schema_properties(dict(spec))) == ["id"]
    assert PerParent("project", "projectId").added == ("project_id",)
    assert PerParent("project", "projectId").url_params({"project_id": 7}) == {"projectId": 7}
    assert dated.url_params({"window": ("2020-01-01", "2020-02-01")}) == {
        "dateFrom": "2020-01-01",
        "dateTo": "2020-02-01",
    }


def test_the_readme_wording_is_the_strategys() -> None:
    assert BY_NAME["customer"].replication.wording(BY_NAME).startswith("change time")
    assert BY_NAME["order_line"].replication.wording(BY_NAME).startswith("with its parents")
    assert BY_NAME["project_participant"].replication.wording(BY_NAME) == (
        "full table, inside `project`"
    )
    assert BY_NAME["invoice_details"].replication.wording(BY_NAME).startswith("full table, in")


def test_changed_since_drops_what_changed_before_its_floor() -> None:
    stream = SimpleNamespace(change_floor="2026-03-01T00:00:00+00:00")
    old = {"changes": [{"timestamp": "2026-02-01T10:00:00"}]}
    new = {"changes": [{"timestamp": "2026-02-01T10:00:00"}, {"timestamp": "2026-03-02T10:00"}]}
    strategy = ChangedSince()
    assert strategy.post_process(stream, old, {}) is None  # type: ignore[arg-type]
    kept = strategy.post_process(stream, new, {})  # type: ignore[arg-type]
    assert kept is not None and kept["last_changed_at"] == "2026-03-02T09:00:00+00:00"


def test_bookmarks_are_the_strategies_alone() -> None:
    """No STATE carries the SDK's progress markers; a change-time stream bookmarks the
    run's start even for a company where nothing changed since its last run."""
    sim = Simulator(seed=5, size=300)
    with sim.serve() as url:
        config = {"api_url": url, "start_date": "2019-01-01", "window_days": 365}
        catalog = select(discover(config), ["customer", "invoice"])
        first = run_tap(config, catalog)
        time.sleep(1.1)  # bookmarks are whole seconds: the second run starts in a later one
        second = run_tap(config, catalog, state=first.final_state)
    for output in (first, second):
        assert output.returncode == 0, output.stderr
        assert all("progress_markers" not in str(state) for state in output.states)
    assert second.records("customer") == []  # quiet: nothing changed since the first run
    before, after = (
        o.final_state["bookmarks"]["customer"]["partitions"][0]["replication_key_value"]
        for o in (first, second)
    )
    assert after > before  # the second run's start


def test_the_connection_test_begins_its_run_before_any_output() -> None:
    """`--test` checks the settings and companies (`Tap.begin_run`) before the SDK's
    connection test writes anything: a wrong company_id is one line, and no SCHEMA."""
    sim = Simulator(seed=5, size=100)
    with sim.serve() as url, tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.json"
        config.write_text(json.dumps({**TOKENS, "api_url": url, "company_id": 999}))
        probe = subprocess.run(
            [EXECUTABLE, "--config", str(config), "--test"],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    assert probe.returncode == 1
    assert probe.stdout == ""
    assert "company_id 999" in probe.stderr
