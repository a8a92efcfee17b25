"""Run the installed `tap-tripletex` executable and read its Singer output."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from tests.taputil import TOKENS

EXECUTABLE = str(Path(sys.executable).with_name("tap-tripletex"))


@dataclass
class Output:
    returncode: int
    stderr: str
    messages: list[dict] = field(default_factory=list)

    def records(self, stream: str) -> list[dict]:
        return [
            m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream
        ]

    @property
    def states(self) -> list[dict]:
        return [m["value"] for m in self.messages if m["type"] == "STATE"]

    @property
    def final_state(self) -> dict:
        return self.states[-1] if self.states else {}


def write_json(folder: Path, name: str, data: t.Any) -> str:
    path = folder / name
    path.write_text(json.dumps(data))
    return str(path)


def discover(config: dict) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = write_json(Path(tmp), "config.json", {**TOKENS, **config})
        out = subprocess.run(
            [EXECUTABLE, "--config", cfg, "--discover"],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(out.stdout)


def select(catalog: dict, names: t.Iterable[str]) -> dict:
    wanted = set(names)
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in wanted
    return catalog


def run_tap(
    config: dict,
    catalog: dict | None = None,
    state: dict | None = None,
    stop: t.Callable[[dict], bool] | None = None,
) -> Output:
    """Sync; `stop(message)` returning True kills the tap right after that message."""
    with tempfile.TemporaryDirectory() as tmp:
        args = [EXECUTABLE, "--config", write_json(Path(tmp), "config.json", {**TOKENS, **config})]
        if catalog is not None:
            args += ["--catalog", write_json(Path(tmp), "catalog.json", catalog)]
        if state is not None:
            args += ["--state", write_json(Path(tmp), "state.json", state)]
        err_path = Path(tmp) / "stderr"
        with err_path.open("w") as err:
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, text=True)
            assert proc.stdout is not None
            messages = []
            for line in proc.stdout:
                message = json.loads(line)
                messages.append(message)
                if stop is not None and stop(message):
                    proc.kill()
                    break
            proc.wait()
        return Output(proc.returncode, err_path.read_text(), messages)


def upsert(*outputs: Output, stream: str) -> dict[tuple[int, int], dict]:
    """Records of `stream` across runs, the later run winning per key."""
    table: dict[tuple[int, int], dict] = {}
    for output in outputs:
        for record in output.records(stream):
            table[(record["company_id"], record["id"])] = record
    return table
