"""Stored conversations read back whole, in the source's order: for the review app's leads (which scan them)
and for the conversations an examiner included in the report. Every SQL statement of it is here.

A conversation is named by a *reference* stable for the case: ``c<id>`` for a conversation the source lists,
``m<id>`` (the id of its first message) for messages of a conversation the source names but does not list.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, func, select
from sqlalchemy.sql import Select

from warden.case import schema
from warden.conversations.model import Direction, Message, Participant
from warden.model.records import item_place

_REF = re.compile(r"([cm])([1-9][0-9]{0,17})")


@dataclass(frozen=True, slots=True)
class StoredConversation:
    """A conversation as the case holds it.

    Attributes:
        ref: its reference (``c12``, ``m345``).
        source: the app database (or export) it was read from, as ``evidence/path``.
        app: the reader that read it.
        key: the source's identifier of the chat.
        title: its subject or contact name, if any.
        participants: as the source lists them (none for an unlisted conversation).
        provenance: where the chat's record was read (its first message's row when unlisted).
    """

    ref: str
    source: str
    app: str
    key: str
    title: str | None
    participants: tuple[Participant, ...]
    provenance: str


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A message with its id in the case and the names of the files it carried."""

    id: int
    message: Message
    attachments: tuple[str, ...]


def signature(connection: Connection) -> tuple[int, int, int]:
    """What changes whenever conversations are stored: sources read, messages held and the last message id."""
    sources, messages = schema.conversation_sources, schema.messages
    read = connection.execute(select(func.count()).select_from(sources)).scalar_one()
    count, last = connection.execute(select(func.count(), func.coalesce(func.max(messages.c.id), 0))).one()
    return int(read), int(count), int(last)


def _time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _message(row: Row[tuple[object, ...]]) -> Message:
    try:
        direction = Direction(row.direction)
    except ValueError:
        direction = Direction.UNKNOWN
    return Message(
        conversation=row.conversation_key,
        sender=row.sender,
        direction=direction,
        utc=_time(row.utc),
        raw_time=row.raw_time,
        text=row.text,
        provenance=row.provenance,
        kind=row.kind,
        deleted=bool(row.deleted),
    )


def _messages_query() -> Select[tuple[object, ...]]:
    messages = schema.messages
    return select(messages).order_by(
        messages.c.source_id,
        func.coalesce(messages.c.conversation_id, 0),
        messages.c.conversation_key,
        messages.c.position,
    )


def _sources(connection: Connection) -> dict[int, str]:
    sources, items, evidence = schema.conversation_sources, schema.items, schema.evidence
    query = select(sources.c.id, evidence.c.label, items.c.path).select_from(
        sources.join(items, items.c.id == sources.c.item_id).join(
            evidence, evidence.c.id == items.c.evidence_id
        )
    )
    return {int(r.id): item_place(r.label, r.path) for r in connection.execute(query)}


def _listed(connection: Connection, ids: Sequence[int] | None) -> dict[int, Row[tuple[object, ...]]]:
    table = schema.conversations
    query = select(table)
    if ids is not None:
        query = query.where(table.c.id.in_(list(ids)))
    return {int(r.id): r for r in connection.execute(query)}


def _people(connection: Connection, ids: Sequence[int] | None) -> dict[int, list[Participant]]:
    table = schema.conversation_participants
    query = select(table).order_by(table.c.id)
    if ids is not None:
        query = query.where(table.c.conversation_id.in_(list(ids)))
    found: dict[int, list[Participant]] = {}
    for r in connection.execute(query):
        found.setdefault(int(r.conversation_id), []).append(Participant(r.key, r.name, bool(r.is_owner)))
    return found


def _attachments(connection: Connection, message_ids: Sequence[int]) -> dict[int, list[str]]:
    table = schema.message_attachments
    found: dict[int, list[str]] = {}
    for first in range(0, len(message_ids), 500):
        query = (
            select(table.c.message_id, table.c.name, table.c.path)
            .where(table.c.message_id.in_(list(message_ids[first : first + 500])))
            .order_by(table.c.id)
        )
        for r in connection.execute(query):
            found.setdefault(int(r.message_id), []).append(r.name or r.path or "(a file)")
    return found


def _grouped(
    connection: Connection, rows: Sequence[Row[tuple[object, ...]]], ids: Sequence[int] | None, *, files: bool
) -> Iterator[tuple[StoredConversation, list[StoredMessage]]]:
    places = _sources(connection)
    listed = _listed(connection, ids)
    people = _people(connection, ids)
    attached = _attachments(connection, [int(r.id) for r in rows]) if files else {}

    def group_of(row: Row[tuple[object, ...]]) -> tuple[int, int | None, str]:
        return int(row.source_id), row.conversation_id, row.conversation_key

    for (source_id, conversation_id, key), group in itertools.groupby(rows, key=group_of):
        members = list(group)
        chat = listed.get(int(conversation_id)) if conversation_id is not None else None
        conversation = StoredConversation(
            ref=f"c{conversation_id}" if conversation_id is not None else f"m{members[0].id}",
            source=places.get(source_id, ""),
            app=chat.app if chat is not None else "",
            key=key,
            title=chat.title if chat is not None else None,
            participants=tuple(people.get(int(conversation_id), ())) if conversation_id is not None else (),
            provenance=chat.provenance if chat is not None else members[0].provenance,
        )
        yield (
            conversation,
            [StoredMessage(int(r.id), _message(r), tuple(attached.get(int(r.id), ()))) for r in members],
        )


def all_conversations(connection: Connection) -> Iterator[tuple[StoredConversation, list[StoredMessage]]]:
    """Every stored conversation with its messages in the source's order (attachment names left out)."""
    rows = list(connection.execute(_messages_query()))
    yield from _grouped(connection, rows, None, files=False)


def conversation(connection: Connection, ref: str) -> tuple[StoredConversation, list[StoredMessage]] | None:
    """The conversation ``ref`` names with its messages and their attachments' names, or None."""
    found = _REF.fullmatch(ref)
    if found is None:
        return None
    messages, number = schema.messages, int(found.group(2))
    if found.group(1) == "c":
        query = _messages_query().where(messages.c.conversation_id == number)
    else:
        first = connection.execute(select(messages).where(messages.c.id == number)).first()
        if first is None or first.conversation_id is not None:
            return None
        query = _messages_query().where(
            messages.c.source_id == first.source_id,
            messages.c.conversation_id.is_(None),
            messages.c.conversation_key == first.conversation_key,
        )
    rows = list(connection.execute(query))
    if not rows:
        return None
    ids = [number] if found.group(1) == "c" else []
    stored = next(_grouped(connection, rows, ids, files=True), None)
    return stored if stored is not None and stored[0].ref == ref else None
