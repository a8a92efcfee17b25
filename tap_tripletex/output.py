"""The tap's Singer output."""

from __future__ import annotations

import signal
import sys
import typing as t

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.mapper import RemoveRecordTransform
from singer_sdk.singerlib import ActivateVersionMessage, SchemaMessage, StateMessage

from tap_tripletex.batches import BatchFiles
from tap_tripletex.errors import OutputClosedError

if t.TYPE_CHECKING:
    from singer_sdk import Stream


CHUNK = 64 * 1024  # bytes of records written at once


class TapWriter(MsgSpecWriter):
    """msgspec-encoded Singer messages, without repeated SCHEMA messages, and records of
    a whole read stamped with the run's version.

    The SDK syncs a child stream once per parent record and sends its SCHEMA each
    time: thousands of identical messages (serialising them was most of a run's time).
    A SCHEMA equal to the last one sent for its stream is left out.

    The SDK stamps records with a version only when it also sends ACTIVATE_VERSION, and
    it sends that before the records; the run's `ReadPlan` sends it after them, and
    names here the streams whose records carry its version (`versions`).

    With `batch_config`, records go to batch files instead (`batching`, batches.py).

    Records are written in chunks of `CHUNK` bytes, every other message at once with
    the records before it: a write per record (the SDK's, and under PYTHONUNBUFFERED a
    system call each) took a third of a CPU-bound run, handing the GIL to the threads
    reading pages at every record. A STATE never goes out before the records it covers.
    """

    def __init__(self) -> None:
        super().__init__()
        self._schemas: dict[str, t.Any] = {}
        self.versions: dict[str, int] = {}  # stream alias -> version of this run's read
        self._last_kind: str | None = None
        self.batching: BatchFiles | None = None
        self._last_state: t.Any = None
        self._pending = bytearray()  # records not written yet
        self._writing = False
        self._deferred: int | None = None  # a signal that came during a write

    def batch(self, tap_name: str, config: t.Any) -> None:
        """From now on, records go to batch files of `config` (the SDK's BatchConfig)."""
        self.batching = BatchFiles(tap_name, config, self.send)

    def end_of_company(self) -> None:
        """A top-level stream has read a company: the records kept go to files."""
        if self.batching is not None:
            self.batching.flush()

    def stamp(self, stream: Stream, version: int) -> None:
        """From now on, records of `stream` (under every alias) carry `version`."""
        for stream_map in _maps(stream):
            self.versions[stream_map.stream_alias] = version

    def activate(self, stream: Stream, version: int) -> None:
        """ACTIVATE_VERSION for every alias of `stream`, after its SCHEMA (which lines of
        parents that had none have not had yet)."""
        for stream_map in _maps(stream):
            alias = stream_map.stream_alias
            if alias not in self._schemas:
                keys = [stream.replication_key] if stream.replication_key else None
                self.write_message(
                    SchemaMessage(
                        alias,
                        stream_map.transformed_schema,
                        stream_map.transformed_key_properties,
                        keys,
                    )
                )
            self.write_message(ActivateVersionMessage(alias, version))

    def end_with_state(self, state: t.Any) -> None:
        """Write `state` unless the last message was a STATE: the SDK leaves out a STATE
        equal to the one before, even when records came in between."""
        if self.batching is not None:
            self.batching.flush()  # then the latest STATE held for them
        held = self.batching is not None and self._last_state != state
        if self._last_kind != "STATE" or held:
            self.write_message(StateMessage(value=state))

    def write_message(self, message: t.Any) -> None:
        kind = getattr(message, "type", None)
        if self.batching is not None and kind in ("RECORD", "STATE"):
            if kind == "RECORD":
                self.batching.add(message)
            else:
                self.batching.hold(message)
            return
        self.send(message)

    def send(self, message: t.Any) -> None:
        """Write `message` now."""
        kind = getattr(message, "type", None)
        if kind == "RECORD":
            version = self.versions.get(message.stream)
            if version is not None:
                message.version = version
        elif kind == "SCHEMA":
            if self._schemas.get(message.stream) == message:
                return
            self._schemas[message.stream] = message
        elif kind == "STATE":
            self._last_state = message.value
        self._last_kind = None  # a signal may cut in before it is noted: then it is unknown
        self._pending += self.format_message(message)
        if kind != "RECORD" or len(self._pending) >= CHUNK:
            self.flush()
        self._last_kind = kind

    def flush(self) -> None:
        """Write the messages kept. A SIGINT or SIGTERM arriving meanwhile waits for the
        write to end (`defer`): cut in between, lines would go out twice or in part."""
        out = sys.stdout.buffer
        self._writing = True
        try:
            while self._pending:  # an unbuffered stdout may take part of it
                del self._pending[: out.write(self._pending) or 0]
            sys.stdout.flush()
        except BrokenPipeError:
            self._pending.clear()  # nothing reads it any more
            raise OutputClosedError from None
        finally:
            self._writing = False
        if self._deferred is not None:
            signum, self._deferred = self._deferred, None
            signal.raise_signal(signum)  # its handler stops the run now

    def defer(self, signum: int) -> bool:
        """True when a write is under way: the signal is raised again once it ended. A
        second signal is not held back."""
        if self._writing and self._deferred is None:
            self._deferred = signum
            return True
        return False


def _maps(stream: Stream) -> list[t.Any]:
    return [m for m in stream.stream_maps if not isinstance(m, RemoveRecordTransform)]
