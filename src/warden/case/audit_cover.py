"""Checking the seals of a keyed audit log against the rows the case holds now (see :mod:`audit_seal`).

The entries are replayed in order to learn which entry sealed which rows; then each covered table is read
once, in id order, and every seal's digest recomputed. The first entry whose rows no longer give its digest,
whose seal names rows of a table its action never writes, or the rows no entry covers, are reported.
"""

from __future__ import annotations

import bisect
import hashlib
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from warden.case.audit_seal import APPENDED, WRITERS, from_ranges, row_hash, state_digest


@dataclass(frozen=True, slots=True)
class CoverFault:
    """A problem with the covered rows, charged to an entry (``entry_id``) with its time and action."""

    entry_id: int
    at: str | None
    action: str | None
    reason: str


@dataclass(slots=True)
class _Part:
    entry_id: int
    at: str
    action: str
    first: int
    last: int
    count: int
    sha256: str
    digest: Any = field(default_factory=hashlib.sha256)
    seen: int = 0


@dataclass(slots=True)
class _Table:
    parts: list[_Part] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    # Ids sealed late, released or absent: (kind, part index or released hash) in the order they happened.
    events: dict[int, list[tuple[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    absent_in: dict[int, int] = field(default_factory=dict)


def _ids(part: _Part) -> str:
    if part.first > part.last:
        return "ids that appeared after earlier entries were written"
    return f"id {part.first}" if part.first == part.last else f"ids {part.first}-{part.last}"


class CoverCheck:
    """Collects the seals of a log's keyed entries, then checks them against the database."""

    def __init__(self) -> None:
        self._tables = {name: _Table() for name in APPENDED}
        self._state: dict[str, tuple[str, int, str, str]] = {}
        self._last: tuple[int, str, str] | None = None
        self.fault: CoverFault | None = None

    def add(self, entry_id: int, at: str, action: str, seal: Mapping[str, Any], *, first: bool) -> None:
        """Take in one keyed entry's seal (``first``: the log's first keyed entry, which seals everything
        the case held before)."""
        self._last = (entry_id, at, action)
        for name, part in seal.get("rows", {}).items():
            self._add_part(name, entry_id, at, action, part)
            self._attribute(name, entry_id, at, action, first)
        for name, ids in seal.get("released", {}).items():
            table = self._tables[name]
            for key, value in ids.items():
                table.events[int(key)].append(("release", bytes.fromhex(value)))
        for name, digest in seal.get("state", {}).items():
            self._state[name] = (digest, entry_id, at, action)
            self._attribute(name, entry_id, at, action, first)

    def _attribute(self, name: str, entry_id: int, at: str, action: str, first: bool) -> None:
        writers = WRITERS.get(name)
        if first or writers is None or action.startswith(writers) or self.fault is not None:
            return
        self.fault = CoverFault(
            entry_id,
            at,
            action,
            f"it seals changes to {name} that no {action} entry makes: rows written into the database "
            "outside Warden between two entries",
        )

    def _add_part(self, name: str, entry_id: int, at: str, action: str, part: Mapping[str, Any]) -> None:
        table = self._tables[name]
        index = len(table.parts)
        first, last = int(part["from"]) + 1, int(part["to"])
        table.parts.append(_Part(entry_id, at, action, first, last, int(part["count"]), str(part["sha256"])))
        table.starts.append(first)
        for row_id in from_ranges(part.get("late", [])):
            table.events[row_id].append(("seal", index))
        for row_id in from_ranges(part.get("absent", [])):
            table.absent_in[row_id] = index
            table.events.setdefault(row_id, [])

    def check(self, connection: Connection) -> CoverFault | None:
        """The first problem with the rows, or None when every seal still holds and every row is covered."""
        faults: list[CoverFault] = [self.fault] if self.fault else []
        uncovered: list[tuple[str, int]] = []
        for name, table in self._tables.items():
            uncovered.extend((name, row_id) for row_id in self._check_table(connection, name, table))
            faults.extend(
                CoverFault(
                    part.entry_id,
                    part.at,
                    part.action,
                    f"the {name} rows it sealed ({_ids(part)}) were altered, added or removed since: the "
                    "case database was changed outside Warden",
                )
                for part in table.parts
                if (part.seen, part.digest.hexdigest()) != (part.count, part.sha256)
            )
        for name, (digest, entry_id, at, action) in self._state.items():
            if state_digest(connection, name) != digest:
                faults.append(
                    CoverFault(
                        entry_id,
                        at,
                        action,
                        f"the {name} table no longer holds what this entry, the last to seal it, sealed: "
                        "changed outside Warden since",
                    )
                )
        if uncovered and self._last is not None:
            entry_id, at, action = self._last
            names = ", ".join(f"{name} {row_id}" for name, row_id in uncovered[:5])
            more = f" and {len(uncovered) - 5} more" if len(uncovered) > 5 else ""
            faults.append(
                CoverFault(
                    entry_id,
                    at,
                    action,
                    f"rows no entry covers ({names}{more}), written after this, the last entry: added "
                    "outside "
                    "Warden, or by a scan that stopped before its end (opening or resuming the case covers "
                    "those)",
                )
            )
        return min(faults, key=lambda fault: fault.entry_id) if faults else None

    @staticmethod
    def _rows(connection: Connection, name: str) -> Iterator[tuple[int, bytes]]:
        table = APPENDED[name]
        for row in connection.execute(select(table).order_by(table.c.id)).mappings():
            yield int(row["id"]), row_hash(row)

    def _check_table(self, connection: Connection, name: str, table: _Table) -> Iterator[int]:
        """Feed every row (and every released row's recorded digest) to the seals; yields uncovered ids."""
        special = sorted(table.events)
        cursor = 0
        for row_id, value in self._rows(connection, name):
            while cursor < len(special) and special[cursor] < row_id:
                self._feed_special(table, special[cursor], None)
                cursor += 1
            if cursor < len(special) and special[cursor] == row_id:
                cursor += 1
                if not self._feed_special(table, row_id, value):
                    yield row_id
                continue
            owner = self._owner(table, row_id)
            if owner is None:
                yield row_id
            else:
                self._feed(table.parts[owner], row_id, value)
        for row_id in special[cursor:]:
            self._feed_special(table, row_id, None)

    @staticmethod
    def _owner(table: _Table, row_id: int) -> int | None:
        index = bisect.bisect_right(table.starts, row_id) - 1
        if index < 0 or row_id > table.parts[index].last or table.absent_in.get(row_id) == index:
            return None
        return index

    @staticmethod
    def _feed(part: _Part, row_id: int, value: bytes) -> None:
        part.digest.update(row_id.to_bytes(8, "big") + value)
        part.seen += 1

    def _feed_special(self, table: _Table, row_id: int, value: bytes | None) -> bool:
        """Give a late, released or absent id to the seals that hold it; True when its row (if any) is
        covered now."""
        owner = self._owner(table, row_id)
        lives: list[tuple[str, Any]] = ([("seal", owner)] if owner is not None else []) + table.events[row_id]
        for position, (kind, what) in enumerate(lives):
            if kind != "seal":
                continue
            after = lives[position + 1] if position + 1 < len(lives) else None
            held = after[1] if after is not None and after[0] == "release" else value
            if held is not None:
                self._feed(table.parts[what], row_id, held)
        return value is None or (bool(lives) and lives[-1][0] == "seal")
