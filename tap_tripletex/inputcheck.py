"""The files a run is given (--config, --state, --catalog), checked before anything runs.

The SDK reads them itself and reports a broken one as a bare JSONDecodeError, treats
a catalog that selects nothing as a run with nothing to do, ignores another tap's
state, and meets a garbage bookmark only when its stream starts, after others have
emitted records. Here each problem is one ConfigError naming the file.
"""

from __future__ import annotations

import difflib
import json
import logging
import typing as t
from datetime import date

from singer_sdk.singerlib import Catalog

from tap_tripletex.configcheck import json_text
from tap_tripletex.errors import ConfigError
from tap_tripletex.replication import parse_instant
from tap_tripletex.resources import BY_NAME, Resource

if t.TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger("tap-tripletex")
FILE_OPTIONS = ("--config", "--state", "--catalog")
NO_SYNC = ("--about", "--discover", "--test", "--help", "--version")
LIST_STREAMS = "tap-tripletex --discover lists the streams"


def check_inputs(argv: Sequence[str]) -> None:
    """Raise ConfigError for the first input file that is unreadable or would mislead."""
    files = option_values(argv)
    for path in files["--config"]:
        if path != "ENV":
            _object(read_json("--config", path), f"--config {path}", "the settings")
    syncing = not any(arg.split("=")[0] in NO_SYNC for arg in argv)
    for path in files["--state"]:
        check_state(read_json("--state", path), f"--state {path}")
    for path in files["--catalog"]:
        catalog = read_json("--catalog", path)
        if syncing:
            check_catalog(catalog, f"--catalog {path}")


def option_values(argv: Sequence[str]) -> dict[str, list[str]]:
    """The paths given to each file option, as `--opt PATH` or `--opt=PATH`."""
    found: dict[str, list[str]] = {option: [] for option in FILE_OPTIONS}
    for position, arg in enumerate(argv):
        option, equals, value = arg.partition("=")
        if option not in found:
            continue
        if equals:
            found[option].append(value)
        elif position + 1 < len(argv):
            found[option].append(argv[position + 1])
    return found


def read_json(option: str, path: str) -> t.Any:
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except OSError as exc:
        raise ConfigError(f"{option} {path} cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{option} {path} is not UTF-8 text; it must be JSON") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{option} {path} is not valid JSON ({exc.msg} at line {exc.lineno} column "
            f"{exc.colno}); fix the file"
        ) from None


def _object(value: t.Any, where: str, holding: str) -> dict[str, t.Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must hold a JSON object with {holding} (found {_kind(value)})")
    return value


def _kind(value: t.Any) -> str:
    names = {list: "a list", str: "a string", bool: "true or false", type(None): "null"}
    return names.get(type(value), "a number") if not isinstance(value, dict) else "an object"


def check_catalog(catalog: t.Any, where: str) -> None:
    """A catalog must select at least one stream, and only streams the tap has."""
    _object(catalog, where, '"streams"')
    try:
        entries = Catalog.from_dict(catalog)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(
            f"{where} is not a Singer catalog ({type(exc).__name__}: {exc}); "
            "tap-tripletex --discover writes one to start from"
        ) from None
    selected = [name for name, entry in entries.items() if entry.metadata.resolve_selection()[()]]
    for name in selected:
        if name not in BY_NAME:
            raise ConfigError(f"{where} selects {name}, {_not_a_stream(name)}")
    if not selected:
        raise ConfigError(
            f"{where} selects no stream, so the run would read nothing; select at least "
            f"one ({LIST_STREAMS})"
        )


def _not_a_stream(name: str) -> str:
    close = difflib.get_close_matches(name, BY_NAME, n=1, cutoff=0.75)
    hint = f"did you mean {close[0]}? " if close else ""
    return f"which is not a tap-tripletex stream; {hint}({LIST_STREAMS})"


def check_state(state: t.Any, where: str) -> None:
    """This tap's state, with bookmarks its streams can start from. Keys the tap does
    not check (`last_full_read`, the SDK's own) pass through untouched."""
    _object(state, where, '"bookmarks"')
    if not state:
        return
    if "bookmarks" not in state:
        keys = ", ".join(sorted(state))
        raise ConfigError(
            f'{where} has no "bookmarks" (found {keys}): not a Singer state of '
            "tap-tripletex; pass the state the tap wrote, or none"
        )
    bookmarks = _object(state["bookmarks"], f'{where}: "bookmarks"', "one entry per stream")
    unknown = sorted(name for name in bookmarks if name not in BY_NAME)
    if unknown and len(unknown) == len(bookmarks):
        raise ConfigError(
            f"{where} holds bookmarks of no tap-tripletex stream (found {', '.join(unknown)}): "
            "it looks like another tap's state; pass tap-tripletex's state, or none"
        )
    if unknown:
        logger.warning("%s: ignoring bookmarks of unknown streams: %s", where, ", ".join(unknown))
    for name, bookmark in bookmarks.items():
        if name in BY_NAME:
            _check_bookmark(BY_NAME[name], bookmark, f"{where}: {name}")


def _check_bookmark(resource: Resource, bookmark: t.Any, where: str) -> None:
    _object(bookmark, where, "its bookmark")
    partitions = bookmark.get("partitions", [])
    if not isinstance(partitions, list):
        raise ConfigError(f'{where}: "partitions" must be a list (found {_kind(partitions)})')
    for item in [bookmark, *partitions]:
        entry = _object(item, f"{where} partition", '"context" and the bookmark')
        markers = entry.get("progress_markers")
        for holder in (entry, markers if isinstance(markers, dict) else {}):
            _check_value(resource, holder, entry.get("context"), where)


def _check_value(resource: Resource, holder: dict[str, t.Any], context: t.Any, where: str) -> None:
    value = holder.get("replication_key_value")
    expected = resource.replication_key
    if value is None or expected is None or holder.get("replication_key") not in (None, expected):
        return  # no bookmark, or one for another key, which the stream ignores
    company = (
        f" for company_id {context['company_id']}"
        if isinstance(context, dict) and "company_id" in context
        else ""
    )
    try:
        if resource.changed_since:
            parse_instant(str(value))
        else:
            date.fromisoformat(str(value)[:10])
    except ValueError:
        what, then = (
            ("an ISO 8601 date-time", "read it in full")
            if resource.changed_since
            else ("a date (YYYY-MM-DD)", "read it from start_date")
        )
        raise ConfigError(
            f"{where}: the bookmark {json_text(value)}{company} is not {what}; fix it, "
            f"or remove the stream's entry to {then}"
        ) from None
