"""`batch_config`: BATCH files of `batch_size` records per stream and company, every
record exactly once, STATE only after the files holding what it covers, no
ACTIVATE_VERSION (rows from BATCH files carry no version)."""

from __future__ import annotations

import gzip
import json
import math
import typing as t
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

from singer_sdk.singerlib import RecordMessage, StateMessage
from tripletex_simulator import Simulator

from tap_tripletex.batches import BatchFiles
from tests.singer_run import Output, discover, run_tap, select
from tests.taputil import make_tap

SIZE = 100
CHECKED = ("order", "order_line", "project", "project_participant", "project_task", "customer")


def batch_config(folder: Path) -> dict:
    return {
        "batch_config": {
            "encoding": {"format": "jsonl", "compression": "gzip"},
            "storage": {"root": f"file://{folder}", "prefix": "batch-"},
            "batch_size": SIZE,
        }
    }


def read_batches(output: Output) -> dict[str, list[list[dict]]]:
    """Each stream's files, in order, as lists of records."""
    files: dict[str, list[list[dict]]] = {}
    for message in output.messages:
        if message["type"] != "BATCH":
            continue
        assert message["encoding"] == {"format": "jsonl", "compression": "gzip"}
        for url in message["manifest"]:
            with gzip.open(urlparse(url).path, "rt") as lines:
                files.setdefault(message["stream"], []).append([json.loads(x) for x in lines])
    return files


def sync(sim: Simulator, tmp_path: Path, **config: t.Any) -> tuple[Output, dict]:
    with sim.serve() as url:
        settings = {"api_url": url, "start_date": "2019-01-01", **config}
        catalog = discover(settings)
        default = [
            entry["tap_stream_id"]
            for entry in catalog["streams"]
            for meta in entry["metadata"]
            if meta["breadcrumb"] == [] and meta["metadata"].get("selected-by-default")
        ]
        # the default selection and a child read per parent record
        catalog = select(catalog, [*default, "project_task"])
        output = run_tap({**settings, **batch_config(tmp_path)}, catalog)
    assert output.returncode == 0, output.stderr
    return output, read_batches(output)


def check_files(sim: Simulator, files: dict, companies: list[int | None]) -> None:
    for stream in CHECKED:
        by_company: dict[t.Any, list[list[dict]]] = {}
        for batch in files.get(stream, []):
            owners = {record["company_id"] for record in batch}
            assert len(owners) == 1, f"{stream}: a file holds several companies"
            assert 0 < len(batch) <= SIZE
            by_company.setdefault(owners.pop(), []).append(batch)
        for company in companies:
            expected = sim.records(stream, company_id=company)
            company_id = company or sim.records("company")[0]["id"]
            batches = by_company.get(company_id, [])
            ids = Counter(r["id"] for batch in batches for r in batch)
            assert sorted(ids) == sorted(r["id"] for r in expected), stream
            assert max(ids.values()) == 1, f"{stream}: a record in two files"
            assert len(batches) == math.ceil(len(expected) / SIZE), stream


def test_batch_files_per_stream_and_company(tmp_path: Path) -> None:
    sim = Simulator(seed=3, size=3000)
    output, files = sync(sim, tmp_path)
    assert not [m for m in output.messages if m["type"] == "RECORD"]
    assert not [m for m in output.messages if m["type"] == "ACTIVATE_VERSION"]
    assert len(sim.records("order_line")) > SIZE  # several files, none per order
    check_files(sim, files, [None])
    assert output.messages[-1]["type"] == "STATE"


def test_batch_files_with_two_companies(tmp_path: Path) -> None:
    companies = [5200001, 5200002]
    sim = Simulator(seed=4, size=1500, companies=companies)
    _, files = sync(sim, tmp_path, all_client_companies=True)
    check_files(sim, files, list(companies))


def marks(message: dict) -> tuple:
    partitions = (message["value"].get("bookmarks", {}).get("invoice") or {}).get("partitions")
    return tuple(p.get("replication_key_value") for p in partitions or ())


def test_state_only_after_the_files_it_covers(tmp_path: Path) -> None:
    """A STATE follows the BATCH files of every record written before it in a run
    without `batch_config`: a run killed after any STATE, resumed from it, misses no
    more than a run of RECORD messages would (`invoice`'s date windows, bookmarked)."""
    sim = Simulator(seed=5, size=2000)
    with sim.serve() as url:
        plain = run_tap({"api_url": url, "start_date": "2019-01-01"})
    before: dict[tuple, set[int]] = {}  # bookmarks -> invoices emitted before them
    emitted: set[int] = set()
    for message in plain.messages:
        if message["type"] == "RECORD" and message["stream"] == "invoice":
            emitted.add(message["record"]["id"])
        elif message["type"] == "STATE":
            before.setdefault(marks(message), set(emitted))
    output, _ = sync(sim, tmp_path)
    seen: set[int] = set()
    checked = 0
    for message in output.messages:
        if message["type"] == "BATCH" and message["stream"] == "invoice":
            for url in message["manifest"]:
                with gzip.open(urlparse(url).path, "rt") as lines:
                    seen.update(json.loads(x)["id"] for x in lines)
        elif message["type"] == "STATE" and any(marks(message)):
            assert before[marks(message)] <= seen, "a STATE before the files it covers"
            checked += 1
    assert checked > 3


def test_a_state_waits_for_every_stream_holding_records_before_it(tmp_path: Path) -> None:
    """BatchFiles alone: a STATE goes out only once no stream keeps a record that came
    before it; of several STATEs ready at once only the latest."""
    settings = {**batch_config(tmp_path)["batch_config"], "batch_size": 2}
    tap = make_tap("http://127.0.0.1:9/v2", batch_config=settings)
    sent: list[t.Any] = []
    files = BatchFiles("tap-tripletex", tap.streams["customer"].batch_settings, sent.append)

    def kinds() -> list[str]:
        return [f"{m.type.value}:{getattr(m, 'stream', '') or m.value['n']}" for m in sent]

    files.add(RecordMessage("a", {"id": 1}))
    files.hold(StateMessage({"n": 1}))  # after a's record 1
    files.add(RecordMessage("b", {"id": 1}))
    files.hold(StateMessage({"n": 2}))  # after b's record 1
    files.add(RecordMessage("a", {"id": 2}))  # a full: its file; STATE 1 is ready, 2 not
    assert kinds() == ["BATCH:a", "STATE:1"]
    files.hold(StateMessage({"n": 3}))
    files.flush()  # b's file, then the latest STATE only
    assert kinds() == ["BATCH:a", "STATE:1", "BATCH:b", "STATE:3"]
