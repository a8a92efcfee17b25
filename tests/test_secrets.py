"""Secrets have one source: the settings marked `secret=True` (settings.py). A new one is
checked, hidden and redacted like the tokens, with no other change."""

from __future__ import annotations

import copy

import pytest
from singer_sdk import typing as th

from tap_tripletex.configcheck import check_config, secret_names
from tap_tripletex.errors import ConfigError
from tap_tripletex.redaction import REDACTED, redact
from tap_tripletex.settings import SETTINGS
from tap_tripletex.tap import TapTripletex
from tests.taputil import TOKENS

NEW_SECRET = "webhook_signing_key"
CONFIG = {**TOKENS, "api_url": "http://127.0.0.1:9/v2"}  # never contacted


def settings_with_new_secret() -> dict:
    """A copy of SETTINGS with one more setting, marked secret the way settings.py does."""
    settings = copy.deepcopy(SETTINGS)
    new = th.PropertiesList(th.Property(NEW_SECRET, th.StringType, secret=True)).to_dict()
    settings["properties"].update(new["properties"])
    return settings


def test_the_secrets_are_the_settings_marked_secret() -> None:
    assert secret_names(SETTINGS) == ("consumer_token", "employee_token")
    assert secret_names(settings_with_new_secret())[-1] == NEW_SECRET


def test_a_new_secret_setting_is_redacted() -> None:
    class Tap(TapTripletex):
        config_jsonschema = settings_with_new_secret()

    value = "key-value-that-must-never-be-shown-8191"
    Tap(config={**CONFIG, NEW_SECRET: value}, validate_config=True)
    assert redact(f"signing with {value}") == f"signing with {REDACTED}"


@pytest.mark.parametrize(
    ("value", "problem"),
    [(" padded-secret-value ", "whitespace"), (81918191, "must be a string")],
)
def test_a_new_secret_setting_is_checked_like_the_tokens(value: object, problem: str) -> None:
    with pytest.raises(ConfigError, match=f"{NEW_SECRET}.*{problem}") as raised:
        check_config({**CONFIG, NEW_SECRET: value}, settings_with_new_secret())
    assert str(value).strip() not in str(raised.value)


def test_an_optional_secret_setting_may_be_left_out() -> None:
    check_config(CONFIG, settings_with_new_secret())
