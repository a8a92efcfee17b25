"""Baseline for the tap benchmark: a plain dlt ``rest_api`` pipeline from Tripletex into DuckDB.

This is what a Python data engineer would write without our tap, so it sticks to dlt's
defaults (sequential extraction, default normalisation with nested lists as child tables).
It does not import tap_tripletex and runs in a venv with only dlt and duckdb installed:

    python benchmarks/dlt_pipeline.py --api-url http://127.0.0.1:PORT/v2 --duckdb out.duckdb \\
        [--resources ledger_posting,customer] [--pipelines-dir DIR] [--loader-file-format jsonl]

It prints one JSON line to stdout: {"seconds": ..., "rows": {table: n}, "records": total}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from typing import Any

import dlt
import duckdb
import requests
from dlt.sources.helpers.rest_client.paginators import OffsetPaginator
from dlt.sources.rest_api import RESTAPIConfig, rest_api_source

PAGE_SIZE = 1000
DATASET = "tripletex"
PIPELINE = "tripletex_bench"
CONSUMER_TOKEN = "sim-consumer"
EMPLOYEE_TOKEN = "sim-employee"

# resource name -> (path, (date-from param, date-to param) or None)
ENDPOINTS: dict[str, tuple[str, tuple[str, str] | None]] = {
    "ledger_posting": ("ledger/posting", ("dateFrom", "dateTo")),
    "ledger_voucher": ("ledger/voucher", ("dateFrom", "dateTo")),
    "invoice": ("invoice", ("invoiceDateFrom", "invoiceDateTo")),
    "order": ("order", ("orderDateFrom", "orderDateTo")),
    "supplier_invoice": ("supplierInvoice", ("invoiceDateFrom", "invoiceDateTo")),
    "timesheet_entry": ("timesheet/entry", ("dateFrom", "dateTo")),
    "customer": ("customer", None),
    "supplier": ("supplier", None),
    "employee": ("employee", None),
    "department": ("department", None),
    "product": ("product", None),
    "project": ("project", None),
    "contact": ("contact", None),
    "activity": ("activity", None),
    "currency": ("currency", None),
    "country": ("country", None),
    "ledger_account": ("ledger/account", None),
    "ledger_vat_type": ("ledger/vatType", None),
    "ledger_voucher_type": ("ledger/voucherType", None),
}


class ShortPageOffsetPaginator(OffsetPaginator):
    """Offset paging that stops on a short page.

    Tripletex's ``fullResultSize`` is not a real total, and dlt's stock offset paginator
    without ``total_path`` only stops on an empty page, costing one extra request per resource.
    """

    def update_state(self, response: requests.Response, data: list[Any] | None = None) -> None:
        super().update_state(response, data)
        if not data or len(data) < self.limit:
            self._has_next_page = False


def create_session_token(api_url: str) -> str:
    expires = dt.date.today() + dt.timedelta(days=3)
    resp = requests.put(
        f"{api_url}/token/session/:create",
        params={
            "consumerToken": CONSUMER_TOKEN,
            "employeeToken": EMPLOYEE_TOKEN,
            "expirationDate": expires.isoformat(),
        },
        timeout=30,
    )
    resp.raise_for_status()
    return str(resp.json()["value"]["token"])


def build_config(api_url: str, token: str, names: list[str]) -> RESTAPIConfig:
    date_to = (dt.date.today() + dt.timedelta(days=1)).isoformat()  # end date is exclusive
    resources: list[Any] = []
    for name in names:
        path, date_params = ENDPOINTS[name]
        params: dict[str, Any] = {"sorting": "id", "fields": "*"}
        if date_params:
            params[date_params[0]] = "2000-01-01"
            params[date_params[1]] = date_to
        resources.append({"name": name, "endpoint": {"path": path, "params": params}})
    return {
        "client": {
            "base_url": api_url.rstrip("/") + "/",
            "auth": {"type": "http_basic", "username": "0", "password": token},
            "paginator": ShortPageOffsetPaginator(
                limit=PAGE_SIZE, offset_param="from", limit_param="count", total_path=None
            ),
        },
        "resource_defaults": {
            "primary_key": "id",
            "write_disposition": "replace",
            "endpoint": {"data_selector": "values"},
        },
        "resources": resources,
    }


def count_rows(db_path: str, names: list[str]) -> dict[str, int]:
    with duckdb.connect(db_path, read_only=True) as con:
        existing = {
            row[0]
            for row in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
                [DATASET],
            ).fetchall()
        }
        rows: dict[str, int] = {}
        for name in names:
            if name in existing:
                result = con.execute(f'SELECT count(*) FROM {DATASET}."{name}"').fetchone()
                rows[name] = int(result[0]) if result else 0
            else:
                rows[name] = 0  # dlt creates no table for a resource that yielded nothing
        return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-url", required=True, help="e.g. http://127.0.0.1:PORT/v2")
    parser.add_argument("--duckdb", required=True, help="DuckDB database file to load into")
    parser.add_argument(
        "--resources", default=",".join(ENDPOINTS), help="comma-separated resource names"
    )
    parser.add_argument("--pipelines-dir", help="dlt working dir (default: temp, removed)")
    parser.add_argument(
        "--loader-file-format",
        choices=["insert_values", "jsonl"],
        help="dlt load file format (default: the destination's, insert_values for duckdb)",
    )
    args = parser.parse_args(argv)

    names = [n.strip() for n in args.resources.split(",") if n.strip()]
    unknown = sorted(set(names) - set(ENDPOINTS))
    if unknown:
        parser.error(f"unknown resources: {', '.join(unknown)}")

    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")

    api_url = args.api_url.rstrip("/")
    source = rest_api_source(build_config(api_url, create_session_token(api_url), names))
    with tempfile.TemporaryDirectory(prefix="dlt_bench_") as scratch:
        pipeline = dlt.pipeline(
            pipeline_name=PIPELINE,
            pipelines_dir=args.pipelines_dir or scratch,
            destination=dlt.destinations.duckdb(args.duckdb),
            dataset_name=DATASET,
        )
        started = time.perf_counter()
        load_info = pipeline.run(source, loader_file_format=args.loader_file_format)
        seconds = time.perf_counter() - started
    load_info.raise_on_failed_jobs()
    print(load_info, file=sys.stderr)

    rows = count_rows(args.duckdb, names)
    print(json.dumps({"seconds": round(seconds, 3), "rows": rows, "records": sum(rows.values())}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
