"""A log that grows with streams and date windows, not with records.

The SDK syncs a child stream once per parent record, and logs each of those syncs and
its metrics; it logs every deselected stream (most of the 130-odd) and a warning that
incremental streams cannot resume, which is not so here: date windows are checkpointed
and change-time streams bookmark the run's start. At the default level those lines are
left out; with LOGLEVEL=debug they are all kept. The SDK's retry library names the
wrapped function ("Giving up paced(...)"); the tap reports retries and giving up in its
own words, so those lines are always left out.
"""

from __future__ import annotations

import logging
import typing as t

from singer_sdk.metrics import Point

from tap_tripletex.errors import debug_logging

if t.TYPE_CHECKING:
    from tap_tripletex.client import TripletexStream

QUIET_SDK_LINES = (
    "Skipping deselected stream",
    "Stream is assumed to be unsorted",
)


def per_parent(context: t.Any) -> bool:
    """A child's context for one parent record (`{company_id, order_id}`)."""
    keys = context.keys() if isinstance(context, dict) else context or ()
    return any(str(key).endswith("_id") and key != "company_id" for key in keys)


class StreamLogFilter(logging.Filter):
    """On a stream's logger: the first per-parent sync line only, and no `start_date`
    bookmark for a change-time stream (start_date bounds business dates; such a stream
    with no bookmark reads everything)."""

    def __init__(self, stream: TripletexStream, *, quiet: bool) -> None:
        super().__init__(stream.name)
        self.stream = stream
        self.quiet = quiet
        self.seen_child_sync = False

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)
        args = record.args if isinstance(record.args, tuple) else ()
        if text.startswith("Beginning sync of") and len(args) > 2 and per_parent(args[2]):
            seen, self.seen_child_sync = self.seen_child_sync, True
            return not (self.quiet and seen)
        if (
            text.startswith("Starting incremental sync")
            and self.stream.resource.changed_since
            and len(args) > 1
            and args[1] == self.stream.config.get("start_date")
        ):
            record.msg = "Starting incremental sync of '%s': no bookmark, reading every record"
            record.args = args[:1]
        return True


class QuietFilter(logging.Filter):
    """On the tap's, the SDK's and the metrics loggers: no per-deselected-stream lines,
    no false "unsorted" warning, no metrics per parent record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(QUIET_SDK_LINES):
            return False
        point = record.args[0] if isinstance(record.args, tuple) and record.args else None
        if isinstance(point, Point):
            return not per_parent(point.tags.get("context"))
        return True


def quiet_logs(tap_logger: logging.Logger, streams: t.Iterable[TripletexStream]) -> None:
    """Install the filters (once per logger)."""
    quiet = not debug_logging()
    for stream in streams:
        stream.logger.filters = [
            f for f in stream.logger.filters if not isinstance(f, StreamLogFilter)
        ]
        stream.logger.addFilter(StreamLogFilter(stream, quiet=quiet))
    if not quiet:
        return
    for logger in (
        tap_logger,
        logging.getLogger("singer_sdk"),
        logging.getLogger("singer_sdk.metrics"),
    ):
        if not any(isinstance(f, QuietFilter) for f in logger.filters):
            logger.addFilter(QuietFilter())
