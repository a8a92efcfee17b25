"""The suite fails on any Singer SDK deprecation warning (tests/conftest.py), so an SDK
upgrade that deprecates something the tap uses is caught here, not by its users."""

from __future__ import annotations

import warnings

import pytest
import singer_sdk.streams

from tests.sdk_warnings import sdk_deprecation_warnings


def test_the_sdk_deprecation_warning_class_is_found() -> None:
    assert sdk_deprecation_warnings(), "singer_sdk defines no DeprecationWarning subclass"


def test_a_deprecated_sdk_api_raises() -> None:
    # Deprecated in singer-sdk 0.54: SQL classes are imported from singer_sdk.sql now.
    with pytest.raises(tuple(sdk_deprecation_warnings()), match=r"singer_sdk\.sql"):
        _ = singer_sdk.streams.SQLStream


def test_other_deprecation_warnings_are_left_as_they_were() -> None:
    with pytest.warns(DeprecationWarning, match="not the SDK's"):
        warnings.warn("not the SDK's", DeprecationWarning, stacklevel=1)
