"""The case's append-only audit log: who did what, when and why, each entry chained to the one before.

Since case format 4 every entry is keyed: its hash is an HMAC-SHA-256, under the audit key kept outside the
case (:mod:`warden.case.audit_key`), of the previous entry's hash, its own fields and a seal of the rows it
covers (:mod:`warden.case.audit_seal`). A one-row head record, keyed too, names the last entry, so a log cut
short shows without an anchor. Entries of a format-3 case keep their plain SHA-256 and are verified as such.

Appends are serialised in the database: each one first locks the head record (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite an update of the head, which takes the database's write lock), so two requests at the
same moment (40 failed logins, two examiners revealing at once) chain one after the other, never both onto
the same entry. :mod:`warden.case.audit_verify` checks all of it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, func, select, update

from warden.case import audit_seal, schema
from warden.case.audit_key import AuditKey, key_path, load_audit_key, wrong_key
from warden.clock import utc_now
from warden.errors import AuditBrokenError

GENESIS = "0" * 64
PLAIN = "sha256"
"""The scheme of entries written before case format 4."""
KEYED = "hmac-sha256"
"""The scheme of every entry written since."""
HEAD_ID = 1


def entry_hash(prev_hash: str, at: str, actor: str, action: str, detail: str) -> str:
    """SHA-256 over the previous entry's hash and this entry's fields (entries written before format 4)."""
    payload = json.dumps([prev_hash, at, actor, action, detail], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def entry_mac(key: AuditKey, prev_hash: str, at: str, actor: str, action: str, detail: str, seal: str) -> str:
    """HMAC-SHA-256 over the previous entry's hash, this entry's fields and its seal."""
    payload = json.dumps(
        [prev_hash, at, actor, action, detail, seal], ensure_ascii=False, separators=(",", ":")
    )
    return key.entry_mac(payload.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class Head:
    """The head record: the last entry, where keying began, with which key, and the running cover."""

    entry_id: int | None
    hash: str | None
    keyed_from: int | None
    key_id: str | None
    cover: str | None
    mac: str | None

    @classmethod
    def from_row(cls, row: Row[Any] | None) -> Head:
        """The head as stored (all empty when the row is missing)."""
        if row is None:
            return cls(None, None, None, None, None, None)
        return cls(row.entry_id, row.hash, row.keyed_from, row.key_id, row.cover, row.mac)

    def expected_mac(self, key: AuditKey) -> str:
        """The MAC this head must carry under ``key``."""
        payload = json.dumps(
            ["warden audit head v1", self.entry_id, self.hash, self.keyed_from, self.key_id, self.cover],
            separators=(",", ":"),
        )
        return key.head_mac(payload.encode("utf-8"))


def read_head(connection: Connection, *, lock: bool = False) -> Head:
    """The head record; with ``lock``, locked until the caller's transaction ends."""
    head = schema.audit_head
    if lock:
        if connection.dialect.name == "sqlite":
            # The first write of a transaction takes SQLite's write lock (waiting for it, not failing), so
            # every append from here on is serialised with every other writer of the case.
            connection.execute(update(head).where(head.c.id == HEAD_ID).values(id=HEAD_ID))
        query = select(head).where(head.c.id == HEAD_ID).with_for_update()
    else:
        query = select(head).where(head.c.id == HEAD_ID)
    return Head.from_row(connection.execute(query).first())


def _last_entry(connection: Connection) -> tuple[int, str, str] | None:
    log = schema.audit_log
    row = connection.execute(
        select(log.c.id, log.c.hash, log.c.scheme).order_by(log.c.id.desc()).limit(1)
    ).first()
    return (int(row.id), str(row.hash), str(row.scheme)) if row else None


def _check_head(connection: Connection, head: Head, key: AuditKey) -> str:
    """The hash to chain onto, after checking the head still names the log's last entry.

    Appending onto a log that was cut short or rewritten would make the damage look like a chain that
    holds, so that is refused.
    """
    last = _last_entry(connection)
    broken = "the audit log was altered outside Warden ({}); nothing more is recorded in it until it is " + (
        "examined: run  warden audit verify"
    )
    if head.key_id is not None and head.key_id != key.id:
        raise wrong_key(key.path, head.key_id, key.id)
    if head.entry_id is None:
        keyed = connection.execute(
            select(func.count()).select_from(schema.audit_log).where(schema.audit_log.c.scheme != PLAIN)
        ).scalar_one()
        if keyed:
            raise AuditBrokenError(broken.format("its keyed head record was emptied"))
        return last[1] if last else GENESIS
    if head.mac != head.expected_mac(key):
        raise AuditBrokenError(broken.format("its head record does not carry the audit key's mark"))
    if last is None or (last[0], last[1]) != (head.entry_id, head.hash):
        raise AuditBrokenError(
            broken.format(f"its last entry is not entry {head.entry_id}, which the head names")
        )
    return last[1]


def check_key(connection: Connection) -> None:
    """Refuse early what :func:`append` would refuse for the key: a command that writes files before it logs
    them (``warden report``) calls this first, so that it writes nothing it then cannot record.

    Raises:
        KeyFileError: the case is keyed and the audit key is not here or is another key, or the key file is
            unsafe or not a key.
    """
    head = read_head(connection)
    key = load_audit_key(create=head.key_id is None)
    if head.key_id is None:
        return
    if key is None:
        raise wrong_key(key_path(), head.key_id, None)
    if head.key_id != key.id:
        raise wrong_key(key.path, head.key_id, key.id)


def append(
    connection: Connection,
    actor: str,
    action: str,
    detail: dict[str, Any],
    *,
    releasing: Mapping[str, Iterable[int]] | None = None,
) -> str:
    """Append one entry inside the caller's transaction; returns its hash.

    Args:
        releasing: ids, per covered table, of rows Warden is about to delete in this transaction (items a
            rerun redoes): their digests are recorded so that their removal is not taken for tampering.

    Raises:
        KeyFileError: the audit key cannot be read or made, or the case is keyed with another key.
        AuditBrokenError: the log was cut short or its head altered (nothing is appended to it).
    """
    key = load_audit_key(create=True)
    assert key is not None
    head = read_head(connection, lock=True)
    prev_hash = _check_head(connection, head, key)
    cover = json.loads(head.cover) if head.cover else audit_seal.empty_cover()
    sealed, cover = audit_seal.seal(connection, cover, releasing)
    seal_text = audit_seal.dumps(sealed)
    at = utc_now()
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = entry_mac(key, prev_hash, at, actor, action, text, seal_text)
    result = connection.execute(
        schema.audit_log.insert().values(
            at=at,
            actor=actor,
            action=action,
            detail=text,
            prev_hash=prev_hash,
            hash=digest,
            scheme=KEYED,
            seal=seal_text,
        )
    )
    inserted = result.inserted_primary_key
    assert inserted is not None
    entry_id = int(inserted[0])
    new_head = Head(
        entry_id,
        digest,
        head.keyed_from if head.keyed_from is not None else entry_id,
        key.id,
        audit_seal.dumps(cover),
        None,
    )
    values = {
        "entry_id": new_head.entry_id,
        "hash": new_head.hash,
        "keyed_from": new_head.keyed_from,
        "key_id": new_head.key_id,
        "cover": new_head.cover,
        "mac": new_head.expected_mac(key),
    }
    done = connection.execute(
        update(schema.audit_head).where(schema.audit_head.c.id == HEAD_ID).values(**values)
    )
    if done.rowcount == 0:
        connection.execute(schema.audit_head.insert().values(id=HEAD_ID, **values))
    return digest
