"""A local stand-in for the Tripletex API v2, for tests, demos and benchmarks.

    from tap_tripletex.simulator import Simulator
    sim = Simulator(seed=1, size=1000)
    with sim.serve() as base_url:          # "http://127.0.0.1:PORT/v2"
        ...
    sim.records("customer")                # what a full walk returns, in id order

It reproduces the real API's auth (session tokens, HTTP Basic with a company id),
envelopes, inexact `fullResultSize`, exclusive date ranges, `fields`, `sorting`,
rate-limit headers and 429s, and error envelopes. Data is generated from the tap's
schemas, deterministically from `seed` and `size`. Stdlib HTTP server only.
"""

from tap_tripletex.simulator.core import Simulator
from tap_tripletex.simulator.errors import ApiError, Reply
from tap_tripletex.simulator.routes import Request

__all__ = ["ApiError", "Reply", "Request", "Simulator"]
