"""What the audit chain covers: a seal of the evidence-bearing rows, written into each keyed entry.

Two kinds of table are covered:

- *Appended* tables (items, matches, item errors, grades, second reviews): each entry seals the rows added
  since the entry before, by id range, with a SHA-256 over every row's content. Verification recomputes the
  digest of every range, so a row edited, added or deleted inside a sealed range shows, and names the entry
  that sealed it. On PostgreSQL a row can become visible after rows with higher ids (its transaction
  committed later); ids not there when a range was sealed are kept as *pending* and sealed by a later entry
  when they appear (``late``). Rows Warden itself removes (an item redone by a rerun) are *released* by an
  entry that records their digests, so removing them is not taken for tampering.
- *State* tables (evidence, hash sets, the accounts' names, roles and passwords, cluster splits), which are
  small and legitimately updated: each entry records the digest of the whole table when it changed.

The head record (see :mod:`warden.case.audit`) keeps the running cover: each appended table's last sealed id
with its pending ids, and each state table's digest. The entry MACs make the seals themselves tamper-evident.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, and_, or_, select

from warden.case import schema

Ranges = list[list[int]]
"""Ids as sorted, disjoint, inclusive ``[first, last]`` pairs (compact for long runs)."""

APPENDED: dict[str, Table] = {
    table.name: table
    for table in (schema.items, schema.matches, schema.item_errors, schema.grades, schema.grade_reviews)
}
STATE: dict[str, Table] = {
    table.name: table for table in (schema.evidence, schema.hashsets, schema.users, schema.cluster_splits)
}
STATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("id", "name", "role", "password_hash", "disabled", "created_by"),
}
"""Columns covered where not all are (the accounts' sessions and flags change without an entry)."""

WRITERS: dict[str, tuple[str, ...]] = {
    "grades": ("grade",),
    "grade_reviews": ("grade",),
    "cluster_splits": ("cluster",),
    "users": ("account", "case.create"),
    "hashsets": ("hashsets.",),
}
"""Tables only ever written in the same transaction as an entry of these actions (by prefix): rows of theirs
sealed by any other entry were written outside Warden. Items and evidence are written by a scan between its
entries, so any entry may seal them."""


def to_ranges(ids: Iterable[int]) -> Ranges:
    """Sorted ids as ``[first, last]`` runs."""
    runs: Ranges = []
    for value in sorted(set(ids)):
        if runs and runs[-1][1] == value - 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    return runs


def from_ranges(runs: Sequence[Sequence[int]]) -> Iterator[int]:
    """Every id of ``runs``, ascending."""
    for first, last in runs:
        yield from range(int(first), int(last) + 1)


def row_hash(row: Mapping[Any, Any]) -> bytes:
    """SHA-256 of one row's non-null values as canonical JSON (a column added later with NULLs changes no
    earlier seal)."""
    values = {key: value for key, value in row.items() if value is not None}
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).digest()


def _columns(name: str, table: Table) -> list[Any]:
    wanted = STATE_COLUMNS.get(name)
    return [column for column in table.columns if wanted is None or column.name in wanted]


def state_digest(connection: Connection, name: str) -> str:
    """SHA-256 over every row of a state table, in primary-key order."""
    table = STATE[name]
    digest = hashlib.sha256()
    rows = connection.execute(select(*_columns(name, table)).order_by(*table.primary_key.columns)).mappings()
    for row in rows:
        digest.update(row_hash(row))
    return digest.hexdigest()


def range_digest(pairs: Iterable[tuple[int, bytes]]) -> tuple[int, str]:
    """(count, SHA-256) over ``(id, row hash)`` pairs given in ascending id order."""
    digest = hashlib.sha256()
    count = 0
    for row_id, value in pairs:
        digest.update(row_id.to_bytes(8, "big") + value)
        count += 1
    return count, digest.hexdigest()


def empty_cover() -> dict[str, Any]:
    """The cover before the first keyed entry: nothing sealed (so that entry seals every row there is)."""
    return {"tables": {name: {"to": 0, "pending": []} for name in APPENDED}, "state": {}}


def _unsealed(
    connection: Connection, table: Table, upto: int, pending: Ranges
) -> Iterator[tuple[int, bytes]]:
    """(id, row hash) of rows past ``upto`` or among the pending ids, ascending."""
    wanted = [table.c.id > upto, *(and_(table.c.id >= a, table.c.id <= b) for a, b in pending)]
    for row in connection.execute(select(table).where(or_(*wanted)).order_by(table.c.id)).mappings():
        yield int(row["id"]), row_hash(row)


def _seal_table(connection: Connection, table: Table, part: dict[str, Any]) -> dict[str, Any] | None:
    """Seal the rows of one appended table not sealed yet, updating ``part`` (its share of the cover)."""
    upto, pending = int(part["to"]), [list(run) for run in part["pending"]]
    waiting = set(from_ranges(pending))
    late: list[int] = []
    absent: Ranges = []
    expected = upto + 1
    digest = hashlib.sha256()
    count = 0
    for row_id, value in _unsealed(connection, table, upto, pending):
        if row_id in waiting:
            late.append(row_id)
        else:
            if row_id > expected:
                absent.append([expected, row_id - 1])
            expected = row_id + 1
        digest.update(row_id.to_bytes(8, "big") + value)
        count += 1
    if not count:
        return None
    top = expected - 1
    part["to"] = top
    part["pending"] = to_ranges((waiting - set(late)) | set(from_ranges(absent)))
    return {
        "from": upto,
        "to": top,
        "late": to_ranges(late),
        "absent": absent,
        "count": count,
        "sha256": digest.hexdigest(),
    }


def seal(
    connection: Connection, cover: Mapping[str, Any], releasing: Mapping[str, Iterable[int]] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The seal of what changed since ``cover``, and the cover after it.

    Args:
        cover: the head record's cover (:func:`empty_cover` before the first keyed entry).
        releasing: ids of appended-table rows about to be removed by Warden itself, whose digests the seal
            records so that their removal is not taken for tampering.
    """
    tables = {name: dict(part) for name, part in cover.get("tables", {}).items()}
    rows: dict[str, Any] = {}
    for name, table in APPENDED.items():
        part = tables.setdefault(name, {"to": 0, "pending": []})
        sealed = _seal_table(connection, table, part)
        if sealed is not None:
            rows[name] = sealed
    released: dict[str, dict[str, str]] = {}
    for name, ids in (releasing or {}).items():
        table = APPENDED[name]
        part = tables[name]
        waiting = set(from_ranges(part["pending"]))
        sealed_ids = [i for i in sorted(set(ids)) if i <= int(part["to"]) and i not in waiting]
        if not sealed_ids:
            continue
        hashes: dict[str, str] = {}
        for start in range(0, len(sealed_ids), 500):
            query = select(table).where(table.c.id.in_(sealed_ids[start : start + 500]))
            hashes.update(
                (str(row["id"]), row_hash(row).hex()) for row in connection.execute(query).mappings()
            )
        released[name] = hashes
        part["pending"] = to_ranges(waiting | {int(i) for i in hashes})
    before = cover.get("state", {})
    state = {name: state_digest(connection, name) for name in STATE}
    changed = {name: digest for name, digest in state.items() if before.get(name) != digest}
    result: dict[str, Any] = {}
    if rows:
        result["rows"] = rows
    if released:
        result["released"] = released
    if changed:
        result["state"] = changed
    return result, {"tables": tables, "state": state}


def dumps(value: Mapping[str, Any]) -> str:
    """Canonical JSON of a seal or a cover, as stored and MAC'd."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
