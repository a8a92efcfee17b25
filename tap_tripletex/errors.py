"""Errors the user can act on, and keeping secrets out of every message."""

from __future__ import annotations

import typing as t

import requests

REDACTED = "***"


class ConfigError(Exception):
    """A problem the user must fix (a setting, a token, a URL): printed as one line."""


def redact(text: str, secrets: t.Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


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


def send_safely(
    http: requests.Session,
    method: str,
    url: str,
    *,
    secrets: t.Iterable[str],
    **kwargs: t.Any,
) -> requests.Response:
    """Send a request whose URL carries secrets; a failure to connect is a ConfigError.

    requests puts the full URL, query included, into its exception text: never
    let that text out unredacted.
    """
    try:
        return http.request(method, url, **kwargs)
    except requests.RequestException as exc:
        base = url.split("?", maxsplit=1)[0].rsplit("/token/", 1)[0]
        reason = redact(type(exc).__name__, secrets)
        raise ConfigError(
            f"api_url {base} could not be reached ({reason}); check the setting"
        ) from None
