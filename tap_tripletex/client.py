"""The one base stream: auth, paging, request shaping and error policy."""

from __future__ import annotations

import typing as t
from functools import cached_property
from http import HTTPStatus
from importlib import resources as importlib_resources
from weakref import WeakKeyDictionary

import msgspec
import requests
from singer_sdk import RESTStream, SchemaDirectory, StreamSchema
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.pagination import OffsetPaginator

from tap_tripletex.errors import ConfigError, describe_api_error
from tap_tripletex.timeutil import date_windows, oslo_today, parse_start

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Auth, Context

    from tap_tripletex.auth import TripletexSession
    from tap_tripletex.resources import Resource
    from tap_tripletex.tap import TapTripletex

SCHEMAS = SchemaDirectory(importlib_resources.files("tap_tripletex") / "schemas")

# Decoded bodies, so validation, parsing and paging decode each response once.
_payloads: WeakKeyDictionary[requests.Response, dict[str, t.Any]] = WeakKeyDictionary()
_decoder = msgspec.json.Decoder()


def payload(response: requests.Response) -> dict[str, t.Any]:
    if response not in _payloads:
        body = _decoder.decode(response.content)
        if not isinstance(body, dict):
            raise msgspec.DecodeError("not a JSON object")
        _payloads[response] = body
    return _payloads[response]


class SessionRejectedError(Exception):
    """401 on a data call: the session is renewed once and the request retried."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


class FullPagePaginator(OffsetPaginator):
    """`from`/`count` paging that stops at the first page shorter than `count`.

    `fullResultSize` cannot decide this: while pages remain it reads from+count+1.
    """

    def has_more(self, response: requests.Response) -> bool:
        return len(payload(response).get("values") or ()) >= self.page_size


class TripletexStream(RESTStream[int]):
    """A Tripletex list endpoint, configured by one `Resource` table entry."""

    schema = StreamSchema(SCHEMAS)
    records_jsonpath = "$.values[*]"
    primary_keys: t.ClassVar[list[str]] = ["company_id", "id"]

    def __init__(self, tap: TapTripletex, resource: Resource) -> None:
        self.resource = resource
        self.selected_by_default = resource.selected_by_default
        self._tap_ref = tap
        self._company_id: int | None = None
        super().__init__(tap=tap, name=resource.name, path=resource.path)

    @property
    def url_base(self) -> str:
        return str(self.config["api_url"]).rstrip("/")

    @property
    def session(self) -> TripletexSession:
        return self._tap_ref.session

    @property
    def authenticator(self) -> Auth:
        if self._company_id is None:
            msg = "requests are only made while reading a company partition"
            raise RuntimeError(msg)
        return self.session.for_company(self._company_id)

    @property
    def partitions(self) -> list[dict[str, t.Any]]:
        """One partition per company, so state and records stay apart per company."""
        return [{"company_id": cid} for cid in self._tap_ref.company_ids()]

    # Request shaping

    @cached_property
    def fields_param(self) -> str:
        """`fields`: `*` when every property is selected, else the selected names."""
        names = [n for n in self.schema["properties"] if n != "company_id"]
        selected = [n for n in names if self.mask.get(("properties", n), True)]
        return "*" if len(selected) == len(names) else ",".join(selected)

    def get_new_paginator(self) -> FullPagePaginator:
        return FullPagePaginator(start_value=0, page_size=int(self.config["page_size"]))

    def get_url_params(self, context: Context | None, next_page_token: int | None) -> dict:
        params: dict[str, t.Any] = {
            "from": next_page_token or 0,
            "count": self.config["page_size"],
            "sorting": "id",
            "fields": self.fields_param,
        }
        window = (context or {}).get("window")
        if window and self.resource.date_params:
            start_param, end_param = self.resource.date_params
            params[start_param], params[end_param] = window
        return params

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        context = context or {}
        self._company_id = int(context["company_id"])
        if not self.resource.date_params:
            yield from self.request_records(context)
            return
        for start, end in self.date_windows():
            window = (start.isoformat(), end.isoformat())
            yield from self.request_records({**context, "window": window})

    def date_windows(self) -> list[tuple[t.Any, t.Any]]:
        first = parse_start(str(self.config["start_date"]))
        return date_windows(first, oslo_today(), int(self.config["window_days"]))

    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        return payload(response).get("values") or []

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        row["company_id"] = self._company_id
        return row

    # Error policy

    def request_decorator(self, func: t.Callable) -> t.Callable:
        """Retry transient failures with backoff; renew a rejected session once."""
        retrying = super().request_decorator(func)

        def send(request: requests.PreparedRequest, context: Context | None) -> t.Any:
            try:
                return retrying(request, context)
            except SessionRejectedError:
                self.session.reject(request)
                try:
                    return retrying(request, context)
                except SessionRejectedError as again:
                    raise ConfigError(
                        f"Tripletex refused the session for company_id {self._company_id} "
                        f"({describe_api_error(again.response)}): the company id is wrong "
                        "or the employee token has no access to it"
                    ) from None

        return send

    def backoff_max_tries(self) -> int:
        return int(self.config["max_retries"]) + 1

    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        if status == HTTPStatus.UNAUTHORIZED:
            raise SessionRejectedError(response)
        if status == HTTPStatus.TOO_MANY_REQUESTS or status >= 500:
            raise RetriableAPIError(self.response_error_message(response), response)
        if status >= 400:
            raise FatalAPIError(self.response_error_message(response))
        try:
            payload(response)
        except msgspec.DecodeError:
            # A cut-off or non-JSON body: the page is requested again, never skipped.
            raise RetriableAPIError(
                f"unparsable response body for {self.path}", response
            ) from None

    def response_error_message(self, response: requests.Response) -> str:
        return f"{self.name}: {describe_api_error(response, self.session.secrets)}"

    def backoff_handler(self, details: t.Any) -> None:
        exc = details.get("exception")
        self.logger.warning(
            "%s: retrying in %.1fs after try %d (%s)",
            self.name,
            details.get("wait") or 0,
            details.get("tries") or 0,
            exc,
        )
