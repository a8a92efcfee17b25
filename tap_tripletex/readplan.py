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
run left unfinished less than RESUME_WITHIN ago is finished by the next run, from the last
window it completed and under the version the rows it loaded carry; an older one starts
over. Lines read inside their parents are whole when every parent is, and parents that
share such lines are read whole together, under one version.

Nothing is activated while a company of the table might lose rows it still has in
Tripletex: one refused during the run, one skipped with 403/404 after it had been read
before, or one read by earlier runs but not by this one (its rows are in the table).
A company that has never been able to read a stream (403/404 from the start) holds no
rows in its table and does not hold the others back.
"""

from __future__ import annotations

import typing as t
from datetime import date, datetime, timedelta, timezone

from tap_tripletex.replication import parse_instant, utc_iso
from tap_tripletex.settings import DEFAULTS

if t.TYPE_CHECKING:
    from collections.abc import Mapping

    from singer_sdk import Stream, Tap

    from tap_tripletex.companies import Companies
    from tap_tripletex.output import TapWriter

# Partition state kept per company and stream:
FULL_READ_AT = "last_full_read"  # when its last completed whole read began (UTC)
PENDING = "full_read"  # a whole read under way: {version, started, through}
UNAVAILABLE = "unavailable"  # 403/404 and never read: no rows of it in the table
RESUME_WITHIN = timedelta(hours=12)  # an unfinished whole read older than this starts over


def partition_state(state: Mapping[str, t.Any], stream: str, company_id: int) -> dict | None:
    """A company's saved state for a stream (read only), None when it has none."""
    bookmarks = state.get("bookmarks") or {}
    for partition in (bookmarks.get(stream) or {}).get("partitions") or ():
        if (partition.get("context") or {}).get("company_id") == company_id:
            return dict(partition)
    return None


def saved_companies(state: Mapping[str, t.Any], stream: str) -> set[int]:
    """Companies whose rows may be in the stream's table: read by an earlier run."""
    bookmarks = state.get("bookmarks") or {}
    return {
        int(partition["context"]["company_id"])
        for partition in (bookmarks.get(stream) or {}).get("partitions") or ()
        if "company_id" in (partition.get("context") or {}) and not partition.get(UNAVAILABLE)
    }


class ReadPlan:
    """One run's plan: streams read whole, the version each one's records carry, and
    the companies each stream completed."""

    def __init__(self, tap: Tap, writer: TapWriter) -> None:
        self._tap = tap
        self._writer = writer
        # The run's version: its start in epoch seconds, as the SDK's own (targets store it
        # in an integer column); `begin` makes it later than any whole read in the state.
        self.version = tap.initialized_at // 1000
        self.started = _iso(self.version)
        self.companies: tuple[int, ...] = ()
        self.versions: dict[str, int] = {}  # stream -> version, for streams read whole
        self._failures: Mapping[int, str] = {}
        self._holding: dict[str, set[int]] = {}  # stream -> companies with rows in it
        self._absent: dict[str, set[int]] = {}  # ... of those, not in this run
        self._done: dict[str, set[int]] = {}
        self._never_read: dict[str, set[int]] = {}  # stream -> companies 403/404 from the start
        self._incomplete: set[str] = set()
        self._activated: set[str] = set()

    @property
    def _streams(self) -> Mapping[str, Stream]:
        return self._tap.streams

    def begin(self, companies: Companies, state: Mapping[str, t.Any]) -> None:
        """Decide, before any stream is read, which streams this run reads whole."""
        self.version = max(self.version, _last_version(state) + 1)  # two runs in a second
        self.started = _iso(self.version)
        self.companies = tuple(companies.ids())
        self._failures = companies.failures
        interval = int(
            self._tap.config.get("full_read_interval_days", DEFAULTS["full_read_interval_days"])
        )
        synced = [s for s in self._streams.values() if s.selected or s.has_selected_descendents]
        for stream in synced:
            self._holding[stream.name] = saved_companies(state, stream.name)
            self._absent[stream.name] = self._holding[stream.name] - set(self.companies)
            if self._absent[stream.name] and stream.selected:
                stream.logger.warning(
                    "%s: no ACTIVATE_VERSION this run: company_id %s has rows from earlier "
                    "runs but is not read by this one (deletions reach the table again once "
                    "it is read, or its rows and state are cleared)",
                    stream.name,
                    ", ".join(map(str, sorted(self._absent[stream.name]))),
                )
        versions = {s.name: v for s in synced if (v := self._due(s, state, interval))}
        # Parents whose lines are read inside them are whole together, under one version,
        # when one that keeps a bookmark (a selected one) is due.
        for stream in synced:
            parents = _parents(stream)
            keeping = [p for p in parents if self._streams[p].replication_key]
            if any(p in versions and self._streams[p].selected for p in keeping):
                shared = min(versions.get(p, self.version) for p in parents)
                versions.update(dict.fromkeys(parents, shared))
            if parents and all(p in versions for p in parents):
                versions[stream.name] = min(versions[p] for p in parents)
        self.versions = versions
        if self.activates:
            for name, version in versions.items():
                if self._streams[name].selected:
                    self._writer.stamp(self._streams[name], version)

    @property
    def activates(self) -> bool:
        """Whether whole reads are activated: not with `batch_config` (rows loaded from
        BATCH files have no version, and ACTIVATE_VERSION would delete them: batches.py)."""
        config = self._tap.config
        return bool(config.get("emit_activate_version_messages", True)) and not config.get(
            "batch_config"
        )

    def reads_whole(self, stream: Stream) -> bool:
        return stream.name in self.versions

    def _due(self, stream: Stream, state: Mapping[str, t.Any], interval: int) -> int | None:
        """The version of the whole read this run makes of `stream`, or None: its
        strategy's rule (`Replication.whole_read`)."""
        replication = stream.resource.replication  # type: ignore[attr-defined]
        return replication.whole_read(self, stream, state, interval)

    def due_by_bookmarks(
        self, stream: Stream, state: Mapping[str, t.Any], interval: int
    ) -> int | None:
        """The whole-read rule of a stream keeping bookmarks (strategies.Bookmarked)."""
        if not stream.selected:
            return self.version  # read only for its children: no bookmark, all of it
        saved = [partition_state(state, stream.name, c) or {} for c in self.companies]
        now = parse_instant(self.started)
        unfinished = [
            int(p[PENDING]["version"])
            for p in saved
            if PENDING in p and parse_instant(p[PENDING]["started"]) > now - RESUME_WITHIN
        ]
        if unfinished:
            return min(unfinished)
        for partition in saved:
            if partition.get(UNAVAILABLE):
                continue  # it could not read the stream last time: no bookmark to miss
            last = partition.get(FULL_READ_AT)
            if not partition.get("replication_key_value") or (
                interval and (not last or parse_instant(str(last)) <= now - timedelta(interval))
            ):
                return self.version
        return None

    # a company's whole read of an incremental stream ------------------------------------

    def whole_read_from(self, stream: Stream, company_id: int) -> date | None:
        """Where a company's whole read of `stream` goes on from (None: from the start),
        marking it begun in the state, so that a killed run's next run finishes it."""
        if not (stream.replication_key and stream.selected and self.reads_whole(stream)):
            return None
        state = stream.get_context_state({"company_id": company_id})
        version = self.versions[stream.name]
        if (state.get(PENDING) or {}).get("version") != version:  # none, or one too old
            state[PENDING] = {"version": version, "started": self.started}
        through = state[PENDING].get("through")
        return date.fromisoformat(through) + timedelta(days=1) if through else None

    def window_done(self, stream: Stream, state: dict, last_day: str) -> bool:
        """A window of a whole read is complete; True if that moved the state."""
        pending = state.get(PENDING)
        if pending is None or str(pending.get("through") or "") >= last_day:
            return False
        pending["through"] = last_day
        return True

    # progress ----------------------------------------------------------------------

    def skipped(self, stream: Stream, company_id: int, *, unavailable: bool = False) -> None:
        """A company's read of `stream` did not complete: refused, or 403/404. A company
        that never read the stream has no rows in its table to lose: it holds nothing up."""
        state = stream.get_context_state({"company_id": company_id}) if stream.selected else {}
        state.pop(PENDING, None)
        if unavailable and company_id not in self._holding.get(stream.name, set()):
            state[UNAVAILABLE] = True
            self._never_read.setdefault(stream.name, set()).add(company_id)
            self._done.setdefault(stream.name, set()).add(company_id)
            return
        self._incomplete.add(stream.name)

    def partition_done(self, stream: Stream, company_id: int) -> None:
        """A top-level stream finished a company. Once it has finished every company,
        with nothing held up, its whole read and its children's are activated."""
        self._done.setdefault(stream.name, set()).add(company_id)
        if self._complete(stream):
            self._finish(stream)

    def _complete(self, stream: Stream) -> bool:
        if stream.name in self._incomplete or self._failures or self._absent.get(stream.name):
            return False
        parents = _parents(stream)
        if parents:
            return all(self._complete(self._streams[p]) for p in parents)
        return self._done.get(stream.name, set()) >= set(self.companies)

    def _finish(self, stream: Stream) -> None:
        """Activate a completed whole read, then record it in each company's state (in
        that order: a run that dies in between reads the stream whole again)."""
        if stream.name in self._activated:
            return
        self._activated.add(stream.name)
        version = self.versions.get(stream.name)
        emit = self.activates
        if version is not None and stream.selected and emit:
            self._writer.activate(stream, version)
            stream.logger.info("%s: read whole, version %d activated", stream.name, version)
        if version is not None and stream.selected and not _parents(stream):
            read = self._done.get(stream.name, set()) - self._never_read.get(stream.name, set())
            for company_id in read:
                state = stream.get_context_state({"company_id": company_id})
                state.pop(UNAVAILABLE, None)
                pending = state.pop(PENDING, None) or {}
                state[FULL_READ_AT] = pending.get("started", self.started)
        for child in stream.child_streams:
            if self._complete(child):
                self._finish(child)


def _parents(stream: Stream) -> tuple[str, ...]:
    resource = getattr(stream, "resource", None)
    return tuple(getattr(resource, "parents", ()) or ())


def _iso(version: int) -> str:
    return utc_iso(datetime.fromtimestamp(version, timezone.utc))


def _last_version(state: Mapping[str, t.Any]) -> int:
    """The latest version a whole read in `state` was made under (its start, in seconds)."""
    found = [
        int(parse_instant(str(partition[FULL_READ_AT])).timestamp())
        for bookmark in (state.get("bookmarks") or {}).values()
        for partition in (bookmark or {}).get("partitions") or ()
        if partition.get(FULL_READ_AT)
    ]
    return max(found, default=0)
