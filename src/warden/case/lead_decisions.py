"""Examiners' decisions on grooming leads: appended to the audit log (the same chained, keyed log as grades),
and read back from it. The log is their only store: a decision is never changed, a later one supersedes it.

An entry names the conversation (its reference, key and source) and the decision, never the lead's band or
rules: what the report may carry of a conversation is decided here ("include"), not what the lead said.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, select

from warden.case import audit, schema
from warden.case.conversation_messages import StoredConversation
from warden.errors import UsageError

ACTION = "lead.decision"
"""The audit log's action for a decision on a lead."""

DECISIONS = {
    "no-concern": "reviewed: no concern",
    "refer": "refer for further investigation",
    "include": "include the conversation in the report",
}
"""What an examiner may decide on a lead, and how it reads."""

INCLUDE = "include"


@dataclass(frozen=True, slots=True)
class LeadDecision:
    """One decision as the log holds it: on which conversation, what, by whom, when, why."""

    ref: str
    decision: str
    by: str
    at: str
    note: str | None
    entry_id: int

    @property
    def label(self) -> str:
        """The decision in words."""
        return DECISIONS.get(self.decision, self.decision)


def decide(
    connection: Connection,
    conversation: StoredConversation,
    decision: str,
    *,
    user_id: int,
    note: str | None = None,
) -> None:
    """Record ``decision`` on the lead of ``conversation`` by the user, in the caller's transaction.

    Raises:
        UsageError: an unknown decision or user.
    """
    if decision not in DECISIONS:
        raise UsageError(f"a decision on a lead is one of {', '.join(DECISIONS)}")
    name = connection.execute(select(schema.users.c.name).where(schema.users.c.id == user_id)).scalar()
    if name is None:
        raise UsageError(f"no user with id {user_id}")
    audit.append(
        connection,
        str(name),
        ACTION,
        {
            "conversation": conversation.ref,
            "key": conversation.key,
            "source": conversation.source,
            "decision": decision,
            "note": note,
        },
    )


def decisions(connection: Connection) -> list[LeadDecision]:
    """Every decision on a lead, oldest first (entries whose detail cannot be read are passed over)."""
    log = schema.audit_log
    query = (
        select(log.c.id, log.c.at, log.c.actor, log.c.detail).where(log.c.action == ACTION).order_by(log.c.id)
    )
    found = []
    for row in connection.execute(query):
        try:
            detail = json.loads(row.detail)
        except ValueError:
            continue
        if not isinstance(detail, dict) or not isinstance(detail.get("conversation"), str):
            continue
        note = detail.get("note")
        found.append(
            LeadDecision(
                ref=detail["conversation"],
                decision=str(detail.get("decision")),
                by=str(row.actor),
                at=str(row.at),
                note=note if isinstance(note, str) else None,
                entry_id=int(row.id),
            )
        )
    return found


def latest(connection: Connection) -> dict[str, LeadDecision]:
    """The decision in force on each conversation's lead (the latest), by reference."""
    return {decision.ref: decision for decision in decisions(connection)}


def included(connection: Connection) -> list[LeadDecision]:
    """The conversations whose decision in force is "include", in the order they were included."""
    return sorted((d for d in latest(connection).values() if d.decision == INCLUDE), key=lambda d: d.entry_id)
