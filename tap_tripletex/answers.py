"""What a failed call amounts to, in one line without secrets: Tripletex's error
envelope, a network failure, or a server that is not Tripletex at all."""

from __future__ import annotations

import http.client
import re
import typing as t
from http import HTTPStatus

import requests
import urllib3.exceptions
from singer_sdk.exceptions import FatalAPIError

from tap_tripletex.errors import (
    CompanyAccessError,
    ConfigError,
    ResultSetTooLargeError,
    StreamUnavailableError,
)
from tap_tripletex.redaction import redact


def is_unreachable(exc: requests.RequestException) -> bool:
    """No connection could be made at all (refused, DNS, connect timeout, bad URL)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.InvalidURL):
        return True
    if isinstance(
        exc,
        requests.exceptions.MissingSchema
        | requests.exceptions.InvalidSchema
        | requests.exceptions.SSLError,  # a first TLS handshake that fails will always fail
    ):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, urllib3.exceptions.NewConnectionError) or bool(not_http(exc))


def not_http(exc: requests.RequestException) -> str | None:
    """What a server that does not speak HTTP answered (an SSH banner, say), if so."""
    reason = exc.args[0] if exc.args else None
    answer = reason.args[-1] if isinstance(reason, urllib3.exceptions.ProtocolError) else None
    if isinstance(answer, http.client.BadStatusLine) and not isinstance(
        answer,
        http.client.RemoteDisconnected,  # a reset: worth another try
    ):
        return str(answer.args[0] if answer.args else answer).strip()[:60]
    return None


def api_error_fields(response: requests.Response) -> dict[str, t.Any]:
    """The Tripletex error envelope of `response`, or {} when it has none."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def describe_api_error(response: requests.Response, secrets: t.Iterable[str] = ()) -> str:
    """`HTTP 422, code 18000: message (field: message)`, from the error envelope."""
    fields = api_error_fields(response)
    parts = [f"HTTP {response.status_code}"]
    if fields.get("code"):
        parts.append(f"code {fields['code']}")
    text = ", ".join(parts)
    message = fields.get("message") or fields.get("developerMessage")
    if message:
        text += f": {message}"
    details = [
        f"{m.get('field')}: {m.get('message')}"
        for m in fields.get("validationMessages") or []
        if isinstance(m, dict)
    ]
    if details:
        text += f" ({'; '.join(details)})"
    if not fields:
        kind = response.headers.get("Content-Type", "unknown content")
        text += f", not a Tripletex API answer ({kind})"
    return redact(text, secrets)


def unreachable(url: str, exc: requests.RequestException, secrets: t.Iterable[str]) -> ConfigError:
    """The api_url setting's fault: nothing answers there."""
    base = url.split("?", maxsplit=1)[0].rsplit("/token/", 1)[0]
    reason = type(exc).__name__
    cause = getattr(exc.args[0] if exc.args else None, "reason", None)
    if isinstance(cause, urllib3.exceptions.NameResolutionError):
        reason += ": host name not found"
    elif isinstance(cause, urllib3.exceptions.NewConnectionError):
        reason += ": " + str(cause).rsplit("]", 1)[-1].strip()
    elif answer := not_http(exc):
        reason += f": the server does not speak HTTP (it answered {answer!r})"
    elif isinstance(exc, requests.exceptions.SSLError):
        found = re.search(r"\[SSL: \w+\][^'\")(]*", str(exc))
        reason += f": {found.group(0).strip() if found else 'TLS handshake failed'}"
        if "WRONG_VERSION_NUMBER" in str(exc):
            reason += "; the server speaks plain HTTP: use http://"
    return ConfigError(
        redact(f"api_url {base} could not be reached ({reason}); check the setting", secrets)
    )


RESULT_SET_TOO_LARGE = 23000  # the 422 code of a query matching too much


def judge_page(response: requests.Response, *, stream: str, company_id: int) -> None:
    """What a stream's final answer means, if not records: raises for each failure.

    Transient failures, 429s and a first 401 never get here (requestpath.py).
    """
    status = response.status_code
    if status < HTTPStatus.BAD_REQUEST:
        return
    detail = describe_api_error(response)
    if status == HTTPStatus.UNAUTHORIZED:  # again, on a renewed session
        raise CompanyAccessError(company_id, detail)
    if status == HTTPStatus.UNPROCESSABLE_ENTITY and (
        api_error_fields(response).get("code") == RESULT_SET_TOO_LARGE
    ):
        raise ResultSetTooLargeError(f"{stream}: {detail}")
    if status in (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND):
        raise StreamUnavailableError(
            f"{detail}: company_id {company_id} may not read this (a module the company "
            "lacks, or an entitlement the employee token lacks); deselect the stream "
            f"{stream} or grant access"
        )
    raise FatalAPIError(f"{stream}: {detail}")
