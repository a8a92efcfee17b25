"""Keeping the tap's memory flat however many records it reads (README, "Performance")."""

from __future__ import annotations

import contextlib
import ctypes
import sys

# glibc's mallopt parameters
M_MMAP_THRESHOLD, MMAP_THRESHOLD = -3, 128 * 1024  # glibc's own starting value
M_ARENA_MAX, ARENA_MAX = -8, 1


def tune_allocator() -> None:
    """Keep multi-megabyte page bodies in mappings of their own, returned when freed, and
    the request threads' small buffers in the one heap.

    After freeing such a block glibc raises its mmap threshold to that size, so later
    bodies come from a heap, where freed space stays part of the process; and each request
    thread gets a heap (arena) of its own. Both made peak RSS grow with the size of a run
    (README, "Performance"). Called before any thread starts. Not glibc: no-op.
    """
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None)
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        libc.mallopt(M_ARENA_MAX, ARENA_MAX)
