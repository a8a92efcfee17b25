"""The raw baseline of the benchmark: the tap's pages for one stream, fetched one after
another with requests, parsed, and written out as JSON lines. Nothing else: no schema,
no state, no retries. Run by benchmarks/run.py; prints nothing but the records.

    python benchmarks/baseline.py API_URL PATH DATE_FROM_PARAM DATE_TO_PARAM START PAGE_SIZE
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta

import requests

from tap_tripletex.timeutil import date_windows, oslo_today


def main(argv: list[str]) -> None:
    api_url, path, start_param, end_param, start, size = argv
    http = requests.Session()
    token = http.put(
        f"{api_url}/token/session/:create",
        params={
            "consumerToken": "sim-consumer",
            "employeeToken": "sim-employee",
            "expirationDate": (date.today() + timedelta(days=3)).isoformat(),
        },
    ).json()["value"]["token"]
    http.auth = ("0", token)
    page_size = int(size)
    out = sys.stdout
    for first, end in date_windows(date.fromisoformat(start), oslo_today(), 365):
        offset = 0
        while True:
            params = {
                "from": offset,
                "count": page_size,
                "sorting": "id",
                "fields": "*",
                start_param: first.isoformat(),
                end_param: end.isoformat(),
            }
            values = http.get(f"{api_url}{path}", params=params).json()["values"]
            for record in values:
                out.write(json.dumps(record) + "\n")
            if len(values) < page_size:
                break
            offset += page_size


if __name__ == "__main__":
    main(sys.argv[1:])
