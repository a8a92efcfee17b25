"""Bookmark arithmetic for the two incremental kinds of stream.

Change-time streams bookmark an instant (UTC ISO-8601, so string order is time
order); date-range streams bookmark a business date (ISO date).
"""

from __future__ import annotations

import typing as t
from datetime import date, datetime, timedelta, timezone

from tap_tripletex.timeutil import OSLO

# Changes committed just before a run can carry a timestamp slightly older than the
# last bookmark (clock skew, long transactions): re-read this much before it.
CHANGE_MARGIN = timedelta(minutes=15)


def parse_instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=OSLO)


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def last_change(record: dict[str, t.Any]) -> str | None:
    """The latest `changes[].timestamp` of a record as a UTC instant, if it has any."""
    stamps = [c.get("timestamp") for c in record.get("changes") or () if isinstance(c, dict)]
    instants = [parse_instant(s) for s in stamps if s]
    return utc_iso(max(instants)) if instants else None


def change_floor(bookmark: str) -> tuple[str, str]:
    """(`changedSince` for the API in Oslo local time, the same floor as UTC ISO)."""
    floor = parse_instant(bookmark) - CHANGE_MARGIN
    local = floor.astimezone(OSLO).replace(tzinfo=None).isoformat(timespec="seconds")
    return local, utc_iso(floor)


def window_start(bookmark: str | None, start: date, lookback_days: int) -> date:
    """First business date to read: the bookmark less the lookback, never before start."""
    if not bookmark:
        return start
    return max(start, date.fromisoformat(bookmark[:10]) - timedelta(days=lookback_days))
