"""`python -m tripletex_simulator` / `tripletex-simulator`: serve until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from tripletex_simulator.core import Simulator


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="tripletex-simulator",
        description="Serve a simulated Tripletex API v2 on localhost until SIGINT/SIGTERM.",
        epilog="Sessions: PUT /v2/token/session/:create with the consumer and employee tokens "
        "below, then HTTP Basic with username 0 (or a client company id) and the session token.",
    )
    cli.add_argument("--host", default="127.0.0.1")
    cli.add_argument("--port", type=int, default=8099, help="0 picks a free port (default 8099)")
    cli.add_argument("--seed", type=int, default=1)
    cli.add_argument("--size", type=int, default=1000, help="approximate number of records")
    cli.add_argument(
        "--companies",
        default="",
        help="comma-separated client company ids: "
        "makes the token an accountant's (default: one own company)",
    )
    cli.add_argument(
        "--consumer-token",
        default="sim-consumer",
        help="consumer token to accept (default: %(default)s)",
    )
    cli.add_argument(
        "--employee-token",
        default="sim-employee",
        help="employee token to accept (default: %(default)s)",
    )
    cli.add_argument("--rate-limit", type=int, default=None, help="requests per window")
    cli.add_argument("--rate-window", type=float, default=10.0, help="window in seconds")
    cli.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    cli.add_argument("--today", default=None, help="pretend today is this date (YYYY-MM-DD)")
    return cli


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    companies = [int(c) for c in args.companies.split(",") if c.strip()]
    sim = Simulator(
        seed=args.seed,
        size=args.size,
        companies=companies or None,
        consumer_token=args.consumer_token,
        employee_token=args.employee_token,
        today=args.today,
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
        latency=args.latency,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    url = sim.start(port=args.port, host=args.host)
    print(f"Tripletex simulator on {url} (tokens: see --help)", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
