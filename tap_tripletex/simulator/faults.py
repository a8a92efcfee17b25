"""Fault injection: make chosen requests fail the way a test asks."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from tap_tripletex.simulator.errors import ApiError, Reply


@dataclass
class Fault:
    path: str  # matches a request path (after /v2) equal to it or below it
    status: int
    times: int  # how many matching requests fail; -1 = all
    body: bytes | None  # raw body (e.g. an HTML gateway page); None = error envelope
    content_type: str
    method: str | None


class Faults:
    def __init__(self) -> None:
        self._items: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._items.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def take(self, method: str, path: str, request_id: str) -> Reply | None:
        """The reply of the first fault matching this request, consuming one use."""
        with self._lock:
            for fault in self._items:
                if fault.method not in (None, method):
                    continue
                if path != fault.path and not path.startswith(fault.path.rstrip("/") + "/"):
                    continue
                if fault.times == 0:
                    continue
                if fault.times > 0:
                    fault.times -= 1
                break
            else:
                return None
        if fault.body is not None:
            return Reply(fault.status, fault.body, fault.content_type)
        message = f"Simulert feil ({fault.status})."
        return ApiError(fault.status, 1000, message, message).reply(request_id)


