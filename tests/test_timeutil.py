"""Date windows and start_date parsing."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from tap_tripletex.timeutil import date_windows, parse_start


def test_windows_cover_first_and_last_day_with_exclusive_ends() -> None:
    windows = date_windows(date(2024, 1, 1), date(2024, 12, 31), 100)
    assert windows[0][0] == date(2024, 1, 1)
    # dateTo is exclusive: the last day is only included when the window ends after it
    assert windows[-1][1] == date(2025, 1, 1)
    for (_, end), (start, _) in itertools.pairwise(windows):
        assert end == start  # contiguous, no gap and no overlap
    assert all(0 < (end - start).days <= 100 for start, end in windows)


def test_single_day_range_is_one_window() -> None:
    day = date(2026, 3, 31)
    assert date_windows(day, day, 365) == [(day, day + timedelta(days=1))]


def test_start_after_end_gives_no_window() -> None:
    assert date_windows(date(2026, 2, 1), date(2026, 1, 31), 30) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01", date(2024, 3, 1)),
        ("2024-03-01T00:30:00", date(2024, 3, 1)),
        # 23:30 UTC on 29 Feb is already 1 March in Oslo
        ("2024-02-29T23:30:00Z", date(2024, 3, 1)),
        ("2024-02-29T23:30:00+00:00", date(2024, 3, 1)),
        ("2024-03-01T00:30:00+01:00", date(2024, 3, 1)),
    ],
)
def test_start_date_as_date_or_datetime(text: str, expected: date) -> None:
    assert parse_start(text) == expected


def test_month_and_year_windows_are_calendar_periods_with_exclusive_ends() -> None:
    from tap_tripletex.timeutil import month_windows, year_windows  # noqa: PLC0415

    assert month_windows(date(2024, 11, 15), date(2025, 1, 2)) == [
        (date(2024, 11, 1), date(2024, 12, 1)),
        (date(2024, 12, 1), date(2025, 1, 1)),
        (date(2025, 1, 1), date(2025, 2, 1)),
    ]
    assert year_windows(date(2023, 3, 15), date(2025, 1, 2)) == [
        (date(2023, 3, 1), date(2024, 1, 1)),
        (date(2024, 1, 1), date(2025, 1, 1)),
        (date(2025, 1, 1), date(2026, 1, 1)),
    ]
