"""The Singer SDK's standard tap tests, against the simulator."""

from __future__ import annotations

import atexit

from singer_sdk.testing import SuiteConfig, get_tap_test_class
from tripletex_simulator import Simulator

from tap_tripletex.tap import TapTripletex
from tests.taputil import TOKENS

# The SDK builds the test class at import time from a config, so the simulator it
# points at has to be up by then.
SIMULATOR = Simulator(seed=11, size=2000)
atexit.register(SIMULATOR.stop)

CONFIG = {**TOKENS, "api_url": SIMULATOR.start(), "start_date": "2019-01-01"}


def every_stream_selected() -> dict:
    """The discovered catalog with every stream selected: the suite syncs them all, and
    checks records against each stream's catalog schema, which is empty for a stream
    left unselected (most are not selected by default)."""
    catalog = TapTripletex(config=CONFIG).catalog_dict
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = True
    return catalog


TestTapTripletex = get_tap_test_class(
    TapTripletex,
    config=CONFIG,
    suite_config=SuiteConfig(max_records_limit=None),
    catalog=every_stream_selected(),
)
