"""Norwegian business time: Tripletex dates are Oslo dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def oslo_now() -> datetime:
    return datetime.now(OSLO)


def oslo_today() -> date:
    return oslo_now().date()


def parse_start(value: str) -> date:
    """`start_date` as an Oslo date; accepts a date or a date-time with or without offset."""
    text = value.strip()
    if len(text) == 10:
        return date.fromisoformat(text)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=OSLO)
    return moment.astimezone(OSLO).date()


Window = tuple[date, date]  # [first day, end day): Tripletex's dateTo is exclusive


def date_windows(first: date, last: date, days: int) -> list[Window]:
    """Cover `first`..`last` inclusive with [start, end) windows of at most `days` days.

    Tripletex date ranges exclude their end, so the last window ends the day after `last`.
    """
    windows = []
    start = first
    end_exclusive = last + timedelta(days=1)
    while start < end_exclusive:
        stop = min(start + timedelta(days=days), end_exclusive)
        windows.append((start, stop))
        start = stop
    return windows


def month_windows(first: date, last: date) -> list[Window]:
    """The calendar months from `first`'s through `last`'s, as [1st, next 1st) windows."""
    windows = []
    start = first.replace(day=1)
    while start <= last:
        stop = (start + timedelta(days=32)).replace(day=1)
        windows.append((start, stop))
        start = stop
    return windows


def year_windows(first: date, last: date) -> list[Window]:
    """The calendar years from `first`'s through `last`'s, the first from `first`'s month."""
    start = first.replace(day=1)
    return [
        (start if year == first.year else date(year, 1, 1), date(year + 1, 1, 1))
        for year in range(first.year, last.year + 1)
    ]
