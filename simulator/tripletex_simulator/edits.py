"""Changes between runs, as users make them in Tripletex: records added, updated and
deleted (with what goes with them), each stamped in its `changes` history."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

import msgspec

from tripletex_simulator import data
from tripletex_simulator.clock import oslo_now, parse_date, timestamp
from tripletex_simulator.contract import BY_NAME, ENDPOINTS, Endpoint
from tripletex_simulator.values import HOST, Context, value

if TYPE_CHECKING:
    from datetime import date


class Edits:
    """The Simulator's mutations (mixed into it)."""

    seed: int
    today: date

    def dataset(self, company_id: int | None = None) -> data.Dataset:
        raise NotImplementedError

    def employee_id(self, company_id: int) -> int:
        raise NotImplementedError

    def _now(self) -> str:
        now = oslo_now()
        seconds = min(max(now.hour * 3600 + now.minute * 60 + now.second, 1), 86_399)
        return timestamp(self.today.toordinal(), seconds)

    def add(
        self,
        stream: str,
        overrides: dict[str, Any] | None = None,
        company_id: int | None = None,
        parent: int | None = None,
    ) -> dict[str, Any]:
        """Create a record (version 0, CREATE change now, dated today unless overridden);
        a child stream's record needs its `parent` id."""
        dataset = self.dataset(company_id)
        table, resource = dataset.tables[stream], BY_NAME[stream]
        props = dataset.schemas[stream].get("properties", {})
        with table.lock:
            rng = random.Random(f"{self.seed}:{dataset.company_id}:{stream}:add:{len(table)}")
            ctx = Context(stream, self.today, dataset.context.ids)
            new_id = (table.ids[-1] if table.ids else 1) + rng.randint(1, 3)
            record: dict[str, Any] = {}
            for key, prop in props.items():
                if key in data.SKIPPED:
                    continue
                record[key] = value(rng, key, prop, ctx)
            record.update(id=new_id, version=0, url=f"{HOST}/v2{resource.path}/{new_id}")
            if resource.date_field:
                record[resource.date_field] = self.today.isoformat()
            record.update({k: v for k, v in (overrides or {}).items() if k not in ("id", "url")})
            changes = [self._change("CREATE", dataset)]
            table.append(record, changes, self._date_ord(stream, record), parent)
        return record

    def update(
        self, stream: str, id: int, changes: dict[str, Any], company_id: int | None = None
    ) -> dict[str, Any]:
        """Change a record: bump `version` and append an UPDATE change stamped now."""
        dataset = self.dataset(company_id)
        table = dataset.tables[stream]
        with table.lock:
            pos = table.position(id)
            if pos is None:
                raise KeyError(f"{stream} {id} not found")
            record = table.record(pos)
            history = msgspec.json.decode(table.changes[pos])
            record.update({k: v for k, v in changes.items() if k not in ("id", "url")})
            record["version"] = int(record.get("version") or 0) + 1
            history.append(self._change("UPDATE", dataset))
            table.replace(pos, record, history, self._date_ord(stream, record))
        return record

    def delete(self, stream: str, id: int, company_id: int | None = None) -> list[tuple[str, int]]:
        """Delete a record as Tripletex does, with what goes with it: a voucher's
        postings, the lines of an order or of any parent (invoices drop the lines and
        the order they listed). Returns every (stream, id) removed. The balance sheet
        is computed from the postings left."""
        dataset = self.dataset(company_id)
        removed = [(stream, id)]
        table = dataset.tables[stream]
        with table.lock:
            pos = table.position(id)
            if pos is None:
                raise KeyError(f"{stream} {id} not found")
            table.delete(pos)
        if stream == "ledger_voucher":
            postings = dataset.tables["ledger_posting"]
            for record in [postings.record(p) for p in range(len(postings))]:
                if (record.get("voucher") or {}).get("id") == id:
                    removed += self.delete("ledger_posting", record["id"], company_id)
        for child in [e for e in ENDPOINTS if stream in e.parents and e.name in dataset.tables]:
            lines = dataset.tables[child.name]
            mine = [cid for cid, p in zip(lines.ids, lines.parents or (), strict=False) if p == id]
            for line_id in mine:
                removed += self.delete(child.name, line_id, company_id)
            if child.inline and mine:
                self._drop_references(dataset, child, {stream: {id}, child.name: set(mine)})
        return removed

    def _drop_references(
        self, dataset: data.Dataset, child: Endpoint, gone: dict[str, set[int]]
    ) -> None:
        """Other parents of deleted lines (an invoice of a deleted order) stop listing
        them, and the parent they came from."""
        for other, inline in zip(child.parents[1:], child.inline[1:], strict=True):
            table = dataset.tables.get(other)
            if table is None:
                continue
            for pos in range(len(table)):
                record = table.record(pos)
                kept = {
                    prop: [x for x in items if x.get("id") not in ids]
                    for prop, ids in (
                        (inline, gone[child.name]),
                        (f"{child.parents[0]}s", gone[child.parents[0]]),
                    )
                    if isinstance(items := record.get(prop), list)
                }
                if any(len(kept[p]) != len(record[p]) for p in kept):
                    self.update(other, record["id"], kept, dataset.company_id)

    def _change(self, kind: str, dataset: data.Dataset) -> dict[str, Any]:
        employee = self.employee_id(dataset.company_id)
        return {"employeeId": employee, "timestamp": self._now(), "changeType": kind}

    @staticmethod
    def _date_ord(stream: str, record: dict[str, Any]) -> int | None:
        field = BY_NAME[stream].date_field
        day = parse_date(record.get(field)) if field else None
        return day.toordinal() if day else None
