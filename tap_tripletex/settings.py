"""The tap's settings: names, types, defaults and what each one does (README "Settings"
is generated from here)."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

from tap_tripletex.configcheck import number_or_text

DEFAULT_START_DATE = "2000-01-01"
DEFAULT_LOOKBACK_DAYS = 100

SETTINGS: dict = th.PropertiesList(
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
        # Tripletex allows 10 calls/s per token pair and answers in 150-300 ms: 3 in
        # flight reach the window. Every stream, at 150 / 300 ms per call: 4 ran at
        # 1.14x / 1.25x of the window's floor, 2 at 1.08x / 1.62x (README "Performance").
        default=4,
        title="Max concurrency",
        description=(
            "Requests in flight at once: the next pages and date windows of a stream, "
            "and the first pages of the next streams, companies and child lists, are "
            "requested while the current one is read. Records still come out in order, "
            "and the rate limit is shared. 1 to 10."
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
            "After a read that returned every row of a stream, for every company of "
            "the run, send ACTIVATE_VERSION, so targets can drop rows deleted in "
            "Tripletex (its lists never show deletions). Never before the records, "
            "never after a failed or partial read."
        ),
    ),
    th.Property(
        "full_read_interval_days",
        th.IntegerType(minimum=0),
        default=7,
        title="Full read interval (days)",
        description=(
            "Incremental streams (date ranges, change time) are read whole, from "
            "start_date, when their last whole read for a company is older than this, "
            "so deletions reach the target. 0: only on a first run or --full-refresh."
        ),
    ),
    th.Property(
        "max_retries",
        th.IntegerType(minimum=0),
        default=5,
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
        default=2.0,
        title="Retry backoff (seconds)",
        description=(
            "Wait before the first retry; it doubles with each further retry, up to "
            "60 s, with random jitter of up to half the wait."
        ),
    ),
    th.Property(
        "request_timeout",
        th.IntegerType(minimum=1),
        default=120,
        title="Request timeout (seconds)",
        description="Seconds to wait for a connection and for each read; then retried.",
    ),
    th.Property(
        "rate_limit_max_wait",
        th.CustomType(number_or_text(minimum=0)),
        default=600.0,
        title="Rate limit max wait (seconds)",
        description=(
            "Longest total wait for Tripletex's rate limit (HTTP 429) on one request "
            "before the run fails."
        ),
    ),
    th.Property(
        "rate_limit_window",
        th.CustomType(number_or_text(minimum=0)),
        default=10.0,
        title="Rate limit window (seconds)",
        description=(
            "Assumed length of Tripletex's rate-limit window: the wait after a 429 "
            "that has no X-Rate-Limit-Reset header (doubling while they continue)."
        ),
    ),
).to_dict()

# Every setting's default, from the declarations above: the one home of defaults.
DEFAULTS: dict[str, t.Any] = {
    name: prop["default"] for name, prop in SETTINGS["properties"].items() if "default" in prop
}


def with_defaults(config: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """`config` with the default of every setting it leaves out (the SDK fills them in
    for the tap; code handed a bare config, such as a test's, gets them here)."""
    return {**DEFAULTS, **{k: v for k, v in config.items() if v is not None}}
