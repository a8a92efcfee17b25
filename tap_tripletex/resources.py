"""The stream table: one entry per stream, one line per entry.

Adding a resource is one line here, plus `python -m tap_tripletex.schemagen` to
generate its schema from the official spec. What the spec offers that is not a stream
is listed, with the reason, in `tools/spec_coverage.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial


def stream_name(path: str) -> str:
    """The naming rule: API path in snake_case, segments joined by `_`.

    `/ledger/vatType` -> `ledger_vat_type`, `/supplierInvoice` -> `supplier_invoice`.
    """
    segments = [s.lstrip(">") for s in path.strip("/").split("/")]
    return "_".join(re.sub(r"(?<!^)(?=[A-Z])", "_", s).lower() for s in segments)


@dataclass(frozen=True)
class Resource:
    """How to read one stream.

    Kinds: a list endpoint (`GET path`, paged); a `single` object (`GET path`, one
    record per company; `{id}` in the path is the company id); a child list whose
    endpoint needs a parent id (`parent_param`, read once per record of `parents[0]`);
    an `inline` child, the lines a parent carries in its property `inline`, read from
    the parents' payloads (`fields=*,inline(*)`) with no request of its own.

    Replication follows from the entry: a date-range endpoint (`date_params`, the
    required (from, to) query parameters, `to` exclusive) is incremental on its
    business date `date_field` (read whole, window by window, when it has none); a
    `changed_since` endpoint is incremental on the latest entry of its `changes`
    history; anything else is read whole each run. `as_of` names a required date
    parameter set to tomorrow: the state as of today. `params` are fixed query
    parameters. Records are keyed by `company_id` plus `key`; a record without an id of
    its own may be keyed by the id of a relation (`id_of`), which the tap adds to it.
    """

    path: str
    date_params: tuple[str, str] | None = None
    date_field: str | None = None
    changed_since: bool = False
    selected_by_default: bool = False
    key: tuple[str, ...] = ("id",)
    params: tuple[tuple[str, str], ...] = ()
    as_of: str | None = None
    parents: tuple[str, ...] = ()
    parent_param: str | None = None
    inline: str | None = None
    single: bool = False
    component: str | None = None  # record schema, when the path cannot tell it
    alias: str | None = None  # a name the path rule cannot give
    sorting: str | None = None  # `sorting` where the key is not the API's own (default: key)
    id_of: str | None = None  # a relation whose id each record carries as `<id_of>_id`
    monthly: bool = False  # date windows are calendar months (a record per month)

    @property
    def name(self) -> str:
        return self.alias or stream_name(self.path)

    @property
    def parent(self) -> str | None:
        return self.parents[0] if self.parents else None

    @property
    def parent_key(self) -> str | None:
        """The property of a child record holding its parent's id: `<parent>_id`."""
        return f"{self.parents[0]}_id" if self.parents else None

    @property
    def primary_keys(self) -> list[str]:
        return ["company_id", *(() if self.single else self.key)]

    @property
    def replication_key(self) -> str | None:
        """What the stream's bookmark holds: the change time, a business date, or none."""
        return "last_changed_at" if self.changed_since else self.date_field


Core = partial(Resource, selected_by_default=True)
_INVOICE_DATES = ("invoiceDateFrom", "invoiceDateTo")
_DATES = ("dateFrom", "dateTo")
_ALL_BUDGETS = tuple(
    (f"includeAll{kind}ResultBudgets", "true")
    for kind in ("Department", "Project", "Product", "Employee")
)

# One entry per resource, kept on as few lines as it takes (ruff format leaves it).
# fmt: off
RESOURCES: tuple[Resource, ...] = (
    # The core set: selected by default.
    Core("/currency"),
    Core("/country"),
    Core("/customer", changed_since=True),
    Core("/supplier", changed_since=True),
    Core("/contact"),
    Core("/employee"),
    Core("/department"),
    Core("/project"),
    Core("/product"),
    Core("/activity"),
    Core("/ledger/account"),
    Core("/ledger/vatType"),
    Core("/ledger/voucherType"),
    Core("/invoice", _INVOICE_DATES, "invoiceDate"),
    Core("/order", ("orderDateFrom", "orderDateTo"), "orderDate"),
    Core("/ledger/voucher", _DATES, "date"),
    Core("/ledger/posting", _DATES, "date"),
    Core("/supplierInvoice", _INVOICE_DATES, "invoiceDate"),
    Core("/balanceSheet", _DATES, "startDate", key=("account_id", "startDate"),
         sorting="account.id", id_of="account", monthly=True),
    Core("/timesheet/entry", _DATES, "date"),
    Core("/order/orderline", alias="order_line", component="OrderLine",
         parents=("order", "invoice"), inline="orderLines"),
    Core("/project/participant", alias="project_participant", component="ProjectParticipant",
         parents=("project",), inline="participants"),
    # The company and its settings: one record per company.
    Resource("/company/{id}", alias="company", single=True),
    Resource("/attestation/companyModules", single=True),
    Resource("/bank/reconciliation/settings", single=True),
    Resource("/ledger/postingRules", single=True),
    Resource("/ledger/vatSettings", single=True),
    Resource("/product/logisticsSettings", single=True),
    Resource("/project/settings", single=True),
    Resource("/salary/settings", single=True),
    Resource("/timesheet/settings", single=True),
    Resource("/travelExpense/settings", single=True),
    # Date ranges.
    Resource("/invoice/details", _INVOICE_DATES),  # no date of its own: read whole
    Resource("/ledger/closeGroup", _DATES, "date"),
    Resource("/reminder", _DATES, "reminderDate"),
    Resource("/ledger/posting/openPost", as_of="date"),
    # Children of a parent id.
    Resource("/bank/statement/transaction", parents=("bank_statement",),
             parent_param="bankStatementId"),
    Resource("/inventory/stocktaking/productline", parents=("inventory_stocktaking",),
             parent_param="stocktakingId"),
    Resource("/product/productPrice", parents=("product",), parent_param="productId"),
    Resource("/project/controlForm", parents=("project",), parent_param="projectId"),
    Resource("/project/orderline", parents=("project",), parent_param="projectId"),
    Resource("/project/subcontract", parents=("project",), parent_param="projectId"),
    Resource("/project/task", parents=("project",), parent_param="projectId"),
    Resource("/purchaseOrder/deviation", parents=("purchase_order",),
             parent_param="purchaseOrderId"),
    Resource("/purchaseOrder/goodsReceiptLine", parents=("purchase_order",),
             parent_param="purchaseOrderId"),
    # Fixed parameters, or records without an id.
    Resource("/ledger/voucher/>nonPosted", params=(("includeNonApproved", "true"),)),
    Resource("/resultbudget", params=_ALL_BUDGETS),
    Resource("/company/salesmodules", key=("name",)),
    Resource("/incomingInvoice/search", key=("voucherId",)),
    Resource("/vatReturns/comment", key=("vatCode",)),
    Resource("/vatReturns/comment/>all", key=("technicalName",)),
    # Everything else.
    Resource("/asset"),
    Resource("/bank"),
    Resource("/bank/reconciliation"),
    Resource("/bank/reconciliation/match"),
    Resource("/bank/reconciliation/paymentType"),
    Resource("/bank/statement"),
    Resource("/customer/category"),
    Resource("/deliveryAddress"),
    Resource("/division"),
    Resource("/employee/category"),
    Resource("/employee/employment"),
    Resource("/employee/employment/details"),
    Resource("/employee/employment/employmentType"),
    Resource("/employee/employment/employmentType/employmentEndReasonType"),
    Resource("/employee/employment/employmentType/employmentFormType"),
    Resource("/employee/employment/employmentType/salaryType"),
    Resource("/employee/employment/employmentType/scheduleType"),
    Resource("/employee/employment/leaveOfAbsence"),
    Resource("/employee/employment/leaveOfAbsenceType"),
    Resource("/employee/employment/occupationCode"),
    Resource("/employee/employment/remunerationType"),
    Resource("/employee/employment/workingHoursScheme"),
    Resource("/employee/entitlement"),
    Resource("/employee/hourlyCostAndRate"),
    Resource("/employee/nextOfKin"),
    Resource("/employee/standardTime"),
    Resource("/event/subscription"),
    Resource("/inventory"),
    Resource("/inventory/location"),
    Resource("/inventory/stocktaking"),
    Resource("/invoice/paymentType"),
    Resource("/ledger/accountingDimensionName"),
    Resource("/ledger/accountingDimensionValue/search"),
    Resource("/ledger/accountingPeriod"),
    Resource("/ledger/annualAccount"),
    Resource("/ledger/paymentTypeOut"),
    Resource("/ledger/voucher/>voucherReception"),
    Resource("/municipality"),
    Resource("/order/orderGroup"),
    Resource("/pension"),
    Resource("/product/discountGroup"),
    Resource("/product/group"),
    Resource("/product/groupRelation"),
    Resource("/product/inventoryLocation"),
    Resource("/product/supplierProduct"),
    Resource("/product/unit"),
    Resource("/product/unit/master"),
    Resource("/project/category"),
    Resource("/project/controlFormType"),
    Resource("/project/hourlyRates"),
    Resource("/project/hourlyRates/projectSpecificRates"),
    Resource("/purchaseOrder"),
    Resource("/purchaseOrder/goodsReceipt"),
    Resource("/purchaseOrder/purchaseOrderIncomingInvoiceRelation"),
    Resource("/resultbudget/company"),
    Resource("/salary/payslip"),
    Resource("/salary/settings/holiday"),
    Resource("/salary/settings/pensionScheme"),
    Resource("/salary/settings/standardTime"),
    Resource("/salary/type"),
    Resource("/supplierInvoice/forApproval"),
    Resource("/timesheet/allocated"),
    Resource("/timesheet/companyHoliday"),
    Resource("/timesheet/salaryProjectTypeSpecification"),
    Resource("/timesheet/salaryTypeSpecification"),
    Resource("/timesheet/timeClock"),
    Resource("/timesheet/week"),
    Resource("/travelExpense"),
    Resource("/travelExpense/accommodationAllowance"),
    Resource("/travelExpense/cost"),
    Resource("/travelExpense/costCategory"),
    Resource("/travelExpense/mileageAllowance"),
    Resource("/travelExpense/passenger"),
    Resource("/travelExpense/paymentType"),
    Resource("/travelExpense/perDiemCompensation"),
    Resource("/travelExpense/rate"),
    Resource("/travelExpense/rateCategory"),
    Resource("/travelExpense/rateCategoryGroup"),
    Resource("/travelExpense/zone"),
    Resource("/vatTermSizeSettings"),
    Resource("/voucherMessage"),
    Resource("/voucherStatus"),
    Resource("/yearEnd/enumType/businessActivityTypes"),
)
# fmt: on

BY_NAME: dict[str, Resource] = {r.name: r for r in RESOURCES}
