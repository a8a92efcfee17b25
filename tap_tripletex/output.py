"""The tap's Singer output."""

from __future__ import annotations

import typing as t

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib import StateMessage


class TapWriter(MsgSpecWriter):
    """msgspec-encoded Singer messages, without repeated SCHEMA messages, and records of
    a whole read stamped with the run's version.

    The SDK syncs a child stream once per parent record and sends its SCHEMA each
    time: thousands of identical messages (serialising them was most of a run's time).
    A SCHEMA equal to the last one sent for its stream is left out.

    The SDK stamps records with a version only when it also sends ACTIVATE_VERSION, and
    it sends that before the records; the run's `ReadPlan` sends it after them, and
    names here the streams whose records carry its version (`versions`).
    """

    def __init__(self) -> None:
        super().__init__()
        self._schemas: dict[str, t.Any] = {}
        self.versions: dict[str, int] = {}  # stream alias -> version of this run's read
        self._last_kind: str | None = None

    def schema_sent(self, stream: str) -> bool:
        return stream in self._schemas

    def end_with_state(self, state: t.Any) -> None:
        """Write `state` unless the last message was a STATE: the SDK leaves out a STATE
        equal to the one before, even when records came in between."""
        if self._last_kind != "STATE":
            self.write_message(StateMessage(value=state))

    def write_message(self, message: t.Any) -> None:
        kind = getattr(message, "type", None)
        if kind == "RECORD":
            version = self.versions.get(message.stream)
            if version is not None:
                message.version = version
        elif kind == "SCHEMA":
            if self._schemas.get(message.stream) == message:
                return
            self._schemas[message.stream] = message
        self._last_kind = kind
        super().write_message(message)
