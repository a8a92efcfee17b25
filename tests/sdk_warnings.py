"""The Singer SDK's deprecation warnings, which the suite turns into errors."""

from __future__ import annotations

import singer_sdk


def sdk_deprecation_warnings() -> list[type[DeprecationWarning]]:
    """The Singer SDK's own DeprecationWarning classes (loaded with `singer_sdk`).

    The SDK exports no public name for them, so they are found by what they are."""
    found, todo = [], [DeprecationWarning]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.partition(".")[0] == singer_sdk.__name__:
                found.append(sub)
    return found
