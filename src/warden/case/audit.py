"""The case's append-only audit log: who did what, when and why, each entry chained to the one before."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from warden.case import schema
from warden.clock import utc_now

GENESIS = "0" * 64


def entry_hash(prev_hash: str, at: str, actor: str, action: str, detail: str) -> str:
    """SHA-256 over the previous entry's hash and this entry's fields: altering any entry breaks the chain."""
    payload = json.dumps([prev_hash, at, actor, action, detail], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(connection: Connection, actor: str, action: str, detail: dict[str, Any]) -> str:
    """Append one entry inside the caller's transaction; returns its hash."""
    last = connection.execute(
        select(schema.audit_log.c.hash).order_by(schema.audit_log.c.id.desc()).limit(1)
    ).scalar()
    prev_hash = last or GENESIS
    at = utc_now()
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = entry_hash(prev_hash, at, actor, action, text)
    connection.execute(
        schema.audit_log.insert().values(
            at=at, actor=actor, action=action, detail=text, prev_hash=prev_hash, hash=digest
        )
    )
    return digest


@dataclass(frozen=True, slots=True)
class AuditProblem:
    """The first entry whose chain does not hold, and why."""

    entry_id: int
    reason: str


def verify(connection: Connection) -> AuditProblem | None:
    """Walk the chain from the first entry; None when it holds, else the first altered or missing entry."""
    prev_hash = GENESIS
    expected_id = None
    rows = connection.execute(select(schema.audit_log).order_by(schema.audit_log.c.id)).mappings()
    for row in rows:
        if expected_id is not None and row["id"] != expected_id:
            return AuditProblem(expected_id, "entry missing")
        if row["prev_hash"] != prev_hash:
            return AuditProblem(row["id"], "does not follow the entry before it")
        digest = entry_hash(row["prev_hash"], row["at"], row["actor"], row["action"], row["detail"])
        if digest != row["hash"]:
            return AuditProblem(row["id"], "altered")
        prev_hash = row["hash"]
        expected_id = row["id"] + 1
    return None
