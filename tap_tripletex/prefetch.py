"""The run's request pool, kept busy: while one read is emitted, the first pages of the
reads to come (the next parents' child lists, then the next companies and streams) are
already in flight on the workers it leaves idle.

Streams are still read one after another, in the SDK's order, and each read takes its
first page from here when it was requested ahead. What comes out is unchanged; only the
waiting for first pages is gone. A first page no read claims (its company was refused
meanwhile) is a wasted call, never a record.
"""

from __future__ import annotations

import bisect
import threading
import typing as t
from concurrent.futures import Future, ThreadPoolExecutor

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    import requests

    from tap_tripletex.pages import PageSizes

    Fetch = Callable[[dict, int | None, threading.Event], requests.Response]

Key = tuple[str, tuple[tuple[str, t.Any], ...]]
SCAN = 64  # queued reads looked at for one to send (past child lists not yet answered)
Order = tuple[int, int]  # (top-level read, child read within it)


class Read(t.NamedTuple):
    """A read to come: its stream, its context, how its first page is fetched (None:
    not known ahead, such as a date window that depends on the bookmark)."""

    stream: str
    context: dict
    fetch: Fetch | None

    @property
    def key(self) -> Key:
        return key_of(self.stream, self.context)


def key_of(stream: str, context: dict) -> Key:
    return stream, tuple(sorted(context.items()))


class RequestPool:
    """`workers` threads for every request of a run; knows how many are busy."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="tripletex")
        self._busy = 0
        self._lock = threading.Lock()
        self.on_idle: Callable[[], None] = lambda: None

    def submit(self, fn: Callable[..., t.Any], *args: t.Any) -> Future:
        with self._lock:
            self._busy += 1
        future = self._executor.submit(fn, *args)
        future.add_done_callback(self._done)
        return future

    def _done(self, _: Future) -> None:
        with self._lock:
            self._busy -= 1
        self.on_idle()

    @property
    def idle(self) -> int:
        with self._lock:
            return self.workers - self._busy

    def shutdown(self, *, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=True)


class Prefetcher:
    """First pages of the reads to come, requested on idle workers, claimed in order.

    Reads happen in the order planned: when one starts, everything planned before it
    is dropped (never to be claimed). `held` bounds the answers waiting for their read
    (memory), and so does the room `sizes` gives the next read's stream; twice `held`
    for reads due before ones already waiting (child lists: small pages).
    """

    def __init__(self, pool: RequestPool, *, held: int, sizes: PageSizes) -> None:
        self._pool, self._sizes = pool, sizes
        self._held = max(1, held)
        self._lock = threading.Lock()
        self._orders: dict[Key, Order] = {}
        self._queue: list[tuple[Order, Read]] = []  # in order
        self._children: dict[int, int] = {}  # child reads planned per top-level read
        self._sent: dict[Key, tuple[Order, Future[requests.Response]]] = {}
        self._sending = 0  # taken from the queue, not yet in `_sent`
        self._current: Order = (-1, 0)
        self._answered: set[tuple[str, t.Any]] = set()  # (stream, company) read before
        self._stop = threading.Event()
        pool.on_idle = self.top_up

    def plan(self, reads: Iterable[Read]) -> None:
        """The top-level reads of the run, in the order the SDK makes them."""
        with self._lock:
            for index, read in enumerate(reads):
                self._orders[read.key] = (index, 0)
                self._queue.append(((index, 0), read))
        self.top_up()

    def soon(self, reads: Iterable[Read]) -> None:
        """Child reads of the top-level read under way, in the order they will be made:
        before the next top-level read."""
        with self._lock:
            top = self._current[0]
            for read in reads:
                if read.key in self._orders:
                    continue
                self._children[top] = number = self._children.get(top, 0) + 1
                self._orders[read.key] = (top, number)
                bisect.insort(self._queue, ((top, number), read), key=lambda item: item[0])
        self.top_up()

    def started(self, stream: str, context: dict) -> None:
        """A read begins: what was planned before it will never be read."""
        order = self._orders.get(key_of(stream, context))
        if order is None:
            return
        with self._lock:
            self._current = order
            cut = bisect.bisect_right(self._queue, order, key=lambda item: item[0])
            del self._queue[:cut]
            passed = [self._sent.pop(k)[1] for k, (o, _) in list(self._sent.items()) if o < order]
        for future in passed:  # outside the lock: a cancelled future calls back at once
            future.cancel()
        self.top_up()

    def answered(self, stream: str, company_id: int) -> None:
        """A page of the stream came back for the company: its child lists of further
        parents are worth requesting ahead."""
        if (stream, company_id) not in self._answered:
            self._answered.add((stream, company_id))
            self.top_up()

    def claim(self, stream: str, context: dict) -> Future[requests.Response] | None:
        """The first page of this read, if it was requested ahead."""
        with self._lock:
            sent = self._sent.pop(key_of(stream, context), None)
        self.top_up()
        return sent[1] if sent else None

    def top_up(self) -> None:
        """Send the next reads' first pages while workers are idle and few answers wait.

        Submitted outside the lock: a request that completes at once calls back here."""
        while not self._stop.is_set():
            with self._lock:
                # One thread sends at a time; it looks again once its request is in
                # `_sent` (an answer that came back at once called back meanwhile).
                if self._sending or not self._queue or self._pool.idle <= 0:
                    return
                # A read due before one already waiting (a child list, planned while
                # later streams' first pages wait) may take up to `held` more.
                due = self._queue[0][0]
                urgent = any(due < order for order, _ in self._sent.values())
                room = self._sizes.room(self._queue[0][1].stream, self._held)
                limit = self._held * 2 if urgent else room
                if len(self._sent) + self._sending >= limit:
                    return
                picked = self._next()
                if picked is None:
                    return
                order, read = picked
                self._sending += 1
            assert read.fetch is not None  # _next passes over reads without one
            future = self._pool.submit(read.fetch, read.context, 0, self._stop)
            with self._lock:
                self._sending -= 1
                self._sent[read.key] = (order, future)

    def _next(self) -> tuple[Order, Read] | None:
        """The first read of the queue worth sending now. A child list is only sent
        ahead once its stream has answered for the company (one that may not read it,
        403, costs one call, not one per parent); it waits in the queue till then."""
        index = 0
        while index < min(len(self._queue), SCAN):
            order, read = self._queue[index]
            if read.fetch is None or read.key in self._sent:
                del self._queue[index]
            elif order[1] and (read.stream, read.context["company_id"]) not in self._answered:
                index += 1
            else:
                return self._queue.pop(index)
        return None

    def close(self) -> None:
        """The run is over: nothing more is sent, nothing under way tries again."""
        self._stop.set()
        with self._lock:
            waiting = [future for _, future in self._sent.values()]
            self._sent.clear()
            self._queue.clear()
        for future in waiting:
            future.cancel()
