"""The stream table: one entry per Tripletex resource.

Adding a resource is one line here, plus `python -m tap_tripletex.schemagen` to
generate its schema from the official spec.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def stream_name(path: str) -> str:
    """The naming rule: API path in snake_case, segments joined by `_`.

    `/ledger/vatType` -> `ledger_vat_type`, `/supplierInvoice` -> `supplier_invoice`.
    """
    segments = [s.lstrip(">") for s in path.strip("/").split("/")]
    return "_".join(re.sub(r"(?<!^)(?=[A-Z])", "_", s).lower() for s in segments)


@dataclass(frozen=True)
class Resource:
    """How to read one Tripletex list endpoint.

    Replication follows from the entry: a date-range endpoint (`date_params`, the
    required (from, to) query parameters, `to` exclusive) is incremental on its
    business date `date_field`; a `changed_since` endpoint is incremental on the
    latest entry of its `changes` history; anything else is read whole each run.
    """

    path: str
    date_params: tuple[str, str] | None = None
    date_field: str | None = None
    changed_since: bool = False
    selected_by_default: bool = True

    @property
    def name(self) -> str:
        return stream_name(self.path)


_INVOICE_DATES = ("invoiceDateFrom", "invoiceDateTo")
_DATES = ("dateFrom", "dateTo")

RESOURCES: tuple[Resource, ...] = (
    Resource("/currency"),
    Resource("/country"),
    Resource("/customer", changed_since=True),
    Resource("/supplier", changed_since=True),
    Resource("/contact"),
    Resource("/employee"),
    Resource("/department"),
    Resource("/project"),
    Resource("/product"),
    Resource("/activity"),
    Resource("/ledger/account"),
    Resource("/ledger/vatType"),
    Resource("/ledger/voucherType"),
    Resource("/invoice", _INVOICE_DATES, "invoiceDate"),
    Resource("/order", ("orderDateFrom", "orderDateTo"), "orderDate"),
    Resource("/ledger/voucher", _DATES, "date"),
    Resource("/ledger/posting", _DATES, "date"),
    Resource("/supplierInvoice", _INVOICE_DATES, "invoiceDate"),
    Resource("/timesheet/entry", _DATES, "date"),
)

BY_NAME: dict[str, Resource] = {r.name: r for r in RESOURCES}
