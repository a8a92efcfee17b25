"""Dataset generation: every table of one company, from the contract's record shapes.

Columns are built for all records at once: a property's value is drawn from a pool of
pre-encoded `"name":value` fragments, so a record is one bytes join. Ids, urls,
versions, business dates and a few related columns are per record.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import msgspec

from tripletex_simulator import books, family, plan
from tripletex_simulator.clock import FIRST_DAY, day_offset
from tripletex_simulator.contract import ENDPOINTS, Endpoint, record_schema
from tripletex_simulator.table import Record, Table
from tripletex_simulator.values import HOST, Context, Schema, types, value

SKIPPED = {"changes"}  # stored beside each record
VERSIONS = (0, 0, 0, 0, 1, 1, 2, 3)
POOL = 256  # candidate values per property
COMBOS = 4096  # pre-joined chunks of pooled properties
CHUNK = 6  # properties per chunk
# fmt: off
CURRENCIES = [
    "NOK", "SEK", "DKK", "USD", "EUR", "GBP", "CHF", "JPY", "AUD", "CAD", "PLN", "ISK",
    "CZK", "HUF", "NZD", "SGD", "HKD", "ZAR", "CNY", "INR", "BRL", "MXN", "TRY", "THB",
    "KRW", "ILS", "AED", "SAR", "MYR", "IDR", "PHP", "TWD", "RON", "BGN", "UAH",
]
# fmt: on
METRICS: dict[str, tuple[str, Callable[[Record], float]]] = {
    "ledger_voucher": ("totalNumberOfPostings", lambda r: len(r.get("postings") or [])),
    "timesheet_entry": ("sumAllHours", lambda r: float(r.get("hours") or 0)),
}
Column = list[bytes]
_encode = msgspec.json.encode


def load_schemas() -> dict[str, Schema]:
    """The record shape of each table, from the contract."""
    return {e.name: record_schema(e) for e in ENDPOINTS if served(e)}


@dataclass
class Dataset:
    """All streams of one company."""

    company_id: int
    tables: dict[str, Table]
    schemas: dict[str, Schema]
    context: Context
    honour_changed_since: bool = True  # False: ignore `changedSince` (as seen on api-test)
    # A date-range query matching more records than this answers 422 code 23000.
    max_result_size: int | None = None

    def __post_init__(self) -> None:
        self._paths = {table.path: table for table in self.tables.values()}

    def by_path(self, path: str) -> Table | None:
        return self._paths.get(path)


# Computed from other tables when asked (simulator/balances.py), not stored.
DERIVED = {"/balanceSheet"}


def served(endpoint: Endpoint) -> bool:
    """Endpoints with a table of their own (the company itself is the simulator's)."""
    return "{" not in endpoint.path and endpoint.path not in DERIVED


def build(
    seed: int, size: int, company_id: int, today: date, schemas: dict[str, Schema]
) -> Dataset:
    counts = plan.counts(size)
    today_ord = today.toordinal()
    resources = [e for e in ENDPOINTS if served(e)]
    rngs = {r.name: random.Random(f"{seed}:{company_id}:{r.name}") for r in resources}
    all_ids = {r.name: plan.ids(rngs[r.name], r.name, counts[r.name]) for r in resources}
    dated = [r for r in resources if r.dates]
    all_dates = {
        r.name: plan.dates(rngs[r.name], counts[r.name], today_ord)
        for r in dated
        if r.name != "ledger_posting"
    }
    specials = books.columns(all_ids, all_dates, random.Random(f"{seed}:{company_id}:books"))
    for r in dated:
        if r.name not in all_dates:
            all_dates[r.name] = plan.dates(rngs[r.name], counts[r.name], today_ord)
    parents = family.columns(all_ids, schemas, specials)
    for r in resources:
        if r.key != "id":
            specials.setdefault(r.name, {}).update(_key_columns(r, schemas, all_ids[r.name]))
    tables = {}
    for resource in resources:
        ctx = Context(resource.name, today, all_ids)
        tables[resource.name] = _table(
            rngs[resource.name],
            resource=resource,
            schema=schemas[resource.name],
            ctx=ctx,
            dates=all_dates.get(resource.name),
            special=specials.get(resource.name, {}),
            parents=parents.get(resource.name),
        )
    return Dataset(company_id, tables, schemas, Context("", today, all_ids))


@lru_cache(maxsize=4)
def _day_parts(first: int, last: int) -> dict[int, tuple[bytes, bytes]]:
    """Per day: the ISO date and what follows the time in a change entry."""
    tail = b'","changeType":"'
    return {d: (_iso(d), day_offset(d).encode() + tail) for d in range(first, last + 1)}


def _iso(ordinal: int) -> bytes:
    return date.fromordinal(ordinal).isoformat().encode()


def _key_columns(
    resource: Endpoint, schemas: dict[str, Schema], ids: list[int]
) -> dict[str, tuple[Column, None]]:
    """A record without an id is told apart by another property: unique values for it."""
    key = resource.key
    props = schemas[resource.name].get("properties", {})
    quote = b'"' if "integer" not in types(props.get(key, {})) else b""
    label = key.encode() + b"-" if quote else b""
    head = b'"%s":' % key.encode()
    return {key: ([head + quote + label + b"%d" % rid + quote for rid in ids], None)}


def _table(
    rng: random.Random,
    *,
    resource: Endpoint,
    schema: Schema,
    ctx: Context,
    dates: list[int] | None,
    special: dict[str, tuple[Column, list[float] | None]],
    parents: list[int] | None = None,
) -> Table:
    name, ids = resource.name, ctx.ids[resource.name]
    n = len(ids)
    props: dict[str, Schema] = schema.get("properties", {})
    versions = rng.choices(VERSIONS, k=n)
    metric: list[float] | None = None
    columns: list[Column | Pool] = []
    singular = resource.path.rsplit("/", 1)[-1]
    for key, prop in props.items():
        if key in SKIPPED:
            continue
        head = b'"%s":' % key.encode()
        if key in special:
            column, sums = special[key]
            metric = sums if sums is not None else metric
        elif key == "id":
            column = [head + b"%d" % rid for rid in ids]
        elif key == "url":
            prefix = head + f'"{HOST}/v2{resource.path}/'.encode()
            column = [prefix + b'%d"' % rid for rid in ids]
        elif key == "version":
            column = [head + b"%d" % v for v in versions]
        elif key == resource.date_field and dates is not None:
            texts = {d: head + b'"%s"' % _iso(d) for d in set(dates)}
            column = [texts[d] for d in dates]
        elif key in ("number", f"{singular}Number"):
            start = {"customer": 10_001, "supplier": 20_001}.get(name, 1)
            quote = b'"' if "integer" not in types(prop) else b""
            column = [head + quote + b"%d" % (start + i) + quote for i in range(n)]
        elif name == "currency" and key == "code":
            codes = [CURRENCIES[i] if i < len(CURRENCIES) else f"X{i:02d}"[:3] for i in range(n)]
            column = [head + _encode(c) for c in codes]
        else:
            size = min(POOL, n + 4)
            columns.append(Pool(head + _encode(value(rng, key, prop, ctx)) for _ in range(size)))
            continue
        columns.append(column)
    blobs = _assemble(rng, columns, n)
    changes = _changes(rng, versions, dates, ctx)
    order = list(range(n))
    rng.shuffle(order)  # the default (unspecified) order of list endpoints
    metric_fn = METRICS[name][1] if name in METRICS else None
    if metric_fn is not None and metric is None:
        metric = [0.0] * n
    own = list(props)
    return Table(
        name,
        path=resource.path,
        props=own,
        ids=ids,
        blobs=blobs,
        changes=changes,
        dates=dates,
        order=order,
        metric=metric,
        metric_fn=metric_fn,
        parents=parents,
    )


class Pool(list[bytes]):
    """Candidate `"name":value` fragments of one property, drawn from per record."""


def _assemble(rng: random.Random, columns: list[Column | Pool], n: int) -> list[bytes]:
    """Join the columns into records. Runs of pooled properties are first combined into
    pools of pre-joined chunks, so a record costs a few draws instead of one per property."""
    final: list[Column] = []
    run: list[Pool] = []

    def flush() -> None:
        for i in range(0, len(run), CHUNK):
            chunk = run[i : i + CHUNK]
            size = min(COMBOS, n // 2 + 8)
            picks = [rng.choices(pool, k=size) for pool in chunk]
            combos = [b",".join(parts) for parts in zip(*picks, strict=True)]
            final.append(rng.choices(combos, k=n))
        run.clear()

    for column in columns:
        if isinstance(column, Pool):
            run.append(column)
        else:
            flush()
            final.append(column)
    flush()
    return [b"{" + b",".join(parts) + b"}" for parts in zip(*final, strict=True)]


def _changes(
    rng: random.Random, versions: list[int], dates: list[int] | None, ctx: Context
) -> list[bytes]:
    """`[{employeeId, timestamp, changeType}]`: CREATE in working hours, and when
    version > 0 an UPDATE up to 90 days later in the evening. Generated history ends
    yesterday, so no timestamp lies in the future; `add`/`update` stamp the present."""
    first, today = FIRST_DAY.toordinal(), ctx.today.toordinal() - 1
    n = len(versions)
    created = dates or rng.choices(range(first, today + 1), k=n)
    heads = [b'{"employeeId":%d,"timestamp":"' % e for e in (ctx.ids.get("employee") or [1])]
    early = [
        b"T%02d:%02d:%02d" % (h, m, s)
        for h in range(7, 19)
        for m in range(0, 60, 7)
        for s in (3, 17, 41, 58)
    ]
    late = [
        b"T%02d:%02d:%02d" % (h, m, s) for h in range(19, 22) for m in range(60) for s in (9, 33)
    ]
    days = _day_parts(first, today)
    out = []
    draws = zip(
        versions,
        created,
        rng.choices(heads, k=n),
        rng.choices(early, k=n),
        rng.choices(heads, k=n),
        rng.choices(late, k=n),
        rng.choices(range(91), k=n),
        strict=True,
    )
    for version, day, head, at, head2, at2, delta in draws:
        iso, tail = days[min(day, today)]
        text = b"[" + head + iso + at + tail + b'CREATE"}'
        if version:
            iso, tail = days[min(day + delta, today)]
            text += b"," + head2 + iso + at2 + tail + b'UPDATE"}'
        out.append(text + b"]")
    return out
