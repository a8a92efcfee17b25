"""The books: a Norwegian chart of accounts, vouchers whose postings balance, invoices
with what is still owed on them, and hours of which some are chargeable. Columns for
`data.build`, per stream and property: (`"name":value` per record, metric or None).

Accounts follow NS 4102 (class 1 assets, 2 equity and liabilities, 3 revenue, 4 cost of
goods, 5 payroll, 6-7 other operating costs, 8 financial items and result), so reports
built on the simulator's data (transform/) have something real to sum.
"""

from __future__ import annotations

import random
import typing as t

import msgspec

from tripletex_simulator import plan
from tripletex_simulator.family import stub

Column = list[bytes]
Columns = dict[str, dict[str, tuple[Column, t.Any]]]
_encode = msgspec.json.encode

STANDARD_ACCOUNTS = {
    1200: "Maskiner og anlegg",
    1500: "Kundefordringer",
    1920: "Bankinnskudd",
    2000: "Aksjekapital",
    2050: "Annen egenkapital",
    2400: "Leverandørgjeld",
    2700: "Utgående merverdiavgift",
    2710: "Inngående merverdiavgift",
    2780: "Påløpt arbeidsgiveravgift",
    3000: "Salgsinntekt, avgiftspliktig",
    3100: "Salgsinntekt, avgiftsfri",
    4000: "Innkjøp av råvarer og halvfabrikata",
    4300: "Innkjøp av varer for videresalg",
    5000: "Lønn til ansatte",
    5400: "Arbeidsgiveravgift",
    6000: "Avskrivning på varige driftsmidler",
    6300: "Leie lokale",
    6800: "Kontorrekvisita",
    7100: "Bilgodtgjørelse",
    7700: "Styre- og bedriftsforsamlingsmøter",
    8050: "Annen renteinntekt",
    8150: "Annen rentekostnad",
    8300: "Betalbar skatt",
}
CLASSES = {
    1: "Eiendel",
    2: "Egenkapital og gjeld",
    3: "Salgsinntekt",
    4: "Varekostnad",
    5: "Lønnskostnad",
    6: "Driftskostnad",
    7: "Annen driftskostnad",
    8: "Finans",
}


def columns(
    all_ids: dict[str, list[int]], all_dates: dict[str, list[int]], rng: random.Random
) -> Columns:
    found: Columns = {}
    found.update(_vouchers(all_ids, all_dates, rng))
    if "ledger_account" in all_ids:
        found["ledger_account"] = _chart(len(all_ids["ledger_account"]), rng)
    for stream, outstanding in (
        ("invoice", ("amountOutstanding", "amountOutstandingTotal")),
        ("supplier_invoice", ("outstandingAmount",)),
    ):
        if stream in all_ids:
            found[stream] = _owed(len(all_ids[stream]), outstanding, rng)
    if "timesheet_entry" in all_ids:
        found["timesheet_entry"] = _hours(len(all_ids["timesheet_entry"]), rng)
    return found


def _chart(n: int, rng: random.Random) -> dict[str, tuple[Column, t.Any]]:
    """`n` accounts: the standard ones first, the rest spread over classes 1 to 8."""
    numbers = list(STANDARD_ACCOUNTS)[:n]
    spare = sorted(set(range(1000, 9000, 10)) - set(numbers))
    numbers = sorted(numbers + rng.sample(spare, max(0, n - len(numbers))))
    names = [
        STANDARD_ACCOUNTS.get(number, f"{CLASSES[number // 1000]} {number}") for number in numbers
    ]
    return {
        "number": ([b'"number":%d' % number for number in numbers], None),
        "numberPretty": ([b'"numberPretty":"%d"' % number for number in numbers], None),
        "name": ([b'"name":' + _encode(name) for name in names], None),
    }


def _owed(n: int, outstanding: tuple[str, ...], rng: random.Random) -> dict:
    """Amounts, and what is still owed: nothing on about half, part or all on the rest."""
    amounts = [round(rng.uniform(100, 80_000), 2) for _ in range(n)]
    owed = [round(a * rng.choice((0, 0, 0, 0.5, 1, 1)), 2) for a in amounts]
    found = {"amount": ([b'"amount":' + _encode(a) for a in amounts], None)}
    for name in outstanding:
        found[name] = ([b'"%s":' % name.encode() + _encode(o) for o in owed], None)
    return found


def _hours(n: int, rng: random.Random) -> dict:
    """Hours (the list's sumAllHours), of which none, half or all are chargeable."""
    hours = [rng.randint(1, 20) / 2 for _ in range(n)]
    chargeable = [h * rng.choice((0, 0.5, 1, 1)) for h in hours]
    return {
        "hours": ([b'"hours":' + _encode(h) for h in hours], hours),
        "chargeableHours": ([b'"chargeableHours":' + _encode(c) for c in chargeable], None),
    }


def _vouchers(
    all_ids: dict[str, list[int]], all_dates: dict[str, list[int]], rng: random.Random
) -> dict[str, dict[str, tuple[Column, list[float] | None]]]:
    """Postings belong to vouchers: same date, voucher stub, voucher lists its postings.
    Every posting has an account and an amount, and a voucher's amounts sum to zero."""
    if "ledger_posting" not in all_ids or "ledger_voucher" not in all_ids:
        return {}
    posting_ids, voucher_ids = all_ids["ledger_posting"], all_ids["ledger_voucher"]
    owner = plan.owners(len(posting_ids), len(voucher_ids))
    all_dates["ledger_posting"] = [all_dates["ledger_voucher"][v] for v in owner]
    stubs = [stub("ledger_voucher", rid) for rid in voucher_ids]
    children: list[list[bytes]] = [[] for _ in voucher_ids]
    for pos, parent in enumerate(owner):
        children[parent].append(stub("ledger_posting", posting_ids[pos]))
    postings = [b'"postings":[' + b",".join(c) + b"]" for c in children]
    accounts = all_ids.get("ledger_account") or [1]  # spread over the classes by _chart
    account = [b'"account":' + stub("ledger_account", rng.choice(accounts)) for _ in owner]
    amounts = [round(rng.uniform(-60_000, 60_000), 2) for _ in owner]
    first = 0  # a voucher's postings are contiguous; its last one balances it
    for pos, parent in enumerate(owner):
        if pos + 1 == len(owner) or owner[pos + 1] != parent:
            amounts[pos] = -round(sum(amounts[first:pos]), 2)
            first = pos + 1
    return {
        "ledger_posting": {
            "voucher": ([b'"voucher":' + stubs[v] for v in owner], None),
            "account": (account, None),
            "amount": ([b'"amount":' + _encode(a) for a in amounts], None),
        },
        "ledger_voucher": {"postings": (postings, [float(len(c)) for c in children])},
    }
