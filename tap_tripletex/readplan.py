"""Which streams a run reads whole, and when a target may drop what a whole read missed.

Tripletex lists never show deletions. A target learns of them from ACTIVATE_VERSION: the
records of a read that returned every row carry the run's version, and once the read is
complete ACTIVATE_VERSION tells the target that older rows are gone (target-postgres
deletes them, or marks them deleted). The SDK sends it before the first record, so a run
that fails midway would leave only the rows read before the failure; the tap sends it
itself, after the last record of a read that completed for every company of the run.

Full-table streams are read whole every run. Incremental streams (date windows, change
time) are read whole when some company of the run has no bookmark for them (the first
run, `--full-refresh`) or read them whole longer than `full_read_interval_days` ago; all
their other runs are partial and activate nothing. A whole read that a killed or failed
run left unfinished is finished by the next run, from the last window it completed and
with the version the rows it loaded carry. Lines read inside their parents are whole
when every parent is, and parents that share such lines are read whole together.
"""

from __future__ import annotations

import typing as t
from datetime import date, datetime, timedelta, timezone

from singer_sdk.mapper import RemoveRecordTransform
from singer_sdk.singerlib import ActivateVersionMessage, SchemaMessage

from tap_tripletex.replication import parse_instant, utc_iso

if t.TYPE_CHECKING:
    from collections.abc import Mapping

    from singer_sdk import Stream, Tap

    from tap_tripletex.companies import Companies
    from tap_tripletex.output import TapWriter

FULL_READ_AT = "last_full_read"  # partition state: when its last whole read began (UTC)
PENDING = "full_read"  # partition state: a whole read under way {version, started, through}
DEFAULT_FULL_READ_INTERVAL_DAYS = 7


def partition_state(state: Mapping[str, t.Any], stream: str, company_id: int) -> dict:
    """A company's saved state for a stream (read only; {} when there is none)."""
    bookmarks = state.get("bookmarks") or {}
    for partition in (bookmarks.get(stream) or {}).get("partitions") or ():
        if (partition.get("context") or {}).get("company_id") == company_id:
            return dict(partition)
    return {}


class ReadPlan:
    """One run's plan: streams read whole, the version each one's records carry, and
    the companies each top-level stream completed."""

    def __init__(self, tap: Tap, writer: TapWriter) -> None:
        self._tap = tap
        self._writer = writer
        self.version = tap.initialized_at  # milliseconds: later runs get larger versions
        self.started = utc_iso(datetime.fromtimestamp(tap.initialized_at / 1000, timezone.utc))
        self.companies: tuple[int, ...] = ()
        self.versions: dict[str, int] = {}  # stream -> version, for streams read whole
        self._failures: Mapping[int, str] = {}
        self._done: dict[str, set[int]] = {}
        self._incomplete: set[str] = set()
        self._activated: set[str] = set()

    @property
    def _streams(self) -> Mapping[str, Stream]:
        return self._tap.streams

    def begin(self, companies: Companies, state: Mapping[str, t.Any]) -> None:
        """Decide, before any stream is read, which streams this run reads whole."""
        self.companies = tuple(companies.ids())
        self._failures = companies.failures
        interval = int(
            self._tap.config.get("full_read_interval_days", DEFAULT_FULL_READ_INTERVAL_DAYS)
        )
        synced = [s for s in self._streams.values() if s.selected or s.has_selected_descendents]
        versions = {s.name: v for s in synced if (v := self._due(s, state, interval))}
        # Parents whose lines are read inside them are whole together, so the lines are.
        for stream in synced:
            parents = _parents(stream)
            if any(p in versions for p in parents if self._streams[p].replication_key):
                versions.update({p: versions.get(p, self.version) for p in parents})
            if parents and all(p in versions for p in parents):
                versions[stream.name] = min(versions[p] for p in parents)
        self.versions = versions
        if self._tap.config.get("emit_activate_version_messages", True):
            for name, version in versions.items():
                if self._streams[name].selected:
                    self._writer.versions.update(
                        dict.fromkeys(_aliases(self._streams[name]), version)
                    )

    def reads_whole(self, stream: Stream) -> bool:
        return stream.name in self.versions

    def _due(self, stream: Stream, state: Mapping[str, t.Any], interval: int) -> int | None:
        """The version of the whole read this run makes of `stream`, or None: a whole read
        left unfinished keeps its version (the rows it loaded carry it)."""
        if not stream.replication_key:
            return None if _parents(stream) else self.version  # lines follow their parents
        saved = [partition_state(state, stream.name, c) for c in self.companies]
        unfinished = [p[PENDING]["version"] for p in saved if PENDING in p]
        if unfinished:
            return min(int(v) for v in unfinished)
        oldest = parse_instant(self.started) - timedelta(days=interval)
        for partition in saved:
            last = partition.get(FULL_READ_AT)
            if not partition.get("replication_key_value") or (
                interval and (not last or parse_instant(str(last)) <= oldest)
            ):
                return self.version
        return None

    # a company's whole read of an incremental stream ------------------------------------

    def whole_read_from(self, stream: Stream, company_id: int) -> date | None:
        """Where a company's whole read of `stream` goes on from (None: from the start),
        marking it begun in the state, so that a killed run's next run finishes it."""
        if not (stream.selected and self.reads_whole(stream)):
            return None
        state = stream.get_context_state({"company_id": company_id})
        pending = state.setdefault(
            PENDING, {"version": self.versions[stream.name], "started": self.started}
        )
        through = pending.get("through")
        return date.fromisoformat(through) + timedelta(days=1) if through else None

    def window_done(self, stream: Stream, state: dict, last_day: str) -> bool:
        """A window of a whole read is complete; True if that moved the state."""
        pending = state.get(PENDING)
        if pending is None or str(pending.get("through") or "") >= last_day:
            return False
        pending["through"] = last_day
        return True

    # progress ----------------------------------------------------------------------

    def skipped(self, stream: Stream, company_id: int) -> None:
        """A company's read of `stream` did not complete (refused, not available)."""
        self._incomplete.add(stream.name)

    def partition_done(self, stream: Stream, company_id: int) -> None:
        """A top-level stream finished a company. Once it has finished every company
        with no failure anywhere, its whole read and its children's are activated."""
        if stream.selected and stream.replication_key and self.reads_whole(stream):
            state = stream.get_context_state({"company_id": company_id})
            pending = state.pop(PENDING, None) or {}
            state[FULL_READ_AT] = pending.get("started", self.started)
        self._done.setdefault(stream.name, set()).add(company_id)
        if self._complete(stream):
            self._activate_family(stream)

    def _complete(self, stream: Stream) -> bool:
        if stream.name in self._incomplete or self._failures:
            return False
        parents = _parents(stream)
        if parents:
            return all(self._complete(self._streams[p]) for p in parents)
        return self._done.get(stream.name, set()) >= set(self.companies)

    def _activate_family(self, stream: Stream) -> None:
        self._activate(stream)
        for child in stream.child_streams:
            if self._complete(child):
                self._activate_family(child)

    def _activate(self, stream: Stream) -> None:
        if stream.name in self._activated or not stream.selected:
            return
        self._activated.add(stream.name)
        version = self.versions.get(stream.name)
        if version is None or not self._tap.config.get("emit_activate_version_messages", True):
            return
        for stream_map in stream.stream_maps:
            if isinstance(stream_map, RemoveRecordTransform):
                continue
            alias = stream_map.stream_alias
            if not self._writer.schema_sent(alias):  # lines of parents that had none
                self._writer.write_message(
                    SchemaMessage(
                        alias,
                        stream_map.transformed_schema,
                        stream_map.transformed_key_properties,
                        [stream.replication_key] if stream.replication_key else None,
                    )
                )
            self._writer.write_message(ActivateVersionMessage(alias, version))
        stream.logger.info("%s: read whole, version %d activated", stream.name, version)


def _parents(stream: Stream) -> tuple[str, ...]:
    resource = getattr(stream, "resource", None)
    return tuple(getattr(resource, "parents", ()) or ())


def _aliases(stream: Stream) -> list[str]:
    return [m.stream_alias for m in stream.stream_maps if not isinstance(m, RemoveRecordTransform)]
