"""Fault injection: make chosen requests fail the way a test asks.

Kinds of fault (`Fault.kind`):
- "status": answer `status` with `body` (None = a Tripletex error envelope). A 429
  says `X-Rate-Limit-Remaining: 0` and the reset; with `reset_header` False it has
  neither (as some real 429s).
- "reset": drop the connection without answering (a TCP reset).
- "slow": stall `delay` seconds, then answer normally (a client timeout fires first).
- "truncate": answer normally but send only the first half of the body, with a
  Content-Length to match (HTTP is fine, the JSON is cut off).
- "cut": announce the whole body, send half, close (the connection breaks mid-body).
- "expire": end every session now and answer 401 (the session dies mid-run).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tripletex_simulator.errors import ApiError, Reply, unauthorized

KINDS = ("status", "reset", "slow", "truncate", "cut", "expire")


@dataclass
class Fault:
    path: str  # matches a request path (after /v2) equal to it or below it
    status: int
    times: int  # how many matching requests fail; -1 = all
    body: bytes | None  # raw body (e.g. an HTML gateway page); None = error envelope
    content_type: str
    method: str | None
    kind: str = "status"
    after: int = 0  # matching requests let through before the fault starts
    delay: float = 0.0  # "slow": seconds to stall
    reset_header: bool = True  # a 429 tells the window's state (real ones sometimes not)
    probability: float = 1.0  # chance that a matching request is hit (random soak faults)
    hits: int = field(default=0, init=False)  # requests this fault has hit

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind must be one of {KINDS}, got {self.kind!r}")

    def matches(self, method: str, path: str) -> bool:
        if self.method not in (None, method):
            return False
        return path == self.path or path.startswith(self.path.rstrip("/") + "/")

    def reply(
        self, answer: Callable[[], Reply], request_id: str, revoke: Callable[[], None]
    ) -> Reply | None:
        """What the server sends for a hit request; None = drop the connection."""
        if self.kind == "reset":
            return None
        if self.kind == "slow":
            time.sleep(self.delay)
            return answer()
        if self.kind in ("truncate", "cut"):
            whole = answer()
            half = whole.body[: len(whole.body) // 2]
            if self.kind == "cut":
                length = str(len(whole.body))
                return Reply(whole.status, half, whole.content_type, {"Content-Length": length})
            return Reply(whole.status, half, whole.content_type, dict(whole.headers))
        if self.kind == "expire":
            revoke()
            return unauthorized().reply(request_id)
        if self.body is not None:
            reply = Reply(self.status, self.body, self.content_type)
        else:
            message = f"Simulert feil ({self.status})."
            reply = ApiError(self.status, 1000, message, message).reply(request_id)
        if self.status == 429:  # blank headers are left out by the server
            reply.headers["X-Rate-Limit-Remaining"] = "0" if self.reset_header else ""
            if not self.reset_header:
                reply.headers["X-Rate-Limit-Reset"] = ""
        return reply


class Faults:
    def __init__(self, seed: int = 0) -> None:
        self._items: list[Fault] = []
        self._lock = threading.Lock()
        self._rng = random.Random(f"faults:{seed}")

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._items.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    @property
    def hits(self) -> int:
        """Requests hit by any fault so far."""
        with self._lock:
            return sum(f.hits for f in self._items)

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault that hits this request, consuming one use of it."""
        with self._lock:
            for fault in self._items:
                if fault.times == 0 or not fault.matches(method, path):
                    continue
                if fault.after > 0:
                    fault.after -= 1
                    continue
                if fault.probability < 1 and self._rng.random() >= fault.probability:
                    continue
                if fault.times > 0:
                    fault.times -= 1
                fault.hits += 1
                return fault
        return None
