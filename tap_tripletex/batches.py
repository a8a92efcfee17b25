"""BATCH messages: a run's records in files of `batch_config.batch_size` records each.

The SDK batches per sync of a stream, and syncs a child stream once per parent record:
one file per order for `order_line`, per project for `project_participant`. Here the
SDK writes RECORD messages as in any run (`TripletexStream.get_batch_config` is None);
the tap's writer (`TapWriter`) keeps each stream's records instead, and writes a file
with the SDK's encoder (`singer_sdk.batch.Batcher`) and a BATCH message each time a
stream holds `batch_size` of them, and when a top-level stream has read a company (its
children's with it: `end_of_company`). A file holds one stream of one company.

A STATE message is held back until every record that came before it is in a file named
by a BATCH message already sent: a target that keeps the state it last saw never skips
rows it has not received.

BATCH files carry records only. Targets built on the SDK load them without
`_sdc_table_version`, and target-postgres's ACTIVATE_VERSION deletes rows without one
(`hard_delete`) or marks them deleted: so a run with `batch_config` sends no
ACTIVATE_VERSION (as `emit_activate_version_messages: false`; readplan.py), and rows
deleted in Tripletex stay in the warehouse until a run without `batch_config` reads
them whole.
"""

from __future__ import annotations

import copy
import typing as t
from collections import deque
from dataclasses import dataclass, field

from singer_sdk.batch import Batcher
from singer_sdk.singerlib import Message, SingerMessageType, StateMessage

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from singer_sdk.singerlib import RecordMessage


@dataclass
class BatchMessage(Message):
    """`{"type": "BATCH", "stream", "encoding", "manifest"}` (the SDK's BATCH message)."""

    stream: str
    encoding: dict[str, t.Any]
    manifest: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.type = SingerMessageType.BATCH


class BatchFiles:
    """The records a run has not yet written to files, and the STATEs waiting for them.

    `config` is the SDK's `BatchConfig` (its `encoding`, `storage`, `batch_size`);
    `send` writes a message to the output.
    """

    def __init__(self, tap_name: str, config: t.Any, send: Callable[[Message], None]) -> None:
        self.config = config
        self.size = int(config.batch_size)
        self._tap_name = tap_name
        self._send = send
        self._records: dict[str, list[dict]] = {}  # stream alias -> records not in a file
        self._first: dict[str, int] = {}  # stream alias -> number of its first record kept
        self._count = 0  # records received
        self._states: deque[tuple[int, StateMessage]] = deque()  # (records before it, STATE)
        self.files: dict[str, int] = {}  # stream alias -> files written

    def add(self, message: RecordMessage) -> None:
        """Keep a record; a stream holding `batch_size` records goes to a file."""
        self._count += 1
        kept = self._records.setdefault(message.stream, [])
        if not kept:
            self._first[message.stream] = self._count
        kept.append(message.record)
        if len(kept) >= self.size:
            self._write(message.stream)
            self._release()

    def hold(self, message: StateMessage) -> None:
        """A STATE, sent once every record before it is in a file."""
        value = copy.deepcopy(message.value)  # the SDK passes the live state
        if self._states and self._states[-1][0] == self._count:
            self._states.pop()  # no record in between: the later one says it all
        self._states.append((self._count, StateMessage(value=value)))
        self._release()

    def flush(self) -> None:
        """Every record kept to files (a company's read ended, or the run's output ends),
        then the STATE that came last."""
        for stream in list(self._records):
            self._write(stream)
        self._release()

    def _write(self, stream: str) -> None:
        records = self._records.pop(stream, [])
        self._first.pop(stream, None)
        if not records:
            return
        encoding = self.config.encoding
        batcher = Batcher(tap_name=self._tap_name, stream_name=stream, batch_config=self.config)
        for manifest in batcher.get_batches(records=iter(records)):
            self.files[stream] = self.files.get(stream, 0) + 1
            self._send(
                BatchMessage(
                    stream,
                    {"format": encoding.format, "compression": encoding.compression},
                    manifest,
                )
            )

    def _release(self) -> None:
        """Send the latest STATE whose records are all in files; drop older ones."""
        pending = min(self._first.values(), default=self._count + 1)  # first not in a file
        ready = None
        while self._states and self._states[0][0] < pending:
            ready = self._states.popleft()[1]
        if ready is not None:
            self._send(ready)
