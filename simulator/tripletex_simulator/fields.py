"""The `fields` query parameter: `*`, `a,b`, nested `customer(id,name)`, dotted `a.b`.

A parsed filter is a tree: `{name: subtree or None}`; `*` is a key like any other.
`changes` is only returned when named explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Tree = dict[str, Any]
Resolver = Callable[[dict[str, Any]], dict[str, Any] | None]


class FieldsError(ValueError):
    """Malformed pattern, or a top-level name the resource does not have."""


def parse(text: str) -> Tree:
    tree, pos = _parse(text.replace(" ", ""), 0)
    if pos != len(text.replace(" ", "")):
        raise FieldsError(f"Unbalanced parentheses in fields: {text}")
    return tree


def _parse(text: str, pos: int) -> tuple[Tree, int]:
    tree: Tree = {}
    name = ""
    while pos < len(text):
        char = text[pos]
        if char == ",":
            _add(tree, name, None)
            name, pos = "", pos + 1
        elif char == "(":
            sub, pos = _parse(text, pos + 1)
            if pos >= len(text) or text[pos] != ")" or not name:
                raise FieldsError(f"Malformed fields pattern: {text}")
            _add(tree, name, sub)
            name, pos = "", pos + 1
        elif char == ")":
            break
        else:
            name, pos = name + char, pos + 1
    _add(tree, name, None)
    return tree, pos


def _add(tree: Tree, name: str, sub: Tree | None) -> None:
    """Add `name` (maybe dotted) with its subtree; selecting a whole object wins."""
    if not name:
        return
    head, _, rest = name.partition(".")
    if rest:
        inner: Tree = {}
        _add(inner, rest, sub)
        sub = inner
    if head in tree:
        old = tree[head]
        tree[head] = None if old is None or sub is None else _merge(old, sub)
    else:
        tree[head] = sub


def _merge(left: Tree, right: Tree) -> Tree:
    out = dict(left)
    for name, sub in right.items():
        _add(out, name, sub)
    return out


def check(tree: Tree, known: Iterable[str]) -> None:
    allowed = set(known) | {"*"}
    unknown = [name for name in tree if name not in allowed]
    if unknown:
        raise FieldsError(f"Illegal field in fields filter: {unknown[0]}")


def is_plain(tree: Tree) -> bool | None:
    """True for `*`, False for `*,changes`, None when records must be filtered."""
    if tree == {"*": None}:
        return True
    if tree == {"*": None, "changes": None}:
        return False
    return None


def apply(node: Any, tree: Tree | None, resolve: Resolver | None = None) -> Any:
    """The parts of `node` selected by `tree` (None selects all but `changes`).

    As real Tripletex does, a relation named bare (`fields=id,account`) comes back as
    the whole related object, not its `{id, url}` stub; `*` leaves relations stubs.
    """
    if tree is None or node is None:
        return node
    if isinstance(node, list):
        return [apply(item, tree, resolve) for item in node]
    if not isinstance(node, dict):
        return node
    if is_stub(node) and set(tree) - {"id", "url"}:
        node = whole(node, resolve)
    everything = "*" in tree
    out = {}
    for name, sub in node.items():
        if name in tree:
            named = tree[name]
            out[name] = apply(sub, named, resolve) if named is not None else expand(sub, resolve)
        elif everything and name != "changes":
            out[name] = sub
    return out


def is_stub(node: Any) -> bool:
    return isinstance(node, dict) and set(node) == {"id", "url"}


def expand(node: Any, resolve: Resolver | None) -> Any:
    """A property named bare: relations in it (or it, if one) come back whole."""
    if isinstance(node, list):
        return [expand(item, resolve) for item in node]
    return whole(node, resolve) if is_stub(node) else node


def whole(stub: dict[str, Any], resolve: Resolver | None) -> dict[str, Any]:
    """The related object, as `*` gives it. One the simulator does not hold (an address,
    say) still comes back as more than the stub, as it would from Tripletex."""
    found = resolve(stub) if resolve is not None else None
    return found if found is not None else {**stub, "version": 0}
