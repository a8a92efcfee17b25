"""Parents and children: which parent each child record belongs to, and the columns
that tie them together.

A child read by parent id (`/project/task?projectId=`) keeps its parent's id beside each
record, and points back at it where its schema has the reference (`project`). Inline
lines (an order's `orderLines`) are records of a table of their own (`/order/orderline`)
that the parent lists as `{id, url}` stubs, so `fields=*,orderLines(*)` expands them.
Further parents of the same lines (invoices) list the lines of one first parent
(an invoice's lines are its order's lines, and it names that order in `orders`).
"""

from __future__ import annotations

from typing import Any

from tripletex_simulator import plan
from tripletex_simulator.contract import BY_NAME, ENDPOINTS, Endpoint
from tripletex_simulator.values import HOST

Column = list[bytes]
Specials = dict[str, dict[str, tuple[Column, Any]]]


def stub(name: str, rid: int) -> bytes:
    return b'{"id":%d,"url":"%s/v2%s/%d"}' % (rid, HOST.encode(), BY_NAME[name].path.encode(), rid)


def back_reference(resource: Endpoint) -> str:
    """The child's property naming its parent: `projectId` -> `project`, or the last
    segment of the parent's path (`/order` -> `order`)."""
    if resource.parent_param:
        return resource.parent_param.removesuffix("Id")
    return BY_NAME[str(resource.parent)].path.rsplit("/", 1)[-1]


def columns(
    all_ids: dict[str, list[int]], schemas: dict[str, Any], specials: Specials
) -> dict[str, list[int]]:
    """Each child stream's parent id per record; adds the tying columns to `specials`."""
    parents: dict[str, list[int]] = {}
    for resource in ENDPOINTS:
        if not resource.parents or resource.name not in all_ids:
            continue
        first = str(resource.parent)
        parent_ids, child_ids = all_ids[first], all_ids[resource.name]
        owner = plan.owners(len(child_ids), len(parent_ids))
        parents[resource.name] = [parent_ids[o] for o in owner]
        ref = back_reference(resource)
        if ref in _props(schemas, resource.name):
            column = [b'"%s":%s' % (ref.encode(), stub(first, parent_ids[o])) for o in owner]
            specials.setdefault(resource.name, {})[ref] = (column, None)
        if not resource.inline:
            continue
        lines: list[list[bytes]] = [[] for _ in parent_ids]
        for pos, o in enumerate(owner):
            lines[o].append(stub(resource.name, child_ids[pos]))
        head = b'"%s":[' % resource.inline[0].encode()
        column = [head + b",".join(x) + b"]" for x in lines]
        specials.setdefault(first, {})[resource.inline[0]] = (column, None)
        for other, prop in zip(resource.parents[1:], resource.inline[1:], strict=True):
            _other_parent(
                resource=resource,
                other=(other, prop),
                first=first,
                all_ids=all_ids,
                schemas=schemas,
                specials=specials,
                lines=lines,
            )
    return parents


def _other_parent(
    *,
    resource: Endpoint,
    other: tuple[str, str],
    first: str,
    all_ids: dict[str, list[int]],
    schemas: dict[str, Any],
    specials: Specials,
    lines: list[list[bytes]],
) -> None:
    """Record j of `other` (a table, the property carrying the lines) carries the lines of
    first-parent record j (cycling)."""
    name, prop = other
    firsts = all_ids[first]
    mine = [j % len(firsts) for j in range(len(all_ids[name]))]
    head = b'"%s":[' % prop.encode()
    own = specials.setdefault(name, {})
    own[prop] = ([head + b",".join(lines[f]) + b"]" for f in mine], None)
    plural = f"{back_reference(resource)}s"  # invoice.orders
    if plural in _props(schemas, name):
        column = [b'"%s":[%s]' % (plural.encode(), stub(first, firsts[f])) for f in mine]
        own[plural] = (column, None)


def _props(schemas: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(schemas.get(name, {}).get("properties", {}))
