"""How many records each stream gets, their ids and their business dates."""

from __future__ import annotations

import random
from itertools import accumulate

from tripletex_simulator.clock import FIRST_DAY
from tripletex_simulator.contract import ENDPOINTS

# Reference streams: about this many records at full scale (size >= FULL_SCALE).
FIXED = {
    "currency": 84,
    "country": 250,
    "ledger_vat_type": 50,
    "ledger_voucher_type": 15,
    "ledger_account": 530,
}
FULL_SCALE = 20_000
# Everything else shares the rest of `size` by weight; unknown streams weigh 1.
WEIGHTS = {
    "ledger_posting": 40,
    "ledger_voucher": 12,
    "invoice": 8,
    "order": 8,
    "timesheet_entry": 8,
    "supplier_invoice": 5,
    "customer": 4,
    "contact": 3,
    "product": 3,
    "project": 2,
    "supplier": 2,
    "activity": 1,
    "employee": 1,
    "department": 0.5,
}
# Streams beyond the core set come on top of `size`, at the same scale: a few records
# each, unless named here. Single objects have one record.
EXTRA_WEIGHTS = {
    "order_line": 16,
    "project_participant": 2,
    "project_orderline": 1,
    "project_task": 1,
    "purchase_order": 0.2,
}
DEFAULT_EXTRA_WEIGHT = 0.05
MIN_COUNT = 2
# Realistic id magnitudes (from recorded traffic); shifted per company except GLOBAL ones.
ID_BASES = {
    "currency": 0,
    "country": 0,
    "ledger_vat_type": -1,
    "ledger_voucher_type": 9_911_000,
    "ledger_account": 291_297_000,
    "customer": 93_640_000,
    "supplier": 93_700_000,
    "contact": 11_966_000,
    "employee": 11_960_000,
    "department": 553_000,
    "project": 210_300_000,
    "product": 69_781_000,
    "activity": 4_598_000,
    "invoice": 1_945_370_000,
    "order": 210_311_000,
    "ledger_voucher": 444_017_000,
    "ledger_posting": 2_903_347_000,
    "supplier_invoice": 1_945_600_000,
    "timesheet_entry": 123_456_000,
    "order_line": 973_759_000,
    "project_participant": 431_000_000,
}
GLOBAL = {"currency", "country", "ledger_vat_type"}


def counts(size: int) -> dict[str, int]:
    scale = min(1.0, size / FULL_SCALE)
    result: dict[str, int] = {e.name: 1 for e in ENDPOINTS if e.single}
    for resource in ENDPOINTS:
        if resource.name in FIXED:
            result[resource.name] = max(MIN_COUNT + 1, round(FIXED[resource.name] * scale))
    rest = max(0, size - sum(n for name, n in result.items() if name in FIXED))
    others = [e.name for e in ENDPOINTS if e.name not in result]
    total = sum(WEIGHTS.get(name, 0) for name in others) or 1
    for name in others:
        weight = WEIGHTS.get(name) or EXTRA_WEIGHTS.get(name, DEFAULT_EXTRA_WEIGHT)
        result[name] = max(MIN_COUNT, round(rest * weight / total))
    if "ledger_posting" in result and "ledger_voucher" in result:
        result["ledger_posting"] = max(result["ledger_posting"], result["ledger_voucher"])
    return result


def ids(rng: random.Random, name: str, n: int) -> list[int]:
    """Unique increasing ids with small gaps (deleted or other companies' records)."""
    base = ID_BASES.get(name, 100_000_000)
    if name in GLOBAL:
        return [base + i + 1 for i in range(n)]
    base += rng.randrange(0, 1_000_000)
    steps = rng.choices((1, 1, 1, 1, 2, 3, 7), k=n)
    return [base + step for step in accumulate(steps)]


def dates(rng: random.Random, n: int, today_ord: int) -> list[int]:
    """Day ordinals spread over FIRST_DAY..today, both ends always present, mostly rising."""
    first = FIRST_DAY.toordinal()
    if n == 1:
        return [today_ord]
    days = sorted(rng.randint(first, today_ord) for _ in range(n))
    days[0], days[-1] = first, today_ord
    for _ in range(n // 20):  # a little disorder: ids do not follow dates strictly
        a, b = rng.randrange(n), rng.randrange(n)
        days[a], days[b] = days[b], days[a]
    return days


def owners(n_children: int, n_parents: int) -> list[int]:
    """Parent index of each child, children spread evenly and contiguously."""
    return [i * n_parents // n_children for i in range(n_children)]
