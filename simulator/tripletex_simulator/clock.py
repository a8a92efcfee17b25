"""Oslo dates and timestamps, as Tripletex writes them (`2025-03-12T15:09:57+01:00`)."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")  # Tripletex's dates are Oslo dates
FIRST_DAY = date(2019, 1, 1)


def oslo_now() -> datetime:
    return datetime.now(OSLO)


def oslo_today() -> date:
    return oslo_now().date()


@lru_cache(maxsize=8192)
def day_offset(ordinal: int) -> str:
    """The Oslo UTC offset at noon on that day: `+01:00`, or `+02:00` in summer time."""
    noon = datetime.combine(date.fromordinal(ordinal), time(12), OSLO)
    minutes = int(noon.utcoffset().total_seconds()) // 60  # type: ignore[union-attr]
    return f"+{minutes // 60:02d}:{minutes % 60:02d}"


def timestamp(ordinal: int, seconds: int) -> str:
    """Oslo local time `seconds` after midnight of day `ordinal` (keep it in 07..22 h)."""
    hours, rest = divmod(seconds, 3600)
    return (
        f"{date.fromordinal(ordinal).isoformat()}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
        f"{day_offset(ordinal)}"
    )


def parse_moment(text: str | None) -> datetime | None:
    """`changedSince`: a date (Oslo midnight) or a date-time, Oslo time unless it has an
    offset or `Z`. None when missing or malformed."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=OSLO)


def parse_date(text: str | None) -> date | None:
    """A strict `YYYY-MM-DD`, or None when missing or malformed."""
    if not text or len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
