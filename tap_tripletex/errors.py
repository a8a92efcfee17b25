"""Every exception the tap raises, and how a failed run ends: one line, the right exit
code, no secret."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import traceback
import typing as t

from singer_sdk.exceptions import FatalAPIError

from tap_tripletex.redaction import redact

PROGRAM = "tap-tripletex"


class ConfigError(Exception):
    """A problem the user must fix (a setting, a token, a URL): printed as one line."""


class GaveUpError(FatalAPIError):
    """A transient failure outlasted every retry."""


class CompanyAccessError(ConfigError):
    """Tripletex refuses the session for one company (401 after a renewed session)."""

    def __init__(self, company_id: int, detail: str) -> None:
        super().__init__(
            f"Tripletex refused the session for company_id {company_id} ({detail}): "
            "the company id is wrong or the employee token has no access to it"
        )
        self.company_id = company_id
        self.detail = detail


class RateLimitExhaustedError(FatalAPIError):
    """Still rate limited after waiting `rate_limit_max_wait` seconds in a row."""


class ResultSetTooLargeError(FatalAPIError):
    """422 code 23000: the query matches more than Tripletex will answer."""


class StreamUnavailableError(FatalAPIError):
    """403 or 404: the company's Tripletex package or the token's entitlements do not
    cover this endpoint. The stream is skipped for that company with one warning."""


class AbandonedError(Exception):
    """A request sent ahead is no longer wanted: its walk has ended."""


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


class TableError(ValueError):
    """A stream table entry that makes no sense (raised when the table is built)."""


class OutputClosedError(Exception):
    """Stdout was closed under the tap: whatever read it (the target) stopped.

    Not an OSError, which click would end silently with exit 1."""

    exit_code = 141  # 128 + SIGPIPE, as for a process a broken pipe ends

    def __init__(self) -> None:
        super().__init__(
            "the output was closed while the tap wrote to it (broken pipe, SIGPIPE): the "
            "target reading it stopped; see the target's log for why"
        )


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
