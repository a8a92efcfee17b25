"""Plausible values for one schema property, chosen from its name and JSON type."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tripletex_simulator.clock import FIRST_DAY
from tripletex_simulator.contract import BY_NAME

HOST = "api.tripletex.sim"
Schema = dict[str, Any]

# Stub property name -> the stream its id points at (only streams the simulator serves).
REFERENCES = {
    "currency": "currency",
    "country": "country",
    "phoneNumberMobileCountry": "country",
    "bankAccountCountry": "country",
    "customer": "customer",
    "supplier": "supplier",
    "vendor": "supplier",
    "contact": "contact",
    "attn": "contact",
    "attention": "contact",
    "ourContact": "contact",
    "employee": "employee",
    "accountManager": "employee",
    "projectManager": "employee",
    "departmentManager": "employee",
    "ourContactEmployee": "employee",
    "department": "department",
    "invoicingDepartment": "department",
    "project": "project",
    "mainProject": "project",
    "product": "product",
    "resaleProduct": "product",
    "activity": "activity",
    "account": "ledger_account",
    "ledgerAccount": "ledger_account",
    "amortizationAccount": "ledger_account",
    "vatType": "ledger_vat_type",
    "legalVatTypes": "ledger_vat_type",
    "voucherType": "ledger_voucher_type",
    "voucher": "ledger_voucher",
    "reverseVoucher": "ledger_voucher",
    "invoice": "invoice",
    "preliminaryInvoice": "invoice",
    "order": "order",
    "orders": "order",
    "postings": "ledger_posting",
}
# Stubs of resources the simulator does not serve: url path only, ids are made up.
OTHER_PATHS = {
    "Address": "/address",
    "category": "/customer/category",
    "quantityType": "/product/unit",
    "productUnit": "/product/unit",
    "orderLines": "/order/orderline",
    "closeGroup": "/ledger/closeGroup",
    "document": "/document",
    "attachment": "/document",
    "employments": "/employee/employment",
    "reminders": "/reminder",
    "travelReports": "/travelExpense",
}

FIRST = [
    "Ola",
    "Kari",
    "Per",
    "Ingrid",
    "Lars",
    "Silje",
    "Jonas",
    "Nora",
    "Emil",
    "Sofie",
    "Henrik",
    "Marte",
    "Anders",
    "Hanne",
    "Magnus",
    "Thea",
    "Øyvind",
    "Åse",
]
LAST = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Berg",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Haugen",
    "Bakken",
    "Dahl",
    "Sæther",
    "Løken",
]
PLACES = [
    "Fjord",
    "Nordlys",
    "Bjørk",
    "Vestkyst",
    "Tinde",
    "Havblikk",
    "Solberg",
    "Granitt",
    "Furu",
    "Elvebakken",
    "Polar",
    "Kyst",
    "Fossen",
    "Lyngheim",
]
SUFFIXES = ["AS", "AS", "AS", "ASA", "ENK", "DA", "Holding AS", "Bygg AS", "Regnskap AS"]
WORDS = [
    "Administrasjon",
    "Prosjektarbeid",
    "Konsulenttimer",
    "Reise",
    "Materiell",
    "Lisens",
    "Vedlikehold",
    "Husleie",
    "Strøm",
    "Rådgivning",
    "Kontorrekvisita",
    "Programvare",
    "Frakt",
    "Opplæring",
    "Inventar",
    "Forsikring",
    "Renhold",
    "Markedsføring",
]
ENUMS = ["GENERAL", "DAYS", "EMAIL", "NONE", "STANDARD", "MONTHS", "ADVANCE", "ATTACHMENT"]
PERSON_STREAMS = {"employee", "contact"}
COMPANY_STREAMS = {"customer", "supplier"}
ASCII = str.maketrans({"ø": "o", "å": "a", "æ": "ae", "Ø": "O", "Å": "A", "Æ": "AE"})


@dataclass
class Context:
    """What value generation needs to know about the dataset being built."""

    stream: str
    today: date
    ids: dict[str, list[int]] = field(default_factory=dict)


def is_stub(schema: Schema) -> bool:
    return set(schema.get("properties", {})) == {"id", "url"}


def types(schema: Schema) -> list[str]:
    kind = schema.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def stub_path(name: str) -> str:
    for key, path in OTHER_PATHS.items():
        if key in name:
            return path
    return "/" + name


def make_stub(rng: random.Random, name: str, ctx: Context, target: str | None) -> Any:
    ids = ctx.ids.get(target or "")
    if target and ids:
        ref = rng.choice(ids)
        return {"id": ref, "url": f"{HOST}/v2{BY_NAME[target].path}/{ref}"}
    fake = rng.randrange(1_000_000, 400_000_000)
    return {"id": fake, "url": f"{HOST}/v2{stub_path(name)}/{fake}"}


def value(  # noqa: PLR0911
    rng: random.Random, name: str, schema: Schema, ctx: Context, depth: int = 0
) -> Any:
    """A value for property `name` (never `id`/`url`/`version`: the caller sets those)."""
    kinds = types(schema)
    if "object" in kinds:
        if is_stub(schema):
            target = REFERENCES.get(name)
            null_share = 0.15 if target in ctx.ids else 0.6
            return None if rng.random() < null_share else make_stub(rng, name, ctx, target)
        if depth > 3 or rng.random() < 0.1:
            return None
        props = schema.get("properties", {})
        return {k: value(rng, k, s, ctx, depth + 1) for k, s in props.items()}
    if "array" in kinds:
        return array(rng, name, schema.get("items", {}), ctx, depth)
    if rng.random() < 0.05:
        return None
    if "boolean" in kinds:
        return rng.random() < (0.25 if re.match(r"(is|has)[A-Z]", name) else 0.5)
    if "integer" in kinds:
        return integer(rng, name.lower(), ctx)
    if "number" in kinds:
        return number(rng, name.lower())
    if "string" in kinds:
        return string(rng, name, ctx)
    return None


def array(rng: random.Random, name: str, items: Schema, ctx: Context, depth: int) -> Any:
    if name == "changes" or depth > 2:
        return []
    size = rng.choice((0, 0, 0, 1, 1, 2, 3))
    if is_stub(items):
        target = REFERENCES.get(name)
        return [make_stub(rng, name, ctx, target) for _ in range(size)]
    return [value(rng, name, items, ctx, depth + 1) for _ in range(min(size, 2))]


def integer(rng: random.Random, low: str, ctx: Context) -> int:
    if "year" in low:
        return rng.randint(FIRST_DAY.year, ctx.today.year)
    if "number" in low:
        return rng.randint(1, 99_999)
    if low.endswith("id"):
        return rng.randint(0, 100_000)
    return rng.choice((0, 0, 1, 2, 5, 10, 14, 30, 100))


def number(rng: random.Random, low: str) -> float:
    if "hour" in low:
        return rng.randint(1, 20) / 2
    if any(w in low for w in ("amount", "price", "cost", "sum", "balance", "salary")):
        low_end = -2_000 if rng.random() < 0.2 else 0
        return round(rng.uniform(low_end, 60_000), 2)
    if any(w in low for w in ("percent", "rate", "factor", "discount", "markup")):
        return float(rng.choice((0, 0, 10, 12, 15, 25, 100)))
    return round(rng.uniform(0, 1_000), 2)


def day(rng: random.Random, ctx: Context) -> str:
    span = ctx.today.toordinal() - FIRST_DAY.toordinal()
    return date.fromordinal(FIRST_DAY.toordinal() + rng.randint(0, span)).isoformat()


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def company(rng: random.Random) -> str:
    return f"{rng.choice(PLACES)} {rng.choice(WORDS)} {rng.choice(SUFFIXES)}"


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def string(rng: random.Random, name: str, ctx: Context) -> str:  # noqa: PLR0911, PLR0912
    low = name.lower()
    if low.endswith("date") or "dateof" in low:
        return day(rng, ctx)
    if rng.random() < 0.15 and "name" not in low:
        return ""
    if "email" in low:
        return f"{rng.choice(FIRST)}.{rng.choice(LAST)}@{rng.choice(PLACES)}.no".lower().translate(
            ASCII
        )
    if "phone" in low or "fax" in low:
        return f"+47 9{digits(rng, 2)} {digits(rng, 2)} {digits(rng, 3)}"
    if low == "organizationnumber":
        return digits(rng, 9)
    if low == "firstname":
        return rng.choice(FIRST)
    if low == "lastname":
        return rng.choice(LAST)
    if "name" in low:
        if ctx.stream in PERSON_STREAMS:
            return person(rng)
        if ctx.stream in COMPANY_STREAMS:
            return company(rng)
        return f"{rng.choice(WORDS)} {rng.randint(1, 99)}"
    if low.endswith("code"):
        return iso_code(rng, low)
    if "iban" in low:
        return "NO" + digits(rng, 13)
    if "bankaccount" in low or low == "kid":
        return digits(rng, 11)
    if "website" in low or low.endswith("url"):
        return f"www.{rng.choice(PLACES).lower().translate(ASCII)}.no"
    if low == "language":
        return rng.choice(("NO", "NO", "EN"))
    if low == "locale":
        return "no_NO"
    if "type" in low or low.endswith("status"):
        return rng.choice(ENUMS)
    if "number" in low:
        return str(rng.randint(1, 99_999))
    return " ".join(rng.sample(WORDS, rng.randint(1, 3)))


def iso_code(rng: random.Random, low: str) -> str:
    if "numeric" in low:
        return digits(rng, 3)
    size = 2 if "alpha2" in low else 3
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(size))
