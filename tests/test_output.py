"""The tap's writer (output.py) writes records in chunks: a STATE never goes out before
the records it covers, nothing is lost to a partial write, and a signal waits for the
write under way."""

from __future__ import annotations

import json
import signal
import sys
import typing as t

import pytest
from singer_sdk.singerlib import RecordMessage, SchemaMessage, StateMessage

from tap_tripletex.errors import OutputClosedError
from tap_tripletex.output import CHUNK, TapWriter


class Pipe:
    """A stdout whose binary side takes at most `most` bytes a write, as an unbuffered
    stdout into a pipe may; `during` runs inside each write."""

    def __init__(self, most: int = sys.maxsize, during: t.Callable[[], None] = lambda: None):
        self.data = bytearray()
        self.writes = 0
        self.most = most
        self.during = during
        self.buffer = self

    def write(self, data: bytes | bytearray) -> int:
        self.writes += 1
        self.during()
        taken = bytes(data[: self.most])
        self.data += taken
        return len(taken)

    def flush(self) -> None:
        pass

    def messages(self) -> list[dict]:
        return [json.loads(line) for line in self.data.decode().splitlines()]


def record(n: int) -> RecordMessage:
    return RecordMessage(stream="s", record={"id": n, "text": "x" * 100})


def piped(monkeypatch: pytest.MonkeyPatch, out: Pipe | None = None) -> Pipe:
    """`out` as stdout, for the rest of the test (set in the test itself: pytest's
    capture replaces stdout again between a fixture's setup and the test)."""
    out = out or Pipe()
    monkeypatch.setattr(sys, "stdout", out)
    return out


def test_records_wait_for_a_chunk_and_a_state_follows_every_record_before_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipe = piped(monkeypatch)
    writer = TapWriter()
    writer.write_message(SchemaMessage("s", {"properties": {"id": {"type": "integer"}}}, ["id"]))
    assert pipe.writes == 1  # a SCHEMA goes out at once
    for n in range(10):
        writer.write_message(record(n))
    assert pipe.writes == 1  # ten small records are kept
    writer.write_message(StateMessage(value={"bookmarks": {"s": {"n": 9}}}))
    assert pipe.writes == 2  # the STATE and the records before it, in one write
    kinds = [m["type"] for m in pipe.messages()]
    assert kinds == ["SCHEMA", *["RECORD"] * 10, "STATE"]
    assert [m["record"]["id"] for m in pipe.messages() if m["type"] == "RECORD"] == list(range(10))


def test_a_chunk_of_records_is_written_without_waiting_for_a_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipe = piped(monkeypatch)
    writer = TapWriter()
    n = 0
    while pipe.writes == 0:
        writer.write_message(record(n))
        n += 1
    sizes = [len(writer.format_message(record(i))) for i in range(n)]
    assert sum(sizes[:-1]) < CHUNK <= sum(sizes)  # the record that fills the chunk writes it
    assert len(pipe.messages()) == n


def test_a_partial_write_loses_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    out = piped(monkeypatch, Pipe(most=7))
    writer = TapWriter()
    for n in range(50):
        writer.write_message(record(n))
    writer.end_with_state({"bookmarks": {}})
    messages = out.messages()
    assert [m["record"]["id"] for m in messages[:-1]] == list(range(50))
    assert messages[-1]["type"] == "STATE"


def test_a_signal_during_a_write_waits_for_it_to_end(monkeypatch: pytest.MonkeyPatch) -> None:
    writer = TapWriter()
    seen: list[int] = []  # bytes written when the handler ran

    def during() -> None:
        if out.writes == 1:
            assert writer.defer(signal.SIGUSR1)  # the tap's handler, in a write: held back

    out = piped(monkeypatch, Pipe(most=100, during=during))
    monkeypatch.setattr(signal, "raise_signal", lambda signum: seen.append(len(out.data)))
    for n in range(20):
        writer.write_message(record(n))
    assert not seen
    writer.write_message(StateMessage(value={}))
    total = len(out.data)
    assert out.writes > 2  # the write took several calls; the signal came in the first
    assert seen == [total]  # raised again once, after every byte was written
    assert not writer.defer(signal.SIGUSR1)  # between writes a signal stops the run at once


def test_a_second_signal_is_not_held_back(monkeypatch: pytest.MonkeyPatch) -> None:
    writer = TapWriter()
    answers: list[bool] = []

    def during() -> None:
        if not answers:
            answers.extend([writer.defer(signal.SIGTERM), writer.defer(signal.SIGTERM)])

    piped(monkeypatch, Pipe(during=during))
    monkeypatch.setattr(signal, "raise_signal", lambda signum: None)
    writer.write_message(StateMessage(value={}))
    assert answers == [True, False]


def test_a_closed_output_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    class Closed(Pipe):
        def write(self, data: bytes | bytearray) -> int:
            raise BrokenPipeError

    piped(monkeypatch, Closed())
    writer = TapWriter()
    writer.write_message(record(1))
    with pytest.raises(OutputClosedError):
        writer.write_message(StateMessage(value={}))
