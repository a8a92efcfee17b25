"""Keeping secrets out of every message: the tokens of a run, as given and URL-encoded,
replaced by *** in every log record, error line and message the tap writes."""

from __future__ import annotations

import logging
import threading
import typing as t
from urllib.parse import quote, quote_plus

REDACTED = "***"
# Shorter tokens are rejected as a setting error (configcheck) and never registered:
# replacing a one-letter secret everywhere would garble every line of output.
MIN_SECRET_LENGTH = 8

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
