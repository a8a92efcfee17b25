"""tap-tripletex: settings and the stream list."""

from __future__ import annotations

import sys
import typing as t

import requests
from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecWriter

from tap_tripletex.auth import TripletexSession
from tap_tripletex.client import TripletexStream
from tap_tripletex.companies import Companies, failed_companies
from tap_tripletex.errors import ConfigError
from tap_tripletex.resources import RESOURCES

DEFAULT_START_DATE = "2000-01-01"
DEFAULT_LOOKBACK_DAYS = 100


class TapTripletex(Tap):
    """Singer tap for the Tripletex API v2."""

    name = "tap-tripletex"
    message_writer_class = MsgSpecWriter

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
            default=5,
            title="Max retries",
            description="Retries of a request after a transient failure (5xx, 429, timeout).",
        ),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        self._session: TripletexSession | None = None
        self._companies: Companies | None = None
        super().__init__(*args, **kwargs)

    def discover_streams(self) -> list[TripletexStream]:
        return [TripletexStream(self, resource) for resource in RESOURCES]

    @property
    def session(self) -> TripletexSession:
        """The one Tripletex session shared by every stream (minted on first use)."""
        if self._session is None:
            self._session = TripletexSession(
                api_url=self.config["api_url"],
                consumer_token=self.config["consumer_token"],
                employee_token=self.config["employee_token"],
                http=requests.Session(),
            )
        return self._session

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
    try:
        TapTripletex.cli()
    except ConfigError as exc:
        print(f"tap-tripletex: error: {exc}", file=sys.stderr)
        sys.exit(1)
    except SystemExit as done:
        failed = failed_companies()
        if done.code in (None, 0) and failed:
            summary, fatal = failed
            if fatal:
                print(f"tap-tripletex: error: {summary}", file=sys.stderr)
                sys.exit(1)
            print(f"tap-tripletex: warning: {summary} (allow_company_failures)", file=sys.stderr)
        raise
