"""Resource endpoints: `GET /v2/<path>` lists and `GET /v2/<path>/<id>` single objects."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any

import msgspec

from tripletex_simulator import fields
from tripletex_simulator.clock import parse_date, parse_moment
from tripletex_simulator.contract import BY_NAME, Endpoint
from tripletex_simulator.data import METRICS, Dataset
from tripletex_simulator.errors import (
    TOO_LARGE,
    VALIDATION,
    ApiError,
    Reply,
    bad_request,
    invalid,
    not_found,
)
from tripletex_simulator.table import SortingError, Table

MAX_COUNT = 10_000
DEFAULT_COUNT = 1000
NO_DIGEST = b"\"'If-None-Match' header not specified\""
NO_CHECKSUM = b'"Checksum not yet supported for this endpoint"'
NO_CHECKSUM_STREAMS = {"employee"}
_encode = msgspec.json.encode


def handle(
    dataset: Dataset, path: str, params: Mapping[str, str], headers: Mapping[str, str]
) -> Reply:
    table = dataset.by_path(path)
    if table is not None and BY_NAME[table.name].single:
        return single_reply(dataset, table, table.ids[0], params)
    if table is not None and not BY_NAME[table.name].lines:  # lines have no list
        return list_reply(dataset, table, params, headers)
    head, _, tail = path.rpartition("/")
    table = dataset.by_path(head)
    if table is not None and tail.isdigit():
        return single_reply(dataset, table, int(tail), params)
    raise not_found(f"Fant ikke {path}.")


def integer(params: Mapping[str, str], name: str, default: int) -> int:
    text = params.get(name, "")
    if text == "":
        return default
    try:
        number = int(text)
    except ValueError:
        raise invalid(name, f"Ugyldig tall: {text}") from None
    if number < 0:
        raise invalid(name, "Kan ikke være negativ.")
    return number


def date_range(endpoint: Endpoint, params: Mapping[str, str]) -> tuple[date, date] | None:
    """Check the parameters the endpoint requires (422 when one is missing, as Tripletex
    answers); the required `[from, to)` of a dated endpoint."""
    missing = [name for name in endpoint.required if not params.get(name)]
    if missing:
        problems = [(name, "Kan ikke være null.") for name in missing]
        raise ApiError(422, VALIDATION, "Validering feilet.", None, problems)
    for name, kind in endpoint.required.items():
        if kind == "date" and parse_date(params[name]) is None:
            raise invalid(name, "Ugyldig dato, forventet format YYYY-MM-DD.")
    if not endpoint.dates:
        return None
    low_name, high_name = endpoint.dates
    low, high = parse_date(params[low_name]), parse_date(params[high_name])
    if low is None or high is None or low >= high:
        raise invalid(high_name, f"{high_name} må være etter {low_name}.")
    return low, high


def changed_since(dataset: Dataset, table: Table, params: Mapping[str, str]) -> float | None:
    """Epoch seconds of a `changedSince` the endpoint honours, else None."""
    text = params.get("changedSince")
    if not text or not BY_NAME[table.name].changed_since:
        return None
    moment = parse_moment(text)
    if moment is None:
        raise invalid("changedSince", "Ugyldig tidspunkt, forventet ISO 8601.")
    return moment.timestamp() if dataset.honour_changed_since else None


def parse_fields(table: Table, params: Mapping[str, str]) -> fields.Tree:
    try:
        tree = fields.parse(params.get("fields") or "*")
        fields.check(tree, (*table.props, "changes"))
    except fields.FieldsError as exc:
        raise bad_request(str(exc)) from None
    return tree


def resolver(dataset: Dataset) -> fields.Resolver:
    """Expands a `{id, url}` stub into the referenced record when the simulator has it."""

    def resolve(stub: dict[str, Any]) -> dict[str, Any] | None:
        url, rid = str(stub.get("url") or ""), stub.get("id")
        _, _, rest = url.partition("/v2")
        table = dataset.by_path(rest.rpartition("/")[0])
        pos = table.position(rid) if table is not None and isinstance(rid, int) else None
        return table.record(pos) if table is not None and pos is not None else None

    return resolve


def values(dataset: Dataset, table: Table, positions: Any, tree: fields.Tree) -> list[bytes]:
    with_changes = "changes" in tree
    if fields.is_plain(tree) is not None:
        return [table.blob(p, with_changes) for p in positions]
    resolve = resolver(dataset)
    return [_encode(fields.apply(table.record(p, with_changes), tree, resolve)) for p in positions]


def list_reply(
    dataset: Dataset, table: Table, params: Mapping[str, str], headers: Mapping[str, str]
) -> Reply:
    start = integer(params, "from", 0)
    count = integer(params, "count", DEFAULT_COUNT)
    if count > MAX_COUNT:
        message = "Result set too large. Limit of 10.000 reached."
        raise ApiError(422, TOO_LARGE, message, message, [("count", message)])
    endpoint = BY_NAME[table.name]
    dates = date_range(endpoint, params)
    window = (dates[0].toordinal(), dates[1].toordinal()) if dates else None
    parent = integer(params, endpoint.parent_param, 0) if endpoint.parent_param else None
    since = changed_since(dataset, table, params)
    tree = parse_fields(table, params)
    try:
        selection = table.select(window, params.get("sorting", ""), since, parent)
    except SortingError as exc:
        raise bad_request(f"Illegal field in sorting: {exc}") from None
    total = len(selection.positions)
    if window is not None and total > (dataset.max_result_size or total):
        message = "Result Set Too Large"
        raise ApiError(422, TOO_LARGE, message, f"{total} rows match the date range")
    page = selection.positions[start : start + count]
    size = start + len(page) + 1 if start + len(page) < total else total
    digest = NO_DIGEST
    if table.name in NO_CHECKSUM_STREAMS:
        digest = NO_CHECKSUM
    elif headers.get("if-none-match"):
        state = f"{table.name}:{table.revision}:{window}:{total}".encode()
        digest = b'"%s"' % hashlib.sha256(state).hexdigest()[:32].encode()
    extra = b""
    if table.name in METRICS:
        total_metric: float | int = selection.metric
        if table.name == "ledger_voucher":
            total_metric = int(total_metric)
        extra = b',"%s":%s' % (METRICS[table.name][0].encode(), _encode(total_metric))
    body = b'{"fullResultSize":%d,"from":%d,"count":%d,"versionDigest":%s,"values":[%s]%s}' % (
        size,
        start,
        len(page),
        digest,
        b",".join(values(dataset, table, page, tree)),
        extra,
    )
    return Reply(200, body)


def page_reply(
    params: Mapping[str, str], found: list[Any], tree: fields.Tree, resolve: Any = None
) -> Reply:
    """A page of records computed in memory (not a table), in the list envelope, with the
    inexact `fullResultSize` of every list."""
    start = integer(params, "from", 0)
    count = integer(params, "count", DEFAULT_COUNT)
    page = found[start : start + count]
    more = start + len(page) < len(found)
    envelope = {
        "fullResultSize": start + len(page) + 1 if more else len(found),
        "from": start,
        "count": len(page),
        "versionDigest": NO_DIGEST.decode().strip('"'),
        "values": [fields.apply(record, tree, resolve) for record in page],
    }
    return Reply(200, _encode(envelope))


def single_reply(
    dataset: Dataset, table: Table, record_id: int, params: Mapping[str, str]
) -> Reply:
    pos = table.position(record_id)
    if pos is None:
        raise not_found(f"Objektet med id {record_id} finnes ikke.")
    tree = parse_fields(table, params)
    return Reply(200, b'{"value":%s}' % values(dataset, table, [pos], tree)[0])
