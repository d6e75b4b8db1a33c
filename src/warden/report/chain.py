"""The state of a case's audit chain as a person needs it: verified, or its first broken entry, when, what."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from warden.case import audit, schema


@dataclass(frozen=True, slots=True)
class ChainFault:
    """The first entry that is altered or missing.

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
    """How many entries the log holds, its last entry, and the first fault if any."""

    entries: int
    last_id: int | None
    last_hash: str | None
    fault: ChainFault | None

    @property
    def verified(self) -> bool:
        """True when every entry follows the one before it and still gives its recorded hash."""
        return self.fault is None


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


def _fault(connection: Connection, problem: audit.AuditProblem) -> ChainFault:
    log = schema.audit_log
    row = connection.execute(select(log.c.at, log.c.action).where(log.c.id == problem.entry_id)).first()
    if row is None:
        return _missing(connection, problem.entry_id)
    if problem.reason == "altered":
        return ChainFault(
            problem.entry_id,
            row.at,
            row.action,
            "altered: its time, person, action or detail no longer give the hash recorded for it",
        )
    previous = problem.entry_id - 1
    if previous >= 1 and connection.execute(select(log.c.id).where(log.c.id == previous)).first() is None:
        return _missing(connection, previous)
    return ChainFault(
        problem.entry_id,
        row.at,
        row.action,
        "does not follow the entry before it: an earlier entry's hash was changed, or entries were "
        "removed or put in before it",
    )


def check_chain(connection: Connection, anchor: tuple[int, str] | None = None) -> ChainStatus:
    """Walk the audit chain; with ``anchor`` (an entry's id and hash, as quoted in an earlier report or by
    ``warden audit verify``), also check that entry is still there unchanged, which finds a log cut short.
    """
    log = schema.audit_log
    entries = int(connection.execute(select(func.count()).select_from(log)).scalar_one())
    last = connection.execute(select(log.c.id, log.c.hash).order_by(log.c.id.desc()).limit(1)).first()
    problem = audit.verify(connection)
    fault = _fault(connection, problem) if problem is not None else None
    if fault is None and anchor is not None:
        anchor_id, anchor_hash = anchor
        row = connection.execute(
            select(log.c.at, log.c.action, log.c.hash).where(log.c.id == anchor_id)
        ).first()
        if row is None:
            fault = _missing(connection, anchor_id)
        elif row.hash != anchor_hash.lower():
            fault = ChainFault(
                anchor_id,
                row.at,
                row.action,
                "its hash is not the one quoted: the log was rewritten from here",
            )
    return ChainStatus(entries, int(last.id) if last else None, str(last.hash) if last else None, fault)
