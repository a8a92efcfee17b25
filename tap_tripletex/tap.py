"""tap-tripletex: settings and the stream list."""

from __future__ import annotations

import sys
import typing as t

import requests
from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecWriter

from tap_tripletex.auth import TripletexSession
from tap_tripletex.client import TripletexStream, payload
from tap_tripletex.errors import ConfigError, describe_api_error, send_safely
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
        self._company_ids: list[int] | None = None
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

    def company_ids(self) -> list[int]:
        """The companies to read; username 0 is resolved once through whoAmI."""
        if self._company_ids is None:
            configured = int(self.config.get("company_id", 0))
            self._company_ids = [configured or self._whoami_company_id()]
        return self._company_ids

    def _whoami_company_id(self) -> int:
        session = self.session
        response = send_safely(
            requests.Session(),
            "GET",
            f"{session.api_url}/token/session/>whoAmI",
            headers={"Authorization": session.basic_header(0)},
            timeout=60,
            secrets=session.secrets,
        )
        if response.status_code != 200:
            raise ConfigError(
                "Tripletex refused the session for company_id 0 "
                f"({describe_api_error(response, session.secrets)}); check employee_token"
            )
        return int(payload(response)["value"]["companyId"])


def main() -> None:
    """Run the tap; a problem the user must fix is one line on stderr, exit 1."""
    try:
        TapTripletex.cli()
    except ConfigError as exc:
        print(f"tap-tripletex: error: {exc}", file=sys.stderr)
        sys.exit(1)
