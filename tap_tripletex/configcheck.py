"""Settings checked before anything runs: one clear line naming the setting at fault.

The Singer SDK's own validation reports every JSON-schema error as a log line that
echoes the offending value; a token value must never be echoed, so the tap checks
the config itself and raises one ConfigError for the first problem found.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import typing as t
from decimal import Decimal
from urllib.parse import urlsplit

from tap_tripletex.errors import ConfigError
from tap_tripletex.redaction import MIN_SECRET_LENGTH
from tap_tripletex.timeutil import oslo_today, parse_start

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float, Decimal),  # the SDK reads JSON decimals as Decimal
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}
_TYPE_NAMES = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
}


def secret_names(schema: t.Mapping[str, t.Any]) -> tuple[str, ...]:
    """The settings marked secret: `th.Property(..., secret=True)` annotates one with
    `secret` and `writeOnly`. The only list of secrets: check, redaction and Meltano
    all read it from the settings' schema."""
    properties: t.Mapping[str, t.Any] = schema.get("properties") or {}
    return tuple(
        name for name, spec in properties.items() if spec.get("secret") or spec.get("writeOnly")
    )


def number_or_text(minimum: float) -> dict[str, t.Any]:
    """A number setting's schema: Meltano passes one set by environment variable as
    text (its `decimal` kind crashes there), and so does the SDK's `--config ENV`."""
    return {"type": ["number", "string"], "minimum": minimum}


def check_config(
    config: t.Mapping[str, t.Any], schema: dict[str, t.Any], *, env: bool = False
) -> None:
    """Raise ConfigError naming the first setting that is missing, malformed, out of
    range or unknown. `env`: the environment was read too (`--config ENV`)."""
    required = schema.get("required") or ()
    for name in secret_names(schema):
        if name in required or config.get(name) is not None:
            _check_token(config, name, env)
    for name in required:
        if name not in config:
            raise ConfigError(f"{name} is missing; {_how_to_set(name, env)}")
    _check_names(config, schema)
    _check_api_url(config.get("api_url"))
    _check_start_date(config.get("start_date"))
    for name, spec in (schema.get("properties") or {}).items():
        if name in config:
            _check_value(name, config[name], spec)


def _how_to_set(name: str, env: bool) -> str:
    variable = f"TAP_TRIPLETEX_{name.upper()}"
    if os.environ.get("MELTANO_PROJECT_ROOT"):  # run by Meltano
        return f"set it with `meltano config set tap-tripletex {name}` or as {variable}"
    if env:
        return f"set it in the config file or as the environment variable {variable}"
    return (
        f"set it in the config file (the environment variable {variable} is read only "
        "with --config ENV)"
    )


def _check_token(config: t.Mapping[str, t.Any], name: str, env: bool) -> None:
    """Tokens are checked before anything may echo them; the value is never shown."""
    value = config.get(name)
    if value is None:
        raise ConfigError(f"{name} is missing; {_how_to_set(name, env)}")
    if not isinstance(value, str):
        raise ConfigError(f"{name} must be a string")
    if not value.strip():
        raise ConfigError(f"{name} is blank; {_how_to_set(name, env)}")
    if value != value.strip():
        raise ConfigError(f"{name} has leading or trailing whitespace; remove it")
    if not value.isascii():
        raise ConfigError(
            f"{name} has non-ASCII characters, which a Tripletex token never has; "
            "copy the token again"
        )
    if len(value) < MIN_SECRET_LENGTH:
        # Shorter secrets could not be redacted without garbling other text.
        raise ConfigError(
            f"{name} is too short for a Tripletex token ({len(value)} of at least "
            f"{MIN_SECRET_LENGTH} characters); copy the whole token"
        )


def _check_names(config: t.Mapping[str, t.Any], schema: dict[str, t.Any]) -> None:
    """A misspelt setting would be ignored without a word: name the closest known one."""
    known = list(schema.get("properties") or ())
    folded = {_fold(name): name for name in known}
    for name in config:
        if name in known:
            continue
        close = difflib.get_close_matches(_fold(name), folded, n=1, cutoff=0.75)
        hint = (
            f"did you mean {folded[close[0]]}?"
            if close
            else "tap-tripletex --about lists the settings"
        )
        raise ConfigError(f"unknown setting {name} in the config; {hint}")


def _fold(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def _check_value(name: str, value: t.Any, spec: dict[str, t.Any]) -> None:
    """Type and bounds from the setting's JSON schema; never echoes a secret."""
    types = spec.get("type") or []
    types = [types] if isinstance(types, str) else list(types)
    shown = "(hidden)" if spec.get("secret") else json_text(value)
    if isinstance(value, str) and "number" in types:
        value = _number(name, value, shown)
    if value is None:
        if "null" in types and "default" not in spec:
            return
        raise ConfigError(f"{name} is null; remove it to use the default, or set a value")
    wanted = [t_ for t_ in types if t_ != "null"]
    ok = any(
        isinstance(value, _JSON_TYPES.get(kind, (object,)))
        and not (isinstance(value, bool) and kind in ("integer", "number"))
        for kind in wanted
    )
    if wanted and not ok:
        kinds = " or ".join(_TYPE_NAMES.get(kind, kind) for kind in wanted)
        raise ConfigError(f"{name} must be {kinds} (got {shown})")
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        low, high = spec.get("minimum"), spec.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ConfigError(f"{name} must be {_range(low, high)} (got {shown})")
    if isinstance(value, str) and len(value) < int(spec.get("minLength") or 0):
        raise ConfigError(f"{name} is too short (at least {spec['minLength']} characters)")
    if isinstance(value, list) and isinstance(spec.get("items"), dict):
        for position, item in enumerate(value):
            _check_value(f"{name}[{position}]", item, {**spec["items"], "default": None})


def _number(name: str, text: str, shown: str) -> float:
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ConfigError(f"{name} must be a number (got {shown})")
    return number


def json_text(value: t.Any) -> str:
    """A value as the user wrote it in JSON."""
    if isinstance(value, Decimal):
        return str(value)
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _range(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"from {low} to {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def _check_api_url(value: t.Any) -> None:
    if not isinstance(value, str):
        return
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"api_url {value!r} is not an http(s) URL (e.g. https://tripletex.no/v2)")


def _check_start_date(value: t.Any) -> None:
    if not isinstance(value, str):
        return
    try:
        day = parse_start(value)
    except ValueError:
        raise ConfigError(
            f"start_date {value!r} is not a date; use YYYY-MM-DD or an ISO 8601 date-time"
        ) from None
    today = oslo_today()
    if day > today:
        raise ConfigError(
            f"start_date {value} is in the future (today is {today} in Oslo); "
            "use a date on or before today"
        )
