"""Errors the user can act on, and keeping secrets out of every message."""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import re
import signal
import sys
import threading
import traceback
import typing as t
from urllib.parse import quote, quote_plus

import requests
import urllib3.exceptions
from singer_sdk.exceptions import FatalAPIError

REDACTED = "***"
PROGRAM = "tap-tripletex"
# Shorter tokens are rejected as a setting error (configcheck) and never registered:
# replacing a one-letter secret everywhere would garble every line of output.
MIN_SECRET_LENGTH = 8


class ConfigError(Exception):
    """A problem the user must fix (a setting, a token, a URL): printed as one line."""


class GaveUpError(FatalAPIError):
    """A transient failure outlasted every retry."""


class Interrupted(BaseException):
    """SIGINT or SIGTERM: the run stops where it is, as a failure (exit 128 + signal).
    A BaseException, like KeyboardInterrupt, so that no `except Exception` holds it up."""

    def __init__(self, signum: int, close_output: t.Callable[[], None]) -> None:
        name = signal.Signals(signum).name
        super().__init__(
            f"interrupted by {name}: the run stopped before it completed; its last STATE resumes it"
        )
        self.signum = signum
        self.close_output = close_output


class OutputClosedError(Exception):
    """Stdout was closed under the tap: whatever read it (the target) stopped.

    Not an OSError, which click would end silently with exit 1."""

    exit_code = 141  # 128 + SIGPIPE, as for a process a broken pipe ends

    def __init__(self) -> None:
        super().__init__(
            "the output was closed while the tap wrote to it (broken pipe, SIGPIPE): the "
            "target reading it stopped; see the target's log for why"
        )


# Every secret this process has seen (tokens as given and as they appear URL-encoded),
# scrubbed from every log record.
_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()
_REDACTING = False


def register_secrets(*values: object) -> None:
    """Keep these values out of every log line from now on."""
    found = set()
    for value in values:
        if isinstance(value, str) and len(value.strip()) >= MIN_SECRET_LENGTH:
            found |= {value, quote(value, safe=""), quote_plus(value)}
    if found:
        with _SECRETS_LOCK:
            _SECRETS.update(found)
        _redact_log_records()


def known_secrets() -> tuple[str, ...]:
    with _SECRETS_LOCK:
        return tuple(sorted(_SECRETS, key=len, reverse=True))


def redact(text: str, secrets: t.Iterable[str] = ()) -> str:
    """`text` with `secrets` and every registered secret replaced by ***."""
    for secret in sorted({*secrets, *known_secrets()}, key=len, reverse=True):
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def _redact_log_records() -> None:
    """Scrub secrets from each log record as it is made, whatever logger or handler.

    urllib3's debug log, for one, writes request URLs, and the session-create URL
    carries both tokens. Formatted tracebacks are scrubbed too.
    """
    global _REDACTING  # noqa: PLW0603 (installed once per process)
    with _SECRETS_LOCK:
        if _REDACTING:
            return
        _REDACTING = True
    make_record = logging.getLogRecordFactory()

    def scrubbed(*args: t.Any, **kwargs: t.Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call; leave it to logging to report
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(scrubbed)


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


def describe_exception(exc: BaseException, secrets: t.Iterable[str] = ()) -> str:
    """`ReadTimeout: ...` with secrets removed."""
    text = str(exc)
    return redact(f"{type(exc).__name__}: {text}" if text else type(exc).__name__, secrets)


def debug_logging() -> bool:
    """LOGLEVEL=debug or TAP_TRIPLETEX_LOGLEVEL=debug, as the Singer SDK reads them."""
    level = os.environ.get("TAP_TRIPLETEX_LOGLEVEL") or os.environ.get("LOGLEVEL") or ""
    return level.strip().upper() == "DEBUG" or logging.getLogger(PROGRAM).isEnabledFor(
        logging.DEBUG
    )


def exit_with_error(exc: BaseException) -> t.NoReturn:
    """One line on stderr (a traceback only with debug logging); exit status 1, or the
    error's own `exit_code`."""
    debug = debug_logging()
    if isinstance(exc, OutputClosedError):
        # Python flushes stdout at exit: into the closed pipe, it would add a traceback.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if isinstance(exc, ConfigError | FatalAPIError | OutputClosedError):
        message = str(exc)
    else:
        message = f"unexpected {describe_exception(exc)}"
        if not debug:
            message += " (LOGLEVEL=debug shows the traceback)"
    if debug:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        print(redact(text), file=sys.stderr, end="")
    print(f"{PROGRAM}: error: {redact(' '.join(message.split()))}", file=sys.stderr)
    sys.exit(getattr(exc, "exit_code", 1))


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
