"""Pacing by Tripletex's rate-limit headers.

Tripletex answers every call with `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset`
(seconds left in a short window); once the window is used up every call gets 429
until it ends, and some 429s come without the reset header. One `RateLimiter` is
shared by everything that talks to the API in a run (the session and every stream),
and is thread-safe.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import typing as t
from contextlib import contextmanager
from dataclasses import dataclass, field

from tap_tripletex.errors import RateLimitExhaustedError
from tap_tripletex.settings import DEFAULTS

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import requests

logger = logging.getLogger("tap-tripletex")

REMAINING = "X-Rate-Limit-Remaining"
RESET = "X-Rate-Limit-Reset"
# A 429 without a reset header: wait the window length, doubling up to this many windows.
MAX_WINDOWS = 4
MIN_WINDOW = 0.1


def header_numbers(response: requests.Response, name: str) -> list[int]:
    """The numbers in a header; Tripletex sometimes joins two limits' with a comma."""
    numbers = []
    for part in (response.headers.get(name) or "").split(","):
        try:
            numbers.append(max(0, int(float(part))))
        except ValueError:
            continue
    return numbers


def window_headers(response: requests.Response) -> tuple[int | None, int | None]:
    """(calls left, seconds to its reset) of the strictest limit a response reports.

    With two comma-joined limits (`Remaining: 99, 30`, `Reset: 4, 4`) the one with the
    fewest calls left binds; on a tie, the one that resets later.
    """
    remaining, resets = header_numbers(response, REMAINING), header_numbers(response, RESET)
    if not remaining:
        return None, max(resets) if resets else None
    latest = max(resets) if resets else None
    pairs = [(left, resets[i] if i < len(resets) else latest) for i, left in enumerate(remaining)]
    return min(pairs, key=lambda pair: (pair[0], -(pair[1] or 0)))


@dataclass
class RateLimiter:
    """Holds requests back while the window is used up; times the waits after a 429.

    `max_wait` bounds how long one request waits for the rate limit in total;
    `window` is the assumed window length, used when a 429 has no reset header.
    """

    max_wait: float = float(DEFAULTS["rate_limit_max_wait"])
    window: float = float(DEFAULTS["rate_limit_window"])
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    refusals: int = 0  # 429s met, for the whole run

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._remaining: int | None = None  # calls left in the window, as last reported
        self._reset_at = 0.0  # when the window ends, on `clock`
        self._resume_at = 0.0  # no call is sent before this, on `clock`
        self._in_flight = 0  # calls sent and not yet answered, from every thread

    @contextmanager
    def slot(self) -> Iterator[None]:
        """One call: wait for the window (`acquire`), and count it in flight until done."""
        self.acquire()
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    def acquire(self) -> None:
        """Wait, if the window is used up or a 429 asked for it, then count one call."""
        with self._lock:
            now = self.clock()
            if self._remaining is not None and self._remaining <= 0 and now < self._reset_at:
                self._resume_at = max(self._resume_at, self._reset_at + self._jitter())
            delay = self._resume_at - now
            if delay > 0:
                logger.debug("Rate limit: pausing %.1fs until the window resets", delay)
                self.sleep(delay)  # under the lock: every thread waits for the window
                self._remaining = None
            if self._remaining is not None:
                self._remaining -= 1
            self._in_flight += 1

    def observe(self, response: requests.Response) -> None:
        """Take the window's state from a response's headers.

        With calls in parallel the count may already be stale: the others in flight
        are assumed not yet counted, and within one window the count only goes down
        (answers can arrive out of order).
        """
        remaining, reset = window_headers(response)
        with self._lock:
            now = self.clock()
            reset_at = now + reset if reset is not None else self._reset_at
            # The reset is in whole seconds: an end within a second of the known one is
            # the same window; a later one, a new window with a fresh count.
            same_window = now < self._reset_at and reset_at <= self._reset_at + 1
            if remaining is not None:
                left = remaining - max(0, self._in_flight - 1)
                if self._remaining is not None and same_window:
                    left = min(left, self._remaining)
                self._remaining = left
            self._reset_at = reset_at

    def refused(
        self, response: requests.Response, *, attempt: int, waited: float, what: str
    ) -> float:
        """Plan the wait after the `attempt`-th (0-based) 429 in a row for one request.

        The next `acquire` sleeps it. Returns the wait; raises RateLimitExhaustedError
        when `waited` plus this wait would pass `max_wait`.
        """
        reset = window_headers(response)[1]
        if reset is not None:
            wait = reset + self._jitter()
        else:
            window = max(self.window, MIN_WINDOW)
            wait = window * min(2**attempt, MAX_WINDOWS) * self.rng.uniform(1.0, 1.25)
        if waited + wait > self.max_wait:
            raise RateLimitExhaustedError(
                f"{what}: Tripletex kept answering 429 (too many requests) for "
                f"{waited:.0f}s, and rate_limit_max_wait is {self.max_wait:g}s; another "
                "integration may be using up the quota: run later or raise rate_limit_max_wait"
            )
        with self._lock:
            self.refusals += 1
            self._resume_at = max(self._resume_at, self.clock() + wait)
        hint = f"reset in {reset}s" if reset is not None else "no reset header"
        logger.warning("%s: rate limited (HTTP 429, %s); waiting %.1fs", what, hint, wait)
        return wait

    def _jitter(self) -> float:
        """A little past the window's end, so clients sharing a quota do not all return at once."""
        return self.rng.uniform(0.05, 0.5)
