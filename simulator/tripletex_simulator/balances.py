"""`GET /balanceSheet`: the saldobalanse, computed from the company's postings.

Per account with postings dated in `[dateFrom, dateTo)` (dateTo exclusive, as the spec
says): `balanceIn` (every posting before `dateFrom`), `balanceChange` (the sum of the
postings in the period) and `balanceOut`, with the period's `startDate` and exclusive
`endDate`. Paged like any list, its `fullResultSize` as inexact. Deleted postings (and
the postings of deleted vouchers) leave it at once.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from datetime import date
from typing import Any

import msgspec

from tripletex_simulator import fields, listing
from tripletex_simulator.clock import parse_date
from tripletex_simulator.contract import BY_NAME
from tripletex_simulator.data import Dataset
from tripletex_simulator.errors import Reply, bad_request
from tripletex_simulator.values import HOST

PATH = "/balanceSheet"
PROPS = ("account", "balanceIn", "balanceChange", "balanceOut", "startDate", "endDate")
SORTABLE = {"", "account", "account.id", "account.number"}
Movement = tuple[int, int, float]  # (date ordinal, account id, amount)


class _Posting(msgspec.Struct):
    date: str | None = None
    amount: float | None = None
    account: dict[str, Any] | None = None


_decode_posting = msgspec.json.Decoder(_Posting).decode
_encode = msgspec.json.encode


class Ledger:
    """A company's postings by date, and the balances a client asks for month after month:
    each opening balance is the one before it plus the postings in between."""

    def __init__(self, table: Any) -> None:
        found = []
        for blob in table.blobs:
            posting = _decode_posting(blob)
            day = parse_date(posting.date)
            account = (posting.account or {}).get("id")
            if day is not None and isinstance(account, int):
                found.append((day.toordinal(), account, float(posting.amount or 0)))
        found.sort()
        self.movements: list[Movement] = found
        self.days = [day for day, _, _ in found]
        self._openings: dict[int, dict[int, float]] = {0: {}}

    def opening(self, day: int) -> dict[int, float]:
        """Each account's balance before `day` (an ordinal)."""
        if day not in self._openings:
            before = max(known for known in list(self._openings) if known <= day)
            balances = dict(self._openings[before])
            low, high = bisect_left(self.days, before), bisect_left(self.days, day)
            for _, account, amount in self.movements[low:high]:
                balances[account] = balances.get(account, 0.0) + amount
            self._openings[day] = balances
        return self._openings[day]

    def change(self, first: int, end: int) -> dict[int, float]:
        found: dict[int, float] = {}
        low, high = bisect_left(self.days, first), bisect_left(self.days, end)
        for _, account, amount in self.movements[low:high]:
            found[account] = found.get(account, 0.0) + amount
        return found


_ledgers: dict[int, tuple[int, Ledger]] = {}  # id of a posting table -> (revision, ledger)


def ledger(dataset: Dataset) -> Ledger:
    """The company's ledger, built again after its postings change."""
    table = dataset.tables["ledger_posting"]
    revision, found = _ledgers.get(id(table), (-1, None))
    if found is None or revision != table.revision:
        found = Ledger(table)
        _ledgers[id(table)] = (table.revision, found)
    return found


def rows(dataset: Dataset, low: date, high: date) -> list[dict[str, Any]]:
    """The balance sheet for [low, high), one row per account with movements, by id."""
    books = ledger(dataset)
    opening = books.opening(low.toordinal())
    change = books.change(low.toordinal(), high.toordinal())
    url = f"{HOST}/v2/ledger/account/"
    return [
        {
            "account": {"id": account, "url": f"{url}{account}"},
            "balanceIn": round(opening.get(account, 0.0), 2),
            "balanceChange": round(change[account], 2),
            "balanceOut": round(opening.get(account, 0.0) + change[account], 2),
            "startDate": low.isoformat(),
            "endDate": high.isoformat(),
        }
        for account in sorted(change)
    ]


def reply(dataset: Dataset, params: Mapping[str, str]) -> Reply:
    window = listing.date_range(BY_NAME["balance_sheet"], params)
    if window is None:
        raise ValueError("the contract gives /balanceSheet no date range")
    low, high = window
    sorting = params.get("sorting", "")
    if sorting.lstrip("-") not in SORTABLE:
        raise bad_request(f"Illegal field in sorting: {sorting}")
    try:
        tree = fields.parse(params.get("fields") or "*")
        fields.check(tree, PROPS)
    except fields.FieldsError as exc:
        raise bad_request(str(exc)) from None
    resolve = _accounts(dataset)
    found = rows(dataset, low, high)  # by account id
    if sorting.lstrip("-") == "account.number":
        found.sort(key=lambda row: (resolve(row["account"]) or {}).get("number") or 0)
    if sorting.startswith("-"):
        found.reverse()
    return listing.page_reply(params, found, tree, resolve)


def _accounts(dataset: Dataset) -> fields.Resolver:
    table = dataset.tables["ledger_account"]

    def resolve(stub: dict[str, Any]) -> dict[str, Any] | None:
        pos = table.position(stub["id"]) if isinstance(stub.get("id"), int) else None
        return table.record(pos) if pos is not None else None

    return resolve
