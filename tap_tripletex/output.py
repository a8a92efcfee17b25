"""The tap's Singer output."""

from __future__ import annotations

import typing as t

from singer_sdk.contrib.msgspec import MsgSpecWriter

from tap_tripletex.errors import OutputClosedError

# The SDK's note in an incremental stream's progress markers. It is not true here: date
# windows are checkpointed and change-time streams bookmark the run's start, so a killed
# run resumes exactly.
NOTE = "Note"


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
        kind = getattr(message, "type", None)
        if kind == "SCHEMA":
            if self._schemas.get(message.stream) == message:
                return
            self._schemas[message.stream] = message
        elif kind == "STATE":
            message.value = without_notes(message.value)
        try:
            super().write_message(message)
        except BrokenPipeError:
            raise OutputClosedError from None


def without_notes(state: t.Any) -> t.Any:
    """`state` without the SDK's note in progress markers (a copy; the SDK's own state
    is left alone)."""
    bookmarks = state.get("bookmarks") if isinstance(state, dict) else None
    if not isinstance(bookmarks, dict):
        return state
    return {**state, "bookmarks": {name: _bookmark(b) for name, b in bookmarks.items()}}


def _bookmark(bookmark: t.Any) -> t.Any:
    clean = _entry_without_note(bookmark)
    parts = clean.get("partitions") if isinstance(clean, dict) else None
    if not isinstance(parts, list):
        return clean
    return {**clean, "partitions": [_entry_without_note(part) for part in parts]}


def _entry_without_note(entry: t.Any) -> t.Any:
    markers = entry.get("progress_markers") if isinstance(entry, dict) else None
    if not isinstance(markers, dict) or NOTE not in markers:
        return entry
    return {**entry, "progress_markers": {k: v for k, v in markers.items() if k != NOTE}}
