"""The Tripletex simulator behaves like the real API where the tap depends on it."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from tripletex_simulator import Simulator

from tap_tripletex.resources import BY_NAME, RESOURCES

TODAY = date(2026, 7, 28)  # a summer day: Oslo is at +02:00
FIRST_DAY = date(2019, 1, 1)
CONSUMER, EMPLOYEE = "test-consumer", "test-employee"
SCHEMAS = Path(__file__).resolve().parents[1] / "tap_tripletex" / "schemas"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00$")


@pytest.fixture(scope="module")
def sim() -> Simulator:
    return Simulator(
        seed=3, size=800, consumer_token=CONSUMER, employee_token=EMPLOYEE, today=TODAY
    )


@pytest.fixture(scope="module")
def base(sim: Simulator) -> Iterator[str]:
    with sim.serve() as url:
        yield url


def create_session(base: str, **params: str) -> requests.Response:
    query = {
        "consumerToken": CONSUMER,
        "employeeToken": EMPLOYEE,
        "expirationDate": (TODAY + timedelta(days=1)).isoformat(),
        **params,
    }
    return requests.put(f"{base}/token/session/:create", params=query, timeout=10)


@pytest.fixture(scope="module")
def api(base: str) -> Iterator[requests.Session]:
    session = requests.Session()
    session.auth = ("0", create_session(base).json()["value"]["token"])
    yield session
    session.close()


def wide(stream: str) -> dict[str, str]:
    """The required parameters, with date ranges covering every record."""
    resource = BY_NAME[stream]
    params = dict(resource.params)
    if resource.as_of:
        params[resource.as_of] = "2100-01-01"
    if resource.date_params:
        low, high = resource.date_params
        params.update({low: "2000-01-01", high: "2100-01-01"})
    return params


def walk(
    api: requests.Session, base: str, stream: str, count: int = 1000, **params: Any
) -> list[dict[str, Any]]:
    path, start, found = BY_NAME[stream].path, 0, []
    while True:
        query: dict[str, Any] = {
            **wide(stream),
            "from": start,
            "count": count,
            "sorting": "id",
            **params,
        }
        body = api.get(base + path, params=query, timeout=10).json()
        found += body["values"]
        if len(body["values"]) < count:
            return found
        start += count


def assert_error(response: requests.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {
        "status",
        "code",
        "message",
        "link",
        "developerMessage",
        "validationMessages",
        "requestId",
    }
    assert (body["status"], body["code"]) == (status, code)
    assert body["requestId"] == response.headers["x-tlx-request-id"]
    return body


# sessions and authentication ------------------------------------------------------------
def test_session_create(sim: Simulator, base: str) -> None:
    before = sim.sessions_created
    response = create_session(base)
    assert response.status_code == 200
    value = response.json()["value"]
    assert value["expirationDate"] == "2026-07-29"
    assert value["token"] and value["encryptionKey"] is None
    assert {"id", "version", "url", "consumerToken", "employeeToken"} <= set(value)
    assert sim.sessions_created == before + 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"consumerToken": "nope"}, "arg:consumerToken"),
        ({"employeeToken": "nope"}, "arg:employeeToken"),
        # Issue 16, case 5: a non-ASCII token is a wrong token (422), not a server error.
        ({"consumerToken": "s\u00e6rnorsk-token-\u00f8"}, "arg:consumerToken"),
        ({"employeeToken": "employee-\u00e5"}, "arg:employeeToken"),
        ({"expirationDate": ""}, "arg:expirationDate"),
        ({"expirationDate": "29.07.2026"}, "arg:expirationDate"),
        ({"expirationDate": TODAY.isoformat()}, "arg:expirationDate"),
        ({"expirationDate": "2020-01-01"}, "arg:expirationDate"),
    ],
)
def test_session_create_rejects(base: str, params: dict[str, str], field: str) -> None:
    body = assert_error(create_session(base, **params), 422, 18000)
    assert body["validationMessages"][0]["field"] == field


@pytest.mark.parametrize("auth", [None, ("0", "not-a-token"), ("abc", "TOKEN"), ("42", "TOKEN")])
def test_bad_basic_auth(api: requests.Session, base: str, auth: Any) -> None:
    if auth is not None and auth[1] == "TOKEN":
        auth = (auth[0], api.auth[1])  # type: ignore[index]
    response = requests.get(f"{base}/customer", auth=auth, timeout=10)
    assert_error(response, 401, 3000)


def test_token_dies_at_midnight_before_expiration_date() -> None:
    sim = Simulator(seed=1, size=50, today=TODAY)
    with sim.serve() as base:
        token = requests.put(
            f"{base}/token/session/:create",
            timeout=10,
            params={
                "consumerToken": "sim-consumer",
                "employeeToken": "sim-employee",
                "expirationDate": "2026-07-30",
            },
        ).json()["value"]["token"]
        assert requests.get(f"{base}/customer", auth=("0", token), timeout=10).ok
        sim.today = date(2026, 7, 30)
        assert_error(requests.get(f"{base}/customer", auth=("0", token), timeout=10), 401, 3000)


def test_who_am_i(sim: Simulator, api: requests.Session, base: str) -> None:
    value = api.get(f"{base}/token/session/>whoAmI", timeout=10).json()["value"]
    assert value["companyId"] == sim.company_id == value["company"]["id"]
    assert value["employeeId"] in {e["id"] for e in sim.records("employee")}
    assert value["employee"]["id"] == value["actualEmployeeId"] == value["employeeId"]


def test_accountant_token_reaches_clients_only() -> None:
    sim = Simulator(seed=1, size=100, companies=[111, 222], today=TODAY)
    with sim.serve() as base:
        token = requests.put(
            f"{base}/token/session/:create",
            timeout=10,
            params={
                "consumerToken": "sim-consumer",
                "employeeToken": "sim-employee",
                "expirationDate": "2026-08-01",
            },
        ).json()["value"]["token"]
        own = ("0", token)
        assert requests.get(f"{base}/token/session/>whoAmI", auth=own, timeout=10).ok
        clients = requests.get(f"{base}/company/>withLoginAccess", auth=own, timeout=10).json()
        assert [c["id"] for c in clients["values"]] == [111, 222]
        assert_error(requests.get(f"{base}/customer", auth=own, timeout=10), 401, 3000)
        for company in (111, 222):
            got = requests.get(
                f"{base}/customer", auth=(str(company), token), timeout=10, params={"sorting": "id"}
            ).json()["values"]
            assert got == sim.records("customer", company)
        assert sim.records("customer", 111) != sim.records("customer", 222)


# list endpoints -------------------------------------------------------------------------
def test_full_result_size_is_inexact_until_the_last_page(
    sim: Simulator, api: requests.Session, base: str
) -> None:
    total = len(sim.records("customer"))
    start, seen = 0, []
    while True:
        page: dict[str, Any] = {"from": start, "count": 7, "sorting": "id"}
        body = api.get(f"{base}/customer", params=page, timeout=10).json()
        assert set(body) == {"fullResultSize", "from", "count", "versionDigest", "values"}
        assert body["versionDigest"] == "'If-None-Match' header not specified"
        assert body["from"] == start and body["count"] == len(body["values"])
        seen += body["values"]
        if start + 7 < total:
            assert body["fullResultSize"] == start + 7 + 1
        else:
            assert body["fullResultSize"] == total
            break
        start += 7
    assert seen == sim.records("customer")
    exact = api.get(f"{base}/customer", params={"count": total}, timeout=10).json()
    assert exact["fullResultSize"] == total == exact["count"]


def test_every_stream_walk_equals_records(sim: Simulator, api: requests.Session, base: str) -> None:
    for resource in RESOURCES:  # lists; tests/test_resources.py walks the other kinds
        if resource.single or resource.parents or resource.key != ("id",):
            continue
        records = sim.records(resource.name)
        assert records, resource.name
        assert [r["id"] for r in records] == sorted({r["id"] for r in records})
        assert walk(api, base, resource.name, count=100) == records, resource.name


def test_records_follow_the_schemas(sim: Simulator) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    for resource in RESOURCES:
        schema = json.loads((SCHEMAS / f"{resource.name}.json").read_text())
        validator = jsonschema.Draft7Validator(schema)
        for record in sim.records(resource.name, with_changes=resource.changed_since):
            assert "company_id" not in record
            assert set(record) <= set(schema["properties"])
            assert not list(validator.iter_errors(record)), resource.name


def test_default_order_is_stable_but_not_id_order(api: requests.Session, base: str) -> None:
    first = [r["id"] for r in api.get(f"{base}/product", timeout=10).json()["values"]]
    again = [r["id"] for r in api.get(f"{base}/product", timeout=10).json()["values"]]
    assert first == again and first != sorted(first) and len(first) > 2


def test_sorting(sim: Simulator, api: requests.Session, base: str) -> None:
    def ids(sorting: str) -> list[int]:
        body = api.get(f"{base}/customer", params={"sorting": sorting}, timeout=10).json()
        return [r["id"] for r in body["values"]]

    expected = [r["id"] for r in sim.records("customer")]
    assert ids("id") == expected and ids("-id") == expected[::-1]
    by_name = sorted(sim.records("customer"), key=lambda r: (r["name"] is not None, r["name"]))
    assert [r["name"] for r in by_name] == [
        r["name"]
        for r in api.get(f"{base}/customer", params={"sorting": "name"}, timeout=10).json()[
            "values"
        ]
    ]
    assert_error(api.get(f"{base}/customer", params={"sorting": "nope"}, timeout=10), 400, 4000)


def test_date_range_is_exclusive(sim: Simulator, api: requests.Session, base: str) -> None:
    records = sim.records("invoice")
    days = {r["invoiceDate"] for r in records}
    assert {FIRST_DAY.isoformat(), TODAY.isoformat()} <= days
    middle = sorted(days)[len(days) // 2]
    next_day = (date.fromisoformat(middle) + timedelta(days=1)).isoformat()

    def fetch(low: str, high: str) -> list[dict[str, Any]]:
        return api.get(
            f"{base}/invoice",
            timeout=10,
            params={"invoiceDateFrom": low, "invoiceDateTo": high, "sorting": "id"},
        ).json()["values"]

    assert fetch(middle, next_day) == [r for r in records if r["invoiceDate"] == middle]
    until_today = fetch(FIRST_DAY.isoformat(), TODAY.isoformat())
    assert until_today == [r for r in records if r["invoiceDate"] < TODAY.isoformat()]
    assert fetch(FIRST_DAY.isoformat(), (TODAY + timedelta(days=1)).isoformat()) == records


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({}, ["dateFrom", "dateTo"]),
        ({"dateFrom": "2024-01-01"}, ["dateTo"]),
        ({"dateFrom": "2024-01-01", "dateTo": "2024-13-01"}, ["dateTo"]),
        ({"dateFrom": "2024-02-01", "dateTo": "2024-02-01"}, ["dateTo"]),
    ],
)
def test_date_params_are_required(
    api: requests.Session, base: str, params: dict[str, str], fields: list[str]
) -> None:
    body = assert_error(api.get(f"{base}/ledger/posting", params=params, timeout=10), 422, 18000)
    assert [m["field"] for m in body["validationMessages"]] == fields


def test_count_above_10000_is_rejected(api: requests.Session, base: str) -> None:
    assert_error(api.get(f"{base}/country", params={"count": 10001}, timeout=10), 422, 23000)
    assert api.get(f"{base}/country", params={"count": 10000}, timeout=10).ok


def test_fields_filter(sim: Simulator, api: requests.Session, base: str) -> None:
    def get(fields: str) -> list[dict[str, Any]]:
        response = api.get(
            f"{base}/customer", timeout=10, params={"fields": fields, "sorting": "id"}
        )
        assert response.status_code == 200, response.text
        return response.json()["values"]

    records = sim.records("customer")
    assert get("*") == records and "changes" not in records[0]
    assert get("id,name") == [{"id": r["id"], "name": r["name"]} for r in records]
    with_changes = get("*,changes")
    assert with_changes == sim.records("customer", with_changes=True)
    for record in with_changes:
        assert record["changes"][0]["changeType"] == "CREATE"
        assert all(TIMESTAMP.match(c["timestamp"]) for c in record["changes"])
    nested = get("id,currency(id)")
    assert all(set(r) == {"id", "currency"} for r in nested)
    assert all(r["currency"] is None or set(r["currency"]) == {"id"} for r in nested)
    codes = {c["id"]: c["code"] for c in sim.records("currency")}
    for record in get("id,currency(id,code)"):
        if record["currency"] is not None:
            assert record["currency"]["code"] == codes[record["currency"]["id"]]
    assert_error(api.get(f"{base}/customer", params={"fields": "id,nope"}, timeout=10), 400, 4000)


def test_changed_since(sim: Simulator, api: requests.Session, base: str) -> None:
    def last_change(record: dict[str, Any]) -> datetime:
        return max(datetime.fromisoformat(c["timestamp"]) for c in record["changes"])

    records = sim.records("customer", with_changes=True)
    since = sorted(last_change(r) for r in records)[len(records) // 2]
    params: dict[str, Any] = {
        "changedSince": since.isoformat(),
        "fields": "*,changes",
        "sorting": "id",
    }
    got = api.get(f"{base}/customer", params=params, timeout=10).json()["values"]
    assert got == [r for r in records if last_change(r) >= since]
    params["changedSince"] = "yesterday"
    assert_error(api.get(f"{base}/customer", params=params, timeout=10), 422, 18000)
    ignoring = Simulator(seed=3, size=100, today=TODAY, honour_changed_since=False)
    with ignoring.serve() as other:
        token = requests.put(
            f"{other}/token/session/:create",
            timeout=10,
            params={
                "consumerToken": "sim-consumer",
                "employeeToken": "sim-employee",
                "expirationDate": "2026-07-29",
            },
        ).json()["value"]["token"]
        every = requests.get(
            f"{other}/customer",
            auth=("0", token),
            timeout=10,
            params={"changedSince": "2099-01-01"},
        ).json()["values"]
        assert len(every) == len(ignoring.records("customer"))


def test_change_timestamps_use_oslo_offsets(sim: Simulator) -> None:
    for record in sim.records("ledger_voucher", with_changes=True):
        created = record["changes"][0]["timestamp"]
        # generated history ends yesterday: nothing is stamped in the future
        yesterday = (TODAY - timedelta(days=1)).isoformat()
        assert created[:10] == min(record["date"], yesterday)
        month = int(record["date"][5:7])
        if month in (5, 6, 7, 8, 9):
            assert created.endswith("+02:00")
        elif month in (1, 2, 12):
            assert created.endswith("+01:00")


def test_list_extras(sim: Simulator, api: requests.Session, base: str) -> None:
    params: dict[str, Any] = {"dateFrom": "2022-01-01", "dateTo": "2024-01-01", "count": 3}
    body = api.get(f"{base}/ledger/voucher", params=params, timeout=10).json()
    vouchers = [r for r in sim.records("ledger_voucher") if "2022" <= r["date"] < "2024"]
    assert body["totalNumberOfPostings"] == sum(len(v["postings"]) for v in vouchers)
    body = api.get(f"{base}/timesheet/entry", params=params, timeout=10).json()
    entries = [r for r in sim.records("timesheet_entry") if "2022" <= r["date"] < "2024"]
    assert body["sumAllHours"] == pytest.approx(sum(e["hours"] or 0 for e in entries))


def test_single_object_and_unknown_paths(sim: Simulator, api: requests.Session, base: str) -> None:
    customer = sim.records("customer")[0]
    response = api.get(f"{base}/customer/{customer['id']}", timeout=10)
    assert response.json() == {"value": customer}
    assert_error(api.get(f"{base}/customer/1", timeout=10), 404, 6000)
    assert_error(api.get(f"{base}/no/such/thing", timeout=10), 404, 6000)


def test_headers_and_request_log(sim: Simulator, api: requests.Session, base: str) -> None:
    params: dict[str, Any] = {"count": 5, "fields": "id"}
    response = api.get(f"{base}/country", params=params, timeout=10)
    uuid.UUID(response.headers["x-tlx-request-id"])
    for name in ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"):
        assert int(response.headers[name]) >= 0
    assert sim.requests[-1] == ("GET", "/v2/country", {"count": "5", "fields": "id"})


def test_rate_limit() -> None:
    sim = Simulator(seed=1, size=50, today=TODAY, rate_limit=3, rate_window=1.5)
    with sim.serve() as base:
        responses = [requests.get(f"{base}/country", timeout=10) for _ in range(4)]
        assert [r.status_code for r in responses] == [401, 401, 401, 429]
        assert [r.headers["X-Rate-Limit-Remaining"] for r in responses] == ["2", "1", "0", "0"]
        assert all(r.headers["X-Rate-Limit-Limit"] == "3" for r in responses)
        reset = int(responses[-1].headers["X-Rate-Limit-Reset"])
        assert 1 <= reset <= 2
        assert_error(responses[-1], 429, 1000)
        time.sleep(reset)
        assert requests.get(f"{base}/country", timeout=10).status_code == 401


def test_faults_and_mutations() -> None:
    sim = Simulator(seed=1, size=100, today=TODAY)
    with sim.serve() as base:
        api = requests.Session()
        api.auth = (
            "0",
            requests.put(
                f"{base}/token/session/:create",
                timeout=10,
                params={
                    "consumerToken": "sim-consumer",
                    "employeeToken": "sim-employee",
                    "expirationDate": "2026-07-29",
                },
            ).json()["value"]["token"],
        )
        sim.fail("/customer", status=503, body="<html>Service Unavailable</html>")
        failed = api.get(f"{base}/customer", timeout=10)
        assert failed.status_code == 503 and failed.text.startswith("<html>")
        assert api.get(f"{base}/customer", timeout=10).ok
        added = sim.add("customer", {"name": "Ny Kunde AS"})
        assert added["version"] == 0 and added["id"] > sim.records("customer")[-2]["id"]
        changed = sim.update("customer", added["id"], {"name": "Endret Kunde AS"})
        assert changed["version"] == 1
        got = walk(api, base, "customer", fields="*,changes")[-1]
        assert got["name"] == "Endret Kunde AS"
        assert [c["changeType"] for c in got["changes"]] == ["CREATE", "UPDATE"]
        invoice = sim.add("invoice")
        assert invoice["invoiceDate"] == TODAY.isoformat()
        assert walk(api, base, "invoice")[-1] == invoice


def test_same_seed_same_data() -> None:
    one, two = (Simulator(seed=7, size=300, today=TODAY) for _ in range(2))
    other = Simulator(seed=8, size=300, today=TODAY)
    assert one.company_id == two.company_id
    for resource in RESOURCES:
        assert one.records(resource.name, with_changes=True) == two.records(
            resource.name, with_changes=True
        )
    assert one.records("customer") != other.records("customer")


def test_cli_prints_url_but_no_tokens() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tripletex_simulator",
            "--port",
            "0",
            "--size",
            "50",
            "--consumer-token",
            "cli-consumer-secret",
            "--employee-token",
            "cli-employee-secret",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/v2)", line)
        assert match, line
        assert "secret" not in line and "tokens: see --help" in line
        response = requests.put(
            f"{match.group(1)}/token/session/:create",
            timeout=10,
            params={
                "consumerToken": "cli-consumer-secret",
                "employeeToken": "cli-employee-secret",
                "expirationDate": "2999-01-01",
            },
        )
        assert response.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "secret" not in out + err
