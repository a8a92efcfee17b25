"""Request dispatch: session creation, authentication, company endpoints, resources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from tripletex_simulator import balances, fields, listing
from tripletex_simulator.errors import ApiError, Reply, bad_request, not_found, unauthorized

if TYPE_CHECKING:
    from tripletex_simulator.core import Simulator

OWN_COMPANY_ONLY = (
    "Company owned users(employeeToken) can only access /token/session/>whoAmI & "
    "/company/>withLoginAccess in their own company."
)
ALWAYS_ALLOWED = {"/token/session/>whoAmI", "/company/>withLoginAccess"}
_encode = msgspec.json.encode


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # percent-decoded, e.g. "/v2/token/session/>whoAmI"
    params: Mapping[str, str]
    headers: Mapping[str, str]
    request_id: str


def value_reply(value: Any) -> Reply:
    return Reply(200, _encode({"value": value}))


def dispatch(sim: Simulator, request: Request) -> Reply:
    if not request.path.startswith("/v2/"):
        raise not_found(f"Fant ikke {request.path}.")
    path = request.path[3:].rstrip("/")
    if path == "/token/session/:create":
        if request.method != "PUT":
            raise ApiError(405, 1000, "Method Not Allowed", "Use PUT.")
        return value_reply(sim.sessions.create(dict(request.params), sim.today))
    username, _ = sim.sessions.check(request.headers.get("authorization"), sim.today)
    company_id, restricted = access(sim, username)
    if restricted and path not in ALWAYS_ALLOWED:
        raise unauthorized(OWN_COMPANY_ONLY)
    if request.method != "GET":
        raise ApiError(405, 1000, "Method Not Allowed", "The simulator is read-only.")
    if path == "/token/session/>whoAmI":
        return who_am_i(sim, company_id, proxy=not restricted and company_id != sim.company_id)
    if path == "/company/>withLoginAccess":
        return company_list(sim, request.params)
    if path.startswith("/company/") and path.removeprefix("/company/").isdigit():
        tail = path.removeprefix("/company/")
        if int(tail) not in (company_id, *sim.client_ids):
            raise not_found(f"Fant ikke {request.path}.")
        return value_reply(sim.company(int(tail)))
    if path == balances.PATH:
        return balances.reply(sim.dataset(company_id), request.params)
    return listing.handle(sim.dataset(company_id), path, request.params, request.headers)


def access(sim: Simulator, username: str) -> tuple[int, bool]:
    """(company the call acts on, whether only whoAmI/withLoginAccess are allowed)."""
    if not username.isdigit():
        raise unauthorized("Brukernavnet må være et firma-id (0 = eget firma).")
    wanted = int(username)
    if wanted in sim.revoked_companies:
        raise unauthorized(f"Tilgangen til firma {wanted} er trukket tilbake.")
    if wanted in (0, sim.company_id):
        return sim.company_id, bool(sim.client_ids)
    if wanted in sim.client_ids:
        return wanted, False
    raise unauthorized(f"Ingen tilgang til firma {wanted}.")


def who_am_i(sim: Simulator, company_id: int, proxy: bool) -> Reply:
    employee_id = sim.employee_id(company_id)
    host = sim.host
    return value_reply(
        {
            "employeeId": employee_id,
            "actualEmployeeId": employee_id,
            "employee": {"id": employee_id, "url": f"{host}/v2/employee/{employee_id}"},
            "companyId": company_id,
            "company": {"id": company_id, "url": f"{host}/v2/company/{company_id}"},
            "language": "no",
            "loggedInWithConnect": False,
            "employeeIsProxy": proxy,
        }
    )


def company_list(sim: Simulator, params: Mapping[str, str]) -> Reply:
    """Client companies the token may log in to (empty unless the token is an accountant's)."""
    clients = [dict(sim.company(cid), customerCompanyId=cid) for cid in sim.client_ids]
    try:
        tree = fields.parse(params.get("fields") or "*")
        fields.check(tree, clients[0] if clients else sim.company(sim.company_id))
    except fields.FieldsError as exc:
        raise bad_request(str(exc)) from None
    return listing.page_reply(params, clients, tree)
