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

    `date_params` names the required (from, to) query parameters of date-range
    endpoints; Tripletex treats `to` as exclusive. `date_field` is the record's
    business date those parameters filter on.
    """

    path: str
    date_params: tuple[str, str] | None = None
    date_field: str | None = None
    selected_by_default: bool = True

    @property
    def name(self) -> str:
        return stream_name(self.path)


_INVOICE_DATES = ("invoiceDateFrom", "invoiceDateTo")
_DATES = ("dateFrom", "dateTo")

RESOURCES: tuple[Resource, ...] = (
    Resource("/currency"),
    Resource("/country"),
    Resource("/customer"),
    Resource("/supplier"),
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
