"""A fixed-window request limiter that reports itself in Tripletex's headers."""

from __future__ import annotations

import math
import threading
import time

UNLIMITED = 100_000  # what the headers say when no limit is configured


class RateLimiter:
    def __init__(self, limit: int | None = None, window: float = 10.0) -> None:
        self.limit, self.window = limit, window
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self._used = 0
        self.refused = 0  # requests answered 429 by this limiter

    def hit(self) -> tuple[bool, dict[str, str]]:
        """Count one request: (allowed, rate-limit headers)."""
        with self._lock:
            now = time.monotonic()
            if now - self._start >= self.window:
                elapsed = (now - self._start) // self.window
                self._start += elapsed * self.window
                self._used = 0
            self._used += 1
            limit = self.limit if self.limit is not None else UNLIMITED
            allowed = self.limit is None or self._used <= self.limit
            self.refused += not allowed
            reset = max(1, math.ceil(self._start + self.window - now))
        headers = {
            "X-Rate-Limit-Limit": str(limit),
            "X-Rate-Limit-Remaining": str(max(0, limit - self._used)),
            "X-Rate-Limit-Reset": str(reset),
        }
        return allowed, headers
