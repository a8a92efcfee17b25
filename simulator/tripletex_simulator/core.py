"""The `Simulator`: datasets, sessions, rate limit and faults behind one object."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from tripletex_simulator import balances, data
from tripletex_simulator.auth import Sessions
from tripletex_simulator.clock import oslo_today, parse_date
from tripletex_simulator.contract import BY_NAME
from tripletex_simulator.edits import Edits
from tripletex_simulator.errors import Reply
from tripletex_simulator.faults import Fault, Faults
from tripletex_simulator.ratelimit import RateLimiter
from tripletex_simulator.routes import Request
from tripletex_simulator.server import Server
from tripletex_simulator.values import HOST, company, digits

Hook = Callable[[Request], Reply | None]


class Simulator(Edits):
    """A local stand-in for the Tripletex API v2 (see the package docstring)."""

    host = HOST

    def __init__(  # noqa: PLR0917 (the documented positional order)
        self,
        seed: int = 1,
        size: int = 1000,
        companies: list[int] | None = None,
        consumer_token: str = "sim-consumer",
        employee_token: str = "sim-employee",
        today: date | str | None = None,
        *,
        rate_limit: int | None = None,
        rate_window: float = 10.0,
        latency: float = 0.0,
        honour_changed_since: bool = True,
        max_result_size: int | None = None,
    ) -> None:
        self.seed, self.size = seed, size
        self.client_ids: list[int] = [int(c) for c in companies or []]
        own = random.Random(f"{seed}:own-company").randrange(1_000_000, 10_000_000)
        while own in self.client_ids:
            own += 1
        self.company_id = own
        if isinstance(today, str):
            parsed = parse_date(today)
            if parsed is None:
                raise ValueError(f"today must be YYYY-MM-DD, got {today!r}")
            today = parsed
        self._today = today
        self.sessions = Sessions(consumer_token, employee_token)
        self.limiter = RateLimiter(rate_limit, rate_window)
        self.latency = latency
        self.faults = Faults()
        self.hook: Hook | None = None
        # Client companies whose login access was withdrawn: their username gets 401.
        self.revoked_companies: set[int] = set()
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._requests_lock = threading.Lock()
        self.in_flight = 0  # requests being answered now
        self.peak_in_flight = 0  # the most ever answered at once
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        schemas = data.load_schemas()
        self._datasets = {
            cid: data.build(seed, size, cid, self.today, schemas)
            for cid in self.client_ids or [self.company_id]
        }
        for dataset in self._datasets.values():
            dataset.honour_changed_since = honour_changed_since
            dataset.max_result_size = max_result_size

    # state ---------------------------------------------------------------------------
    @property
    def today(self) -> date:
        """The Oslo date the simulator lives in (the `today` argument, else the real one)."""
        return self._today or oslo_today()

    @today.setter
    def today(self, day: date | None) -> None:
        self._today = day

    @property
    def sessions_created(self) -> int:
        return self.sessions.created

    def log_request(self, method: str, path: str, params: dict[str, str]) -> None:
        with self._requests_lock:
            self.requests.append((method, path, params))
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def answered(self) -> None:
        with self._requests_lock:
            self.in_flight -= 1

    def dataset(self, company_id: int | None = None) -> data.Dataset:
        if company_id is None:
            company_id = self.client_ids[0] if self.client_ids else self.company_id
        try:
            return self._datasets[company_id]
        except KeyError:
            raise KeyError(f"company {company_id} has no data in this simulator") from None

    def company(self, company_id: int) -> dict[str, Any]:
        rng = random.Random(f"{self.seed}:company:{company_id}")
        name = company(rng)
        accountant = company_id == self.company_id and bool(self.client_ids)
        return {
            "id": company_id,
            "version": 0,
            "url": f"{HOST}/v2/company/{company_id}",
            "name": name,
            "displayName": name,
            "startDate": "2019-01-01",
            "endDate": None,
            "organizationNumber": digits(rng, 9),
            "email": "post@example.no",
            "phoneNumber": f"+47 2{digits(rng, 7)}",
            "phoneNumberMobile": "",
            "faxNumber": "",
            "address": {"id": company_id + 7, "url": f"{HOST}/v2/address/{company_id + 7}"},
            "type": "AS",
            "currency": {"id": 1, "url": f"{HOST}/v2/currency/1"},
            "accountantOrSimilar": accountant,
            "companyMigration": "NONE",
            "invoiceShowDeliveryDate": False,
        }

    def employee_id(self, company_id: int) -> int:
        found = self._datasets.get(company_id)
        ids = found.tables["employee"].ids if found and "employee" in found.tables else []
        return ids[0] if ids else 11_000_000 + company_id % 1_000_000

    # data ----------------------------------------------------------------------------
    def records(
        self, stream_name: str, company_id: int | None = None, *, with_changes: bool = False
    ) -> list[dict[str, Any]]:
        """What a full walk of the stream returns (all dates), in id order."""
        dataset = self.dataset(company_id)
        if stream_name not in dataset.tables and BY_NAME[stream_name].single:
            return [self.company(dataset.company_id)]  # GET /company/{id}
        if stream_name == "balance_sheet":
            return self.balance_sheet(company_id)
        table = dataset.tables[stream_name]
        return [table.record(pos, with_changes) for pos in range(len(table))]

    def balance_sheet(self, company_id: int | None = None) -> list[dict[str, Any]]:
        """`/balanceSheet` month by month, from the first posting's month through today's."""
        dataset = self.dataset(company_id)
        days = balances.ledger(dataset).days
        found: list[dict[str, Any]] = []
        month = date.fromordinal(min(days)).replace(day=1) if days else self.today
        while days and month <= self.today:
            following = (month + timedelta(days=32)).replace(day=1)
            found += balances.rows(dataset, month, following)
            month = following
        return found

    def parent_ids(self, stream_name: str, company_id: int | None = None) -> dict[int, int]:
        """A child stream's record id -> its parent's id."""
        table = self.dataset(company_id).tables[stream_name]
        return dict(zip(table.ids, table.parents or (), strict=True))

    # faults --------------------------------------------------------------------------
    def fail(
        self,
        path: str,
        *,
        status: int = 500,
        times: int = 1,
        body: bytes | str | None = None,
        content_type: str = "text/html;charset=UTF-8",
        method: str | None = None,
        kind: str = "status",
        after: int = 0,
        delay: float = 0.0,
        reset_header: bool = True,
        probability: float = 1.0,
    ) -> None:
        """Make the next `times` requests to `path` (e.g. "/customer"; -1 = all) fail.

        `kind` is one of faults.KINDS ("status", "reset", "slow", "truncate", "cut",
        "expire"); `after` lets that many matching requests through first; `delay` is
        a slow answer's stall; `reset_header=False` leaves X-Rate-Limit-Reset off a 429;
        `probability` hits matching requests at random (seeded).
        """
        raw = body.encode() if isinstance(body, str) else body
        self.faults.add(
            Fault(
                path,
                status,
                times,
                raw,
                content_type,
                method,
                kind=kind,
                after=after,
                delay=delay,
                reset_header=reset_header,
                probability=probability,
            )
        )

    # serving -------------------------------------------------------------------------
    def start(self, port: int = 0, host: str = "127.0.0.1") -> str:
        """Serve in a background thread; returns the base url `http://host:port/v2`."""
        if self._server is not None:
            raise RuntimeError("simulator already serving")
        self._server = Server((host, port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return f"http://{host}:{self._server.server_address[1]}/v2"

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.close_connections()
            server.server_close()
        if thread is not None:
            thread.join()

    @contextmanager
    def serve(self, port: int = 0, host: str = "127.0.0.1") -> Iterator[str]:
        url = self.start(port, host)
        try:
            yield url
        finally:
            self.stop()
