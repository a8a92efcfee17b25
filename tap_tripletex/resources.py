"""The stream table: one entry per stream, one line per entry.

Adding a resource is one line here, plus `python -m tools.schemagen` to
generate its schema from the official spec. What the spec offers that is not a stream
is listed, with the reason, in `tools/spec_coverage.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial

from tap_tripletex.errors import TableError
from tap_tripletex.strategies import (
    ChangedSince,
    DateWindows,
    FullTable,
    Inline,
    OnePerCompany,
    PerParent,
    Replication,
)


def stream_name(path: str) -> str:
    """The naming rule: API path in snake_case, segments joined by `_`.

    `/ledger/vatType` -> `ledger_vat_type`, `/supplierInvoice` -> `supplier_invoice`.
    """
    segments = [s.lstrip(">") for s in path.strip("/").split("/")]
    return "_".join(re.sub(r"(?<!^)(?=[A-Z])", "_", s).lower() for s in segments)


WHOLE = FullTable()


@dataclass(frozen=True)
class Resource:
    """How to read one stream: `GET path`, replicated by its `replication` strategy
    (`tap_tripletex.strategies`): a list read whole each run (`FullTable`, the default),
    by date windows (`DateWindows`), by change time (`ChangedSince`), with its parent
    (`PerParent`: a list needing the parent's id; `Inline`: lines inside the parent), or
    one object per company (`OnePerCompany`). A combination that makes no sense raises
    `TableError` when the table is built.

    `params` are fixed query parameters; `as_of` names a required date parameter of a
    list set to tomorrow: the state as of today. Records are keyed by `company_id` plus
    `key`; a record without an id of its own may be keyed by the id of a relation
    (`id_of`), which the tap adds to it.
    """

    path: str
    replication: Replication = WHOLE
    selected_by_default: bool = False
    key: tuple[str, ...] = ("id",)
    params: tuple[tuple[str, str], ...] = ()
    as_of: str | None = None
    component: str | None = None  # record schema, when the path cannot tell it
    alias: str | None = None  # a name the path rule cannot give
    sorting: str | None = None  # `sorting` where the key is not the API's own (default: key)
    id_of: str | None = None  # a relation whose id each record carries as `<id_of>_id`

    def __post_init__(self) -> None:
        if not isinstance(self.replication, Replication):
            raise TableError(f"{self.path}: replication is a strategy, not {self.replication!r}")
        self.replication.check(self)

    @property
    def name(self) -> str:
        return self.alias or stream_name(self.path)

    @property
    def primary_keys(self) -> list[str]:
        return ["company_id", *(() if self.single else self.key)]

    # What the strategy says, by the names the simulator and the tools read.

    @property
    def replication_key(self) -> str | None:
        """What the stream's bookmark holds: the change time, a business date, or none."""
        return self.replication.replication_key

    @property
    def parents(self) -> tuple[str, ...]:
        return self.replication.parents

    @property
    def parent(self) -> str | None:
        return self.parents[0] if self.parents else None

    @property
    def parent_key(self) -> str | None:
        """The property of a child record holding its parent's id: `<parent>_id`."""
        return f"{self.parents[0]}_id" if self.parents else None

    @property
    def single(self) -> bool:
        return isinstance(self.replication, OnePerCompany)

    @property
    def changed_since(self) -> bool:
        return isinstance(self.replication, ChangedSince)

    @property
    def date_params(self) -> tuple[str, str] | None:
        return self.replication.span if isinstance(self.replication, DateWindows) else None

    @property
    def date_field(self) -> str | None:
        return self.replication.field if isinstance(self.replication, DateWindows) else None

    @property
    def monthly(self) -> bool:
        return isinstance(self.replication, DateWindows) and self.replication.monthly

    @property
    def parent_param(self) -> str | None:
        return self.replication.param if isinstance(self.replication, PerParent) else None

    @property
    def inline(self) -> str | None:
        return self.replication.prop if isinstance(self.replication, Inline) else None


def table(resources: tuple[Resource, ...]) -> dict[str, Resource]:
    """The table by stream name, checked as a whole: names unique, parents in it."""
    by_name: dict[str, Resource] = {}
    for resource in resources:
        if resource.name in by_name:
            raise TableError(f"{resource.path}: a second stream named {resource.name}")
        by_name[resource.name] = resource
    for resource in resources:
        missing = [p for p in resource.parents if p not in by_name]
        if missing:
            raise TableError(f"{resource.path}: parent {missing[0]} is not in the table")
    return by_name


Core = partial(Resource, selected_by_default=True)
Single = OnePerCompany()
Changes = ChangedSince()
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
    Core("/customer", Changes),
    Core("/supplier", Changes),
    Core("/contact"),
    Core("/employee"),
    Core("/department"),
    Core("/project"),
    Core("/product"),
    Core("/activity"),
    Core("/ledger/account"),
    Core("/ledger/vatType"),
    Core("/ledger/voucherType"),
    Core("/invoice", DateWindows(_INVOICE_DATES, "invoiceDate")),
    Core("/order", DateWindows(("orderDateFrom", "orderDateTo"), "orderDate")),
    Core("/ledger/voucher", DateWindows(_DATES, "date")),
    Core("/ledger/posting", DateWindows(_DATES, "date")),
    Core("/supplierInvoice", DateWindows(_INVOICE_DATES, "invoiceDate")),
    Core("/balanceSheet", DateWindows(_DATES, "startDate", monthly=True),
         key=("account_id", "startDate"), sorting="account.id", id_of="account"),
    Core("/timesheet/entry", DateWindows(_DATES, "date")),
    Core("/order/orderline", Inline(("order", "invoice"), "orderLines"), alias="order_line",
         component="OrderLine"),
    Core("/project/participant", Inline(("project",), "participants"),
         alias="project_participant", component="ProjectParticipant"),
    # The company and its settings: one record per company.
    Resource("/company/{id}", Single, alias="company"),
    Resource("/attestation/companyModules", Single),
    Resource("/bank/reconciliation/settings", Single),
    Resource("/ledger/postingRules", Single),
    Resource("/ledger/vatSettings", Single),
    Resource("/product/logisticsSettings", Single),
    Resource("/project/settings", Single),
    Resource("/salary/settings", Single),
    Resource("/timesheet/settings", Single),
    Resource("/travelExpense/settings", Single),
    # Date ranges.
    Resource("/invoice/details", DateWindows(_INVOICE_DATES)),  # no date of its own: whole
    Resource("/ledger/closeGroup", DateWindows(_DATES, "date")),
    Resource("/reminder", DateWindows(_DATES, "reminderDate")),
    Resource("/ledger/posting/openPost", as_of="date"),
    # Children of a parent id.
    Resource("/bank/statement/transaction", PerParent("bank_statement", "bankStatementId")),
    Resource("/inventory/stocktaking/productline",
             PerParent("inventory_stocktaking", "stocktakingId")),
    Resource("/product/productPrice", PerParent("product", "productId")),
    Resource("/project/controlForm", PerParent("project", "projectId")),
    Resource("/project/orderline", PerParent("project", "projectId")),
    Resource("/project/subcontract", PerParent("project", "projectId")),
    Resource("/project/task", PerParent("project", "projectId")),
    Resource("/purchaseOrder/deviation", PerParent("purchase_order", "purchaseOrderId")),
    Resource("/purchaseOrder/goodsReceiptLine", PerParent("purchase_order", "purchaseOrderId")),
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

BY_NAME: dict[str, Resource] = table(RESOURCES)
