"""tap-tripletex: settings and the stream list."""

from __future__ import annotations

import sys
import typing as t
from concurrent.futures import ThreadPoolExecutor

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.singerlib import Catalog

from tap_tripletex.auth import TripletexSession
from tap_tripletex.client import DEFAULT_MAX_CONCURRENCY, TripletexStream
from tap_tripletex.companies import Companies, failed_companies
from tap_tripletex.configcheck import TOKENS, check_config, number_or_text
from tap_tripletex.errors import ConfigError, exit_with_error, redact, register_secrets
from tap_tripletex.inputcheck import check_inputs
from tap_tripletex.memory import tune_allocator
from tap_tripletex.output import TapWriter
from tap_tripletex.quietlog import quiet_logs
from tap_tripletex.ratelimit import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_RATE_LIMIT_MAX_WAIT,
    DEFAULT_RATE_LIMIT_WINDOW,
    DEFAULT_RETRY_BACKOFF,
    DEFAULT_TIMEOUT,
)
from tap_tripletex.streams import build_streams

DEFAULT_START_DATE = "2000-01-01"
DEFAULT_LOOKBACK_DAYS = 100


class TapTripletex(Tap):
    """Singer tap for the Tripletex API v2."""

    name = "tap-tripletex"
    message_writer_class = TapWriter

    config_jsonschema = th.PropertiesList(
        th.Property(
            "consumer_token",
            th.StringType(min_length=1),
            required=True,
            secret=True,
            title="Consumer token",
            description="The API consumer token Tripletex issued to the integration.",
        ),
        th.Property(
            "employee_token",
            th.StringType(min_length=1),
            required=True,
            secret=True,
            title="Employee token",
            description="The employee token the Tripletex user created for this integration.",
        ),
        th.Property(
            "company_id",
            th.IntegerType(minimum=0),
            default=0,
            title="Company ID",
            description=(
                "Company to read. 0 is the token owner's own company; an accountant sets a "
                "client company's id."
            ),
        ),
        th.Property(
            "company_ids",
            th.ArrayType(th.IntegerType(minimum=1)),
            title="Company IDs",
            description=(
                "Several companies to read in one run (an accountant's client companies); "
                "overrides company_id."
            ),
        ),
        th.Property(
            "all_client_companies",
            th.BooleanType(),
            default=False,
            title="All client companies",
            description=(
                "Read every company listed by /company/>withLoginAccess for the "
                "employee token (accountants); overrides company_id and company_ids."
            ),
        ),
        th.Property(
            "allow_company_failures",
            th.BooleanType(),
            default=False,
            title="Allow company failures",
            description=(
                "When reading several companies, exit 0 even if some were refused "
                "(they are still reported and skipped)."
            ),
        ),
        th.Property(
            "api_url",
            th.StringType(min_length=1),
            default="https://tripletex.no/v2",
            title="API URL",
            description=(
                "Tripletex API base URL. Test environment: https://api-test.tripletex.tech/v2"
            ),
        ),
        th.Property(
            "start_date",
            th.StringType(min_length=10),
            default=DEFAULT_START_DATE,
            title="Start date",
            description=(
                "Earliest business date read from date-range endpoints (invoices, "
                "orders, vouchers, postings, ...). A date or an ISO date-time; "
                f"default {DEFAULT_START_DATE}."
            ),
        ),
        th.Property(
            "page_size",
            th.IntegerType(minimum=1, maximum=10000),
            default=1000,
            title="Page size",
            description="Records per request (`count`), 1 to 10000.",
        ),
        th.Property(
            "max_concurrency",
            th.IntegerType(minimum=1, maximum=10),
            default=DEFAULT_MAX_CONCURRENCY,
            title="Max concurrency",
            description=(
                "Requests in flight at once: the next pages and date windows of a stream "
                "are requested while the current one is read. Records still come out in "
                "order, and the rate limit is shared. 1 to 10."
            ),
        ),
        th.Property(
            "window_days",
            th.IntegerType(minimum=1),
            default=365,
            title="Date window (days)",
            description="Date-range endpoints are read in windows of this many days.",
        ),
        th.Property(
            "lookback_days",
            th.IntegerType(minimum=0),
            default=DEFAULT_LOOKBACK_DAYS,
            title="Lookback (days)",
            description=(
                "Each incremental run of a date-range stream re-reads this many days "
                "before its bookmark, to catch entries back-dated into open periods. "
                f"Default {DEFAULT_LOOKBACK_DAYS}: a two-month VAT term plus its filing "
                "deadline."
            ),
        ),
        th.Property(
            "emit_activate_version_messages",
            th.BooleanType(),
            default=True,
            title="Emit ACTIVATE_VERSION",
            description=(
                "Full-table streams send ACTIVATE_VERSION after each complete read, so "
                "targets can drop rows deleted in Tripletex (its lists never show deletions)."
            ),
        ),
        th.Property(
            "max_retries",
            th.IntegerType(minimum=0),
            default=DEFAULT_MAX_RETRIES,
            title="Max retries",
            description=(
                "Retries of a request after a transient failure: HTTP 5xx, connection "
                "reset, timeout, cut-off or unparsable body. 429s do not count (see "
                "rate_limit_max_wait)."
            ),
        ),
        th.Property(
            "retry_backoff",
            th.CustomType(number_or_text(minimum=0)),
            default=DEFAULT_RETRY_BACKOFF,
            title="Retry backoff (seconds)",
            description=(
                "Wait before the first retry; it doubles with each further retry, up to "
                "60 s, with random jitter of up to half the wait."
            ),
        ),
        th.Property(
            "request_timeout",
            th.IntegerType(minimum=1),
            default=DEFAULT_TIMEOUT,
            title="Request timeout (seconds)",
            description="Seconds to wait for a connection and for each read; then retried.",
        ),
        th.Property(
            "rate_limit_max_wait",
            th.CustomType(number_or_text(minimum=0)),
            default=DEFAULT_RATE_LIMIT_MAX_WAIT,
            title="Rate limit max wait (seconds)",
            description=(
                "Longest total wait for Tripletex's rate limit (HTTP 429) on one request "
                "before the run fails."
            ),
        ),
        th.Property(
            "rate_limit_window",
            th.CustomType(number_or_text(minimum=0)),
            default=DEFAULT_RATE_LIMIT_WINDOW,
            title="Rate limit window (seconds)",
            description=(
                "Assumed length of Tripletex's rate-limit window: the wait after a 429 "
                "that has no X-Rate-Limit-Reset header (doubling while they continue)."
            ),
        ),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        self._session: TripletexSession | None = None
        self._companies: Companies | None = None
        self._checked = False
        config = kwargs.get("config")
        env = bool(kwargs.get("parse_env_config"))
        if isinstance(config, dict):
            register_secrets(*(config.get(name) for name in TOKENS))
        try:
            super().__init__(*args, **kwargs)
        except ConfigValidationError as invalid:
            # The SDK's messages echo values: report the setting, not the value.
            check_config(self.config, self.config_jsonschema, env=env)
            first = invalid.errors[0] if invalid.errors else str(invalid)
            raise ConfigError(redact(f"invalid config: {first}")) from None
        register_secrets(*(self.config.get(name) for name in TOKENS))
        if kwargs.get("validate_config", True):
            check_config(self.config, self.config_jsonschema, env=env)
        # Every stream's requests go through this pool. Its threads start on first use
        # and end when the tap is collected, or at exit. (Discovery does not check the
        # settings: a max_concurrency below 1 must not stop it.)
        self.request_pool = ThreadPoolExecutor(
            max_workers=max(1, int(self.config.get("max_concurrency", DEFAULT_MAX_CONCURRENCY))),
            thread_name_prefix="tripletex",
        )

    def setup_mapper(self) -> None:
        """As the SDK's, but a deselected stream is mapped with its whole schema.

        The SDK registers a deselected stream with its schema emptied but its key kept,
        so any stream map reaching it (`"*"`, as the SQL Server config uses) fails the
        run on a key "not detected in schema". Such a stream emits nothing unless it is
        selected later (`--test`), and then with every property.
        """
        super(Tap, self).setup_mapper()
        selected = Catalog()
        for name, entry in self.catalog.items():
            if entry.metadata.resolve_selection()[()]:
                selected[name] = entry
            else:
                schema, keys = entry.schema.to_dict(), entry.key_properties
                self.mapper.register_raw_stream_schema(name, schema, keys)
        self.mapper.register_raw_streams_from_catalog(selected)

    def discover_streams(self) -> list[TripletexStream]:
        streams = build_streams(self)
        quiet_logs(self.logger, streams)
        return streams

    @property
    def session(self) -> TripletexSession:
        """The one Tripletex session shared by every stream (minted on first use)."""
        if self._session is None:
            self._session = TripletexSession.from_config(self.config)
        return self._session

    def preflight(self) -> None:
        """Check the tokens, api_url and company access once, before any stream output."""
        if self._checked:
            return
        self._checked = True
        self.session.token()
        ids = self.company_ids()
        if not self.companies.several and self.config.get("company_id"):
            self.session.check_company(ids[0])

    @property
    def companies(self) -> Companies:
        """The companies this run reads (resolved on first use) and their failures."""
        if self._companies is None:
            self._companies = Companies(self.session, self.config)
        return self._companies

    def company_ids(self) -> list[int]:
        return self.companies.ids()


def main() -> None:
    """Run the tap; a problem the user must fix is one line on stderr, exit 1.

    Companies refused during a multi-company run were skipped so the others could
    complete; the run still fails at the end, naming them.
    """
    tune_allocator()
    try:
        check_inputs(sys.argv[1:])
        TapTripletex.cli()
    except Exception as exc:  # one line; a traceback only when debugging
        exit_with_error(exc)
    except SystemExit as done:
        failed = failed_companies()
        if done.code in (None, 0) and failed:
            summary, fatal = failed
            if fatal:
                print(f"tap-tripletex: error: {summary}", file=sys.stderr)
                sys.exit(1)
            print(f"tap-tripletex: warning: {summary} (allow_company_failures)", file=sys.stderr)
        raise
