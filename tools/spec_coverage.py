"""What of Tripletex's readable API is not a stream, and why.

Every `GET` endpoint of the spec without a path parameter is either read by a stream
(`tap_tripletex.resources.RESOURCES`) or listed in `EXCLUDED` with its reason; a test
walks the spec and fails on anything else, so an API update cannot slip past.
"""

from __future__ import annotations

import typing as t

from tap_tripletex.resources import RESOURCES

_DASHBOARD = "dashboard widget of the Tripletex UI, not company data"
_DEPRECATED = "deprecated in the spec"
_INTERNAL = "[INTERNAL] endpoint for the Tripletex UI"
_UI_VIEW = "a view for the Tripletex UI (time sheet registration), a subset of a stream"
_SEARCH = "wildcard search over records another stream reads whole"
_REPORT = "report summed over a chosen period, without record ids (from ledger_posting)"
_SCALAR = "a single computed number or flag, not a record"
_USER = "about the logged-in user, not the company"
_LOOKUP = "a lookup of one record by a value the caller supplies"
_FILE = "a file download (not JSON)"

EXCLUDED: dict[str, str] = {
    # Lists
    "/accountantDashboard/news": _DASHBOARD,
    "/accountantDashboard/news/tags": _DASHBOARD,
    "/supportDashboard/bankruptAndExcludedCustomers": _DASHBOARD,
    "/bank/reconciliation/match/query": _INTERNAL,
    "/bank/reconciliation/internal/autoposting/suggestions": _INTERNAL,
    "/bank/reconciliation/internal/match": _INTERNAL,
    "/bank/reconciliation/internal/paymentType": _INTERNAL,
    "/company/divisions": _DEPRECATED,
    "/crm/prospect": _DEPRECATED,
    "/pickupPoint": _DEPRECATED,
    "/timesheet/month/byMonthNumber": _DEPRECATED,
    "/activity/>forTimeSheet": _UI_VIEW,
    "/project/>forTimeSheet": _UI_VIEW,
    "/timesheet/entry/>recentActivities": _UI_VIEW,
    "/timesheet/entry/>recentProjects": _UI_VIEW,
    "/department/query": _SEARCH,
    "/employee/searchForEmployeesAndContacts": _SEARCH,
    "/ledger/accountingDimensionName/search": _SEARCH,
    "/municipality/query": _SEARCH,
    "/product/group/query": _SEARCH,
    "/product/unit/query": _SEARCH,
    "/project/orderline/query": _SEARCH,
    "/project/subcontract/query": _SEARCH,
    "/supplierCustomer/search": _SEARCH,
    "/ledger": _REPORT,
    "/ledger/openPost": _REPORT + " (or ledger_posting_open_post)",
    "/inventory/inventories": "stock report per product over a chosen period, without ids",
    "/ledger/postingByDate": "the same postings as /ledger/posting (ledger_posting)",
    "/ledger/voucher/>externalVoucherNumber": _LOOKUP,
    "/company/>withLoginAccess": (
        "an accountant's client list: the tap reads it to choose companies "
        "(all_client_companies); each company is in the `company` stream"
    ),
    "/employee/entitlement/client": "an accountant's entitlements in one client company",
    "/employee/employment/employmentType/maritimeEmploymentType": (
        "needs `type` (SHIP_REGISTER, SHIP_TYPE or TRADE_AREA): fixed code lists"
    ),
    "/product/external": "wholesalers' product catalogue, not company data",
    "/transportType": "needs a wholesaler name: per-wholesaler catalogue",
    "/project/batchPeriod/budgetStatusByProjectIds": "budget report for given project ids",
    "/project/batchPeriod/invoicingReserveByProjectIds": (
        "invoicing report for given project ids and period"
    ),
    "/timesheet/month/byMonthNumberList": "needs employee ids and months (approval status)",
    # Single objects
    "/asset/balanceAccountsSum": _SCALAR,
    "/asset/assetsExist": _SCALAR,
    "/voucherInbox/inboxCount": _SCALAR,
    "/timesheet/entry/>totalHours": _SCALAR,
    "/bank/reconciliation/match/count": _SCALAR,
    "/bank/reconciliation/matches/counter": _SCALAR,
    "/token/session/>whoAmI": _USER,
    "/employee/preferences": _USER,
    "/employee/preferences/>loggedInEmployeePreferences": _USER,
    "/timesheet/timeClock/present": _USER,
    "/token/consumer/byToken": _LOOKUP,
    "/attestation/addApproverPermission": _LOOKUP,
    "/bank/reconciliation/closedWithUnmatchedTransactions": _LOOKUP + " (bank_reconciliation)",
    "/bank/reconciliation/>last": _LOOKUP + " (bank_reconciliation)",
    "/bank/reconciliation/>lastClosed": _LOOKUP + " (bank_reconciliation)",
    "/bank/reconciliation/internal/period/lastClosed": _INTERNAL,
    "/bank/reconciliation/internal/paymentType/defaultInterimAccount": _INTERNAL,
    "/employee/standardTime/byDate": _LOOKUP + " (employee_standard_time)",
    "/salary/settings/standardTime/byDate": _LOOKUP + " (salary_settings_standard_time)",
    "/order/orderline/orderLineTemplate": "a template for a new order line, not data",
    "/project/orderline/orderLineTemplate": "a template for a new order line, not data",
    "/salary/compilation": "needs an employee id and a year: per-employee report",
    "/project/resourcePlanBudget": "needs a period and a period type: planning report",
    "/ledger/voucher/openingBalance": "the opening balance voucher is in ledger_voucher",
    "/ledger/voucher/openingBalance/>correctionVoucher": "a voucher, in ledger_voucher",
    "/company/settings/altinn": "holds the company's Altinn password",
    "/subscription/packages": "Tripletex's catalogue of packages, not company data",
    "/event": "Tripletex's catalogue of webhook event names",
    "/internal/debtCollector": _INTERNAL,
    "/platformAgnostic/bank/onboarding/fetchOdpCustomerId": _INTERNAL,
    "/yearEnd/penneo/session": "Penneo e-signing integration, not data",
    "/yearEnd/penneo/casefiles": "Penneo e-signing integration, not data",
    "/yearEnd/penneo/recipients": "Penneo e-signing integration, not data",
    "/saft/exportSAFT": _FILE,
    "/salary/compilation/pdf": _FILE,
    "/supportDashboard/export": _FILE,
}


def readable_paths(spec: dict[str, t.Any]) -> list[str]:
    """Every `GET` path of the spec without a path parameter, and `/company/{id}`."""
    return [
        path
        for path, operations in spec["paths"].items()
        if "get" in operations and ("{" not in path or path == "/company/{id}")
    ]


def uncovered(spec: dict[str, t.Any]) -> list[str]:
    """Readable paths that are neither a stream nor excluded: each needs a decision."""
    streamed = {r.path for r in RESOURCES if not r.inline}
    return [p for p in readable_paths(spec) if p not in streamed and p not in EXCLUDED]


def stale(spec: dict[str, t.Any]) -> list[str]:
    """Streams and exclusions naming a path the spec no longer has."""
    readable = set(readable_paths(spec))
    named = [r.path for r in RESOURCES if not r.inline] + list(EXCLUDED)
    return [p for p in named if p not in readable]
