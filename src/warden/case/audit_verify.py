"""The one verifier of a case's audit log, for ``warden audit verify`` and every report: the chain, the keyed
head record, and the rows the entries' seals cover; verified, or the first broken entry, when, what, why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from warden.case import audit, schema
from warden.case.audit_cover import CoverCheck
from warden.case.audit_key import AuditKey, load_audit_key


@dataclass(frozen=True, slots=True)
class ChainFault:
    """The first entry that is altered or missing, or whose rows were changed.

    Attributes:
        entry_id: the entry's number in the log.
        at: its time, None when the entry is missing.
        action: what it recorded, None when missing.
        reason: what is wrong, in words.
    """

    entry_id: int
    at: str | None
    action: str | None
    reason: str

    def describe(self) -> str:
        """One line: ``entry 17 (2026-11-28T10:00:00Z, grade): altered: ...``."""
        what = f" ({self.at}, {self.action})" if self.at else ""
        return f"entry {self.entry_id}{what}: {self.reason}"

    def to_json(self) -> dict[str, object]:
        """The contract's form."""
        return {"id": self.entry_id, "at": self.at, "action": self.action, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ChainStatus:
    """How many entries the log holds, its last entry, where keying began, and the first fault if any.

    Attributes:
        keyed_from: the first entry keyed with the audit key (entries before it are a format-3 case's plain
            SHA-256 chain); None when no entry is keyed.
        key_id: the fingerprint of the audit key the case is keyed with.
        unchecked: why the keyed part could not be checked (no audit key here, or another one); None when it
            was checked.
    """

    entries: int
    last_id: int | None
    last_hash: str | None
    fault: ChainFault | None
    keyed_from: int | None = None
    key_id: str | None = None
    unchecked: str | None = None

    @property
    def verified(self) -> bool:
        """True when every entry follows the one before it, gives its recorded hash, and its rows hold."""
        return self.fault is None and self.unchecked is None


def _neighbour(connection: Connection, entry_id: int, before: bool) -> str:
    log = schema.audit_log
    query = select(log.c.id, log.c.at, log.c.action)
    if before:
        query = query.where(log.c.id < entry_id).order_by(log.c.id.desc())
    else:
        query = query.where(log.c.id > entry_id).order_by(log.c.id)
    row = connection.execute(query.limit(1)).first()
    return f"entry {row.id} ({row.at}, {row.action})" if row else "the start of the log"


def _missing(connection: Connection, entry_id: int) -> ChainFault:
    after = _neighbour(connection, entry_id, before=False)
    reason = (
        f"missing: removed from the log between {_neighbour(connection, entry_id, before=True)} and {after}"
    )
    return ChainFault(entry_id, None, None, reason)


def _unchecked(key: AuditKey | None, head: audit.Head, keyed_from: int) -> str | None:
    if key is None:
        from warden.case.audit_key import key_path

        return (
            f"the log is keyed from entry {keyed_from} on and the audit key {key_path()} is not here: set "
            "WARDEN_AUDIT_KEY_FILE to the key the case was made with"
        )
    if head.key_id is not None and head.key_id != key.id:
        return (
            f"the log is keyed with audit key {head.key_id}, and the key at {key.path} is {key.id}: set "
            "WARDEN_AUDIT_KEY_FILE to the key the case was made with"
        )
    return None


class _Walk:
    """One pass over the log, in id order."""

    def __init__(self, connection: Connection, key: AuditKey | None, head: audit.Head) -> None:
        self.connection = connection
        self.key = key
        self.head = head
        self.entries = 0
        self.last: Any = None
        self.keyed_from: int | None = None
        self.fault: ChainFault | None = None
        self.unchecked: str | None = None
        self.cover = CoverCheck()

    def run(self) -> None:
        log = schema.audit_log
        prev_hash = audit.GENESIS
        for row in self.connection.execute(select(log).order_by(log.c.id)):
            self.entries += 1
            if self.fault is None:
                self.fault = self._entry(row, prev_hash)
            prev_hash = row.hash
            self.last = row

    def _entry(self, row: Any, prev_hash: str) -> ChainFault | None:
        if self.last is not None and row.id != self.last.id + 1:
            return _missing(self.connection, self.last.id + 1)
        if row.prev_hash != prev_hash:
            if row.id > 1 and self.last is None:
                return _missing(self.connection, 1)
            return ChainFault(
                row.id,
                row.at,
                row.action,
                "does not follow the entry before it: an earlier entry's hash was changed, or entries were "
                "removed or put in before it",
            )
        altered = ChainFault(
            row.id, row.at, row.action, "altered: its time, person, action or detail no longer give its hash"
        )
        if row.scheme == audit.PLAIN:
            if self.keyed_from is not None:
                return ChainFault(
                    row.id,
                    row.at,
                    row.action,
                    f"not keyed, though the log is keyed from entry {self.keyed_from}: written without the "
                    "audit key",
                )
            digest = audit.entry_hash(row.prev_hash, row.at, row.actor, row.action, row.detail)
            return None if digest == row.hash else altered
        if row.scheme != audit.KEYED:
            return altered
        first = self.keyed_from is None
        if first:
            self.keyed_from = row.id
            self.unchecked = _unchecked(self.key, self.head, row.id)
        if self.unchecked is not None or self.key is None:
            return None
        mac = audit.entry_mac(
            self.key, row.prev_hash, row.at, row.actor, row.action, row.detail, row.seal or ""
        )
        if mac != row.hash:
            return altered
        try:
            seal = json.loads(row.seal or "{}")
            self.cover.add(row.id, row.at, row.action, seal, first=first)
        except (ValueError, TypeError, KeyError, AttributeError):
            return altered
        return None

    def head_fault(self) -> ChainFault | None:
        """What the keyed head record says is wrong with the end of the log."""
        head, last = self.head, self.last
        if self.keyed_from is None:
            if head.entry_id is not None:
                return ChainFault(
                    head.keyed_from or head.entry_id,
                    None,
                    None,
                    f"missing: the keyed entries were removed (the head record names entries "
                    f"{head.keyed_from} to {head.entry_id})",
                )
            return None
        assert self.key is not None and last is not None
        if head.entry_id is None or head.mac != head.expected_mac(self.key):
            return ChainFault(
                last.id, last.at, last.action, "the head record naming the last entry was altered or removed"
            )
        if head.entry_id > last.id:
            return ChainFault(
                last.id + 1,
                None,
                None,
                f"missing: the log was cut short after entry {last.id} ({last.at}, {last.action}); the keyed "
                f"head record names entry {head.entry_id} as the last",
            )
        if (head.entry_id, head.hash) != (last.id, last.hash) or head.keyed_from != self.keyed_from:
            return ChainFault(
                last.id, last.at, last.action, "does not match the head record: the log was rewritten"
            )
        return None


def check_chain(connection: Connection, anchor: tuple[int, str] | None = None) -> ChainStatus:
    """Walk the audit log and check the rows its entries cover.

    Args:
        anchor: an entry's id and hash, as quoted in an earlier report or by ``warden audit verify``: that
            entry must still be there unchanged.

    Raises:
        KeyFileError: the audit key file can be read by other users, or is not a key.
    """
    key = load_audit_key(create=False)
    walk = _Walk(connection, key, audit.read_head(connection))
    walk.run()
    fault = walk.fault
    if fault is None and walk.unchecked is None:
        fault = walk.head_fault()
    if fault is None and walk.unchecked is None and walk.keyed_from is not None:
        problem = walk.cover.check(connection)
        if problem is not None:
            fault = ChainFault(problem.entry_id, problem.at, problem.action, problem.reason)
    if fault is None and anchor is not None:
        fault = _anchor_fault(connection, anchor)
    last = walk.last
    return ChainStatus(
        walk.entries,
        int(last.id) if last is not None else None,
        str(last.hash) if last is not None else None,
        fault,
        walk.keyed_from,
        walk.head.key_id,
        walk.unchecked,
    )


def _anchor_fault(connection: Connection, anchor: tuple[int, str]) -> ChainFault | None:
    log = schema.audit_log
    anchor_id, anchor_hash = anchor
    row = connection.execute(select(log.c.at, log.c.action, log.c.hash).where(log.c.id == anchor_id)).first()
    if row is None:
        return _missing(connection, anchor_id)
    if row.hash != anchor_hash.lower():
        return ChainFault(
            anchor_id, row.at, row.action, "its hash is not the one quoted: the log was rewritten from here"
        )
    return None
