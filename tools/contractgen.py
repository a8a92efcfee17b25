"""Generate the simulator's contract from the official Tripletex OpenAPI spec.

Usage: `python -m tools.contractgen [--spec PATH] [--recorded DIR] [--check]`.

Writes `simulator/tripletex_simulator/contract.json`: for each path in `SERVED`, what
`GET path` is (a list, a single object, or lines only read inside their parents), its
query parameters (those it requires, with their kind), its required date range
(`xFrom`/`xTo`, `to` exclusive) and the record property it filters on, the parent id it
requires and the list whose records supply it, the parents listing its lines, whether it
accepts `changedSince`, its record component; and each component the records need:
properties in spec order with their types, relations (a component with `id` and `url`,
served as an `{id, url}` stub) and value objects (inlined). Properties real responses
carry but the spec lacks (`../shared/tripletex/recorded/`) are added: recordings win.
The simulator reads only this file; it never imports the tap.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tools import contractshape as shape

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPEC = ROOT.parent / "shared" / "tripletex" / "openapi.json"
CONTRACT = ROOT / "simulator" / "tripletex_simulator" / "contract.json"
PAGING = {"from", "count", "sorting", "fields"}
Spec = dict[str, Any]

# What the simulator serves: Tripletex's company data (the paths a client reads).
# fmt: off
SERVED = (
    "/currency", "/country", "/customer", "/supplier", "/contact", "/employee",
    "/department", "/project", "/product", "/activity", "/ledger/account",
    "/ledger/vatType", "/ledger/voucherType", "/invoice", "/order", "/ledger/voucher",
    "/ledger/posting", "/supplierInvoice", "/balanceSheet", "/timesheet/entry",
    "/order/orderline", "/project/participant", "/company/{id}",
    "/attestation/companyModules", "/bank/reconciliation/settings", "/ledger/postingRules",
    "/ledger/vatSettings", "/product/logisticsSettings", "/project/settings",
    "/salary/settings", "/timesheet/settings", "/travelExpense/settings", "/invoice/details",
    "/ledger/closeGroup", "/reminder", "/ledger/posting/openPost",
    "/bank/statement/transaction", "/inventory/stocktaking/productline",
    "/product/productPrice", "/project/controlForm", "/project/orderline",
    "/project/subcontract", "/project/task", "/purchaseOrder/deviation",
    "/purchaseOrder/goodsReceiptLine", "/ledger/voucher/>nonPosted", "/resultbudget",
    "/company/salesmodules", "/incomingInvoice/search", "/vatReturns/comment",
    "/vatReturns/comment/>all", "/asset", "/bank", "/bank/reconciliation",
    "/bank/reconciliation/match", "/bank/reconciliation/paymentType", "/bank/statement",
    "/customer/category", "/deliveryAddress", "/division", "/employee/category",
    "/employee/employment", "/employee/employment/details",
    "/employee/employment/employmentType",
    "/employee/employment/employmentType/employmentEndReasonType",
    "/employee/employment/employmentType/employmentFormType",
    "/employee/employment/employmentType/salaryType",
    "/employee/employment/employmentType/scheduleType",
    "/employee/employment/leaveOfAbsence", "/employee/employment/leaveOfAbsenceType",
    "/employee/employment/occupationCode", "/employee/employment/remunerationType",
    "/employee/employment/workingHoursScheme", "/employee/entitlement",
    "/employee/hourlyCostAndRate", "/employee/nextOfKin", "/employee/standardTime",
    "/event/subscription", "/inventory", "/inventory/location", "/inventory/stocktaking",
    "/invoice/paymentType", "/ledger/accountingDimensionName",
    "/ledger/accountingDimensionValue/search", "/ledger/accountingPeriod",
    "/ledger/annualAccount", "/ledger/paymentTypeOut", "/ledger/voucher/>voucherReception",
    "/municipality", "/order/orderGroup", "/pension", "/product/discountGroup",
    "/product/group", "/product/groupRelation", "/product/inventoryLocation",
    "/product/supplierProduct", "/product/unit", "/product/unit/master", "/project/category",
    "/project/controlFormType", "/project/hourlyRates",
    "/project/hourlyRates/projectSpecificRates", "/purchaseOrder",
    "/purchaseOrder/goodsReceipt", "/purchaseOrder/purchaseOrderIncomingInvoiceRelation",
    "/resultbudget/company", "/salary/payslip", "/salary/settings/holiday",
    "/salary/settings/pensionScheme", "/salary/settings/standardTime", "/salary/type",
    "/supplierInvoice/forApproval", "/timesheet/allocated", "/timesheet/companyHoliday",
    "/timesheet/salaryProjectTypeSpecification", "/timesheet/salaryTypeSpecification",
    "/timesheet/timeClock", "/timesheet/week", "/travelExpense",
    "/travelExpense/accommodationAllowance", "/travelExpense/cost",
    "/travelExpense/costCategory", "/travelExpense/mileageAllowance",
    "/travelExpense/passenger", "/travelExpense/paymentType",
    "/travelExpense/perDiemCompensation", "/travelExpense/rate",
    "/travelExpense/rateCategory", "/travelExpense/rateCategoryGroup",
    "/travelExpense/zone", "/vatTermSizeSettings", "/voucherMessage", "/voucherStatus",
    "/yearEnd/enumType/businessActivityTypes",
)
# fmt: on
# Records without an id are told apart by one property (the spec cannot say which).
KEYS = {
    "/company/salesmodules": "name",
    "/incomingInvoice/search": "voucherId",
    "/vatReturns/comment": "vatCode",
    "/vatReturns/comment/>all": "technicalName",
}


def operation(spec: Spec, path: str) -> tuple[str, Spec]:
    """(kind, GET operation): a `list`, a `single` object, or `lines` (only `GET path/{id}`:
    read inside their parents)."""
    operations = spec["paths"].get(path, {})
    if "get" not in operations:
        return "lines", spec["paths"][f"{path}/{{id}}"]["get"]
    wrapper = shape.resolve(spec, shape.response_schema(operations["get"]))
    return ("list" if "values" in shape.merged(spec, wrapper) else "single"), operations["get"]


def parameter_kind(param: Spec, pair: tuple[str, str] | None) -> str:
    name, kind = param["name"], param.get("schema", {}).get("type", "string")
    if kind == "string" and (name == "date" or name.endswith("Date") or name in (pair or ())):
        return "date"
    return str(kind)


def date_pair(required: list[str]) -> tuple[str, str] | None:
    for low in required:
        high = low.removesuffix("From") + "To"
        if low.endswith("From") and high in required:
            return low, high
    return None


def parent_list(name: str, lists: list[str]) -> str | None:
    """The list whose records' ids a required `<x>Id` takes: the path spelling `x` in
    camelCase whole (`projectId`: `/project`), else by its last segments
    (`stocktakingId`: `/inventory/stocktaking`)."""
    wanted = name.removesuffix("Id").lower()
    for whole in (True, False):
        for path in lists:
            parts = [p for p in path.strip("/").split("/") if not p.startswith(">")]
            spans = [parts] if whole else [parts[i:] for i in range(1, len(parts))]
            if any("".join(span).lower() == wanted for span in spans):
                return path
    return None


def endpoint(spec: Spec, path: str, lists: list[str]) -> Spec:
    kind, get = operation(spec, path)
    params = [p for p in get.get("parameters", []) if p.get("in") == "query"]
    required = [p["name"] for p in params if p.get("required") and p["name"] not in PAGING]
    pair = date_pair(required)
    component = shape.record_component(spec, get)
    props = shape.merged(spec, shape.components(spec)[component])
    found: Spec = {"kind": kind, "component": component}
    found["params"] = [p["name"] for p in params]
    kinds = {p["name"]: parameter_kind(p, pair) for p in params}
    found["required"] = {name: kinds[name] for name in required}
    if pair:
        found["dates"] = list(pair)
        field = pair[0].removesuffix("From")
        field = field if field in props else path.rsplit("/", 1)[-1] + "Date"
        if field in props:
            found["date_field"] = field
    parents = [(n, parent_list(n, lists)) for n in required if n.endswith("Id")]
    for name, parent in parents:
        if parent is not None:
            found["parent"] = {"param": name, "list": parent}
            break
    if kind == "lines":
        found["inline"] = shape.carriers(spec, path, component, lists)
    found["changed_since"] = "changedSince" in found["params"]
    found["key"] = KEYS.get(path, "id")
    return found


def generate(spec: Spec, recorded: Path | None) -> Spec:
    served = {path: operation(spec, path)[0] for path in SERVED}
    lists = [path for path, kind in served.items() if kind == "list"]
    endpoints = {path: endpoint(spec, path, lists) for path in SERVED}
    records = [e["component"] for e in endpoints.values()]
    extra = shape.recorded_properties(spec, recorded, endpoints) if recorded else {}
    return {
        "spec": spec.get("info", {}).get("version", ""),
        "endpoints": endpoints,
        "components": shape.collect(spec, records, extra),
    }


def serialise(contract: Spec) -> str:
    return json.dumps(contract, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.contractgen")
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="openapi.json path")
    parser.add_argument("--recorded", type=Path, default=None, help="recorded/ (default: beside)")
    parser.add_argument("--check", action="store_true", help="exit 1 if contract.json drifted")
    args = parser.parse_args(argv)
    spec = json.loads(args.spec.read_text(encoding="utf-8"))
    text = serialise(generate(spec, args.recorded or args.spec.parent / "recorded"))
    if args.check:
        if not CONTRACT.exists() or CONTRACT.read_text(encoding="utf-8") != text:
            print(f"{CONTRACT} drifted: run python -m tools.contractgen", file=sys.stderr)
            return 1
        return 0
    CONTRACT.write_text(text, encoding="utf-8")
    print(f"{len(text.encode()):>9,} B  {CONTRACT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
