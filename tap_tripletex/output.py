"""The tap's Singer output."""

from __future__ import annotations

import typing as t

from singer_sdk.contrib.msgspec import MsgSpecWriter


class TapWriter(MsgSpecWriter):
    """msgspec-encoded Singer messages, without repeated SCHEMA messages.

    The SDK syncs a child stream once per parent record and sends its SCHEMA each
    time: thousands of identical messages (serialising them was most of a run's time).
    A SCHEMA equal to the last one sent for its stream is left out.
    """

    def __init__(self) -> None:
        super().__init__()
        self._schemas: dict[str, t.Any] = {}

    def write_message(self, message: t.Any) -> None:
        if getattr(message, "type", None) == "SCHEMA":
            if self._schemas.get(message.stream) == message:
                return
            self._schemas[message.stream] = message
        super().write_message(message)
