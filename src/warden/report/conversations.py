"""The report's ``conversations`` section (pure): conversations an examiner read and chose to include, each
with its messages as what was said, who included it and when.

Only a conversation whose decision in force is "include" (``warden.case.lead_decisions``) is here, and only
its messages as the source holds them: never a lead's band, rules, stages or reasons, which are for the
examiner to read in the review app and are never evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from warden.case.conversation_messages import StoredConversation, StoredMessage


@dataclass(frozen=True, slots=True)
class IncludedConversation:
    """A conversation an examiner included: its messages, who included it and when."""

    conversation: StoredConversation
    messages: tuple[StoredMessage, ...]
    included_by: str
    included_at: str


def _person(key: str | None, conversation: StoredConversation) -> dict[str, Any] | None:
    if key is None:
        return None
    for person in conversation.participants:
        if person.key == key:
            return {"key": key, "name": person.name, "is_owner": person.is_owner}
    return {"key": key, "name": None, "is_owner": False}


def _message_json(stored: StoredMessage, conversation: StoredConversation) -> dict[str, Any]:
    message = stored.message
    return {
        "sender": _person(message.sender, conversation),
        "direction": message.direction.value,
        "utc": message.utc.isoformat() if message.utc is not None else None,
        "raw_time": message.raw_time,
        "text": message.text,
        "kind": message.kind,
        "deleted": message.deleted,
        "attachments": list(stored.attachments),
        "provenance": message.provenance,
    }


def conversations_section(included: Sequence[IncludedConversation]) -> dict[str, Any]:
    """The ``conversations`` section: the included conversations by source and key."""
    ordered = sorted(included, key=lambda i: (i.conversation.source, i.conversation.key, i.conversation.ref))
    return {
        "included": [
            {
                "app": i.conversation.app,
                "key": i.conversation.key,
                "title": i.conversation.title,
                "source": i.conversation.source,
                "provenance": i.conversation.provenance,
                "participants": [
                    {"key": p.key, "name": p.name, "is_owner": p.is_owner}
                    for p in i.conversation.participants
                ],
                "included_by": i.included_by,
                "included_at": i.included_at,
                "messages": [_message_json(m, i.conversation) for m in i.messages],
            }
            for i in ordered
        ]
    }
