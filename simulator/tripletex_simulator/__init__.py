"""A local stand-in for the Tripletex API v2, for tests, demos and benchmarks.

    from tripletex_simulator import Simulator
    sim = Simulator(seed=1, size=1000)
    with sim.serve() as base_url:          # "http://127.0.0.1:PORT/v2"
        ...
    sim.records("customer")                # what a full walk returns, in id order

It reproduces the real API's auth (session tokens, HTTP Basic with a company id),
envelopes, inexact `fullResultSize`, exclusive date ranges, `fields`, `sorting`,
rate-limit headers and 429s, and error envelopes. What it serves, and the shape of its
records, come from its contract (`contract.json`, generated from the official OpenAPI
spec by `tools/contractgen.py`); it knows nothing of any client. Data is generated
deterministically from `seed` and `size`. Stdlib HTTP server only.
"""

from tripletex_simulator.core import Simulator
from tripletex_simulator.errors import ApiError, Reply
from tripletex_simulator.routes import Request

__all__ = ["ApiError", "Reply", "Request", "Simulator"]
