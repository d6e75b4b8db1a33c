"""Conversations in the case: the items read for them, what each gave (conversations, participants, messages,
attachments), the attachments' links to recorded items, and what the report reads back. Every SQL statement of
the conversations is here.

A source is stored in one transaction, its rows inserted :data:`BATCH` at a time (a phone can hold a million
messages), so that a scan stopped part-way leaves either the whole source or none of it, and the next run
reads what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, and_, exists, func, or_, select, update

from warden.case import schema
from warden.conversations.model import Conversations

BATCH = 5_000
"""Rows inserted per statement."""
STAGE = "conversations"
"""The stage of the item error a source that cannot be read adds to its item."""

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A recorded item that may hold conversations (an app database), not read for them yet."""

    item_id: int
    evidence_id: int
    path: str
    sha256: str | None


@dataclass(frozen=True, slots=True)
class UnlinkedAttachment:
    """An attachment not linked to an item yet: the app's recorded path, and the evidence it was found in."""

    id: int
    evidence_id: int
    path: str
    source_path: str | None = None
    """The item path of the attachment's source when it is an export (not an SQLite database): its relative
    paths are resolved against the export's folder."""


@dataclass(frozen=True, slots=True)
class Link:
    """An attachment's link to the recorded item that is its file, and how (``sha256``, ``path``)."""

    attachment_id: int
    item_id: int
    linked_by: str


@dataclass(frozen=True, slots=True)
class LinkedMessage:
    """A message whose attachment is a recorded item that matched a hash set, as the report reads it."""

    message_id: int
    source_item_id: int
    app: str
    conversation: str
    title: str | None
    participants: tuple[tuple[str, str | None, bool], ...]
    sender: str | None
    direction: str
    utc: str | None
    raw_time: str
    text: str | None
    kind: str
    deleted: bool
    provenance: str
    attachment: str | None
    attachment_provenance: str
    item_id: int
    linked_by: str


def _chunks(rows: Iterable[_T], size: int = BATCH) -> Iterator[list[_T]]:
    chunk: list[_T] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def candidates(engine: Engine) -> list[Candidate]:
    """Recorded app databases (items of format ``sqlite``) not yet read for conversations, by evidence and
    path."""
    items, sources = schema.items, schema.conversation_sources
    query = (
        select(items.c.id, items.c.evidence_id, items.c.path, items.c.sha256)
        .where(items.c.format == "sqlite")
        .where(~exists().where(sources.c.item_id == items.c.id))
        .order_by(items.c.evidence_id, items.c.path)
    )
    with engine.connect() as connection:
        return [Candidate(int(r.id), int(r.evidence_id), r.path, r.sha256) for r in connection.execute(query)]


def named_candidates(engine: Engine, endings: Sequence[str]) -> list[Candidate]:
    """Recorded items with content, not SQLite, whose path ends with one of ``endings`` (an export's file
    names, matched literally) and not yet read for conversations, by evidence and path."""
    items, sources = schema.items, schema.conversation_sources
    query = (
        select(items.c.id, items.c.evidence_id, items.c.path, items.c.sha256)
        .where(or_(*(items.c.path.endswith(ending, autoescape=True) for ending in endings)))
        .where(items.c.sha256.is_not(None), or_(items.c.format.is_(None), items.c.format != "sqlite"))
        .where(~exists().where(sources.c.item_id == items.c.id))
        .order_by(items.c.evidence_id, items.c.path)
    )
    with engine.connect() as connection:
        return [Candidate(int(r.id), int(r.evidence_id), r.path, r.sha256) for r in connection.execute(query)]


def items_under(engine: Engine, evidence_id: int, folder: str, most: int) -> list[tuple[str, str, int]]:
    """(path, SHA-256, size) of at most ``most`` items with content of one evidence whose path starts with
    ``folder`` (matched literally), by path."""
    items = schema.items
    query = (
        select(items.c.path, items.c.sha256, items.c.size)
        .where(items.c.evidence_id == evidence_id, items.c.sha256.is_not(None))
        .where(items.c.path.startswith(folder, autoescape=True))
        .order_by(items.c.path)
        .limit(most)
    )
    with engine.connect() as connection:
        return [(r.path, r.sha256, int(r.size or 0)) for r in connection.execute(query)]


def store_source(
    engine: Engine,
    item_id: int,
    scan_id: int,
    *,
    reader: str | None,
    found: Conversations | None = None,
    error: str | None = None,
) -> None:
    """Record that the item was read for conversations, with what it gave, in one transaction.

    Args:
        item_id: the source's item.
        scan_id: the scan run that read it.
        reader: the reader that recognised it (None: none did, so it holds no conversations Warden reads).
        found: what the reader recovered (conversations, messages with their attachments, row problems).
        error: why it could not be read at all; also added to the item's errors (stage ``conversations``).
    """
    with engine.begin() as connection:
        source_id = connection.execute(
            schema.conversation_sources.insert().values(
                item_id=item_id,
                reader=reader,
                conversations=len(found.conversations) if found else 0,
                messages=len(found.messages) if found else 0,
                error=error,
                scan_id=scan_id,
            )
        ).inserted_primary_key
        assert source_id is not None
        if error is not None:
            connection.execute(
                schema.item_errors.insert().values(item_id=item_id, stage=STAGE, message=error)
            )
        if found is not None:
            _store_found(connection, int(source_id[0]), found)


def _insert(connection: Connection, table: Any, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in order; their ids in the same order."""
    ids: list[int] = []
    for chunk in _chunks(rows):
        statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
        ids.extend(int(row[0]) for row in connection.execute(statement, chunk))
    return ids


def _store_found(connection: Connection, source_id: int, found: Conversations) -> None:
    for problems in _chunks(found.problems):
        connection.execute(
            schema.conversation_problems.insert(),
            [{"source_id": source_id, "provenance": p.provenance, "message": p.message} for p in problems],
        )
    conversation_ids = _insert(
        connection,
        schema.conversations,
        [
            {
                "source_id": source_id,
                "key": c.key,
                "app": c.source,
                "title": c.title,
                "provenance": c.provenance,
            }
            for c in found.conversations
        ],
    )
    by_key: dict[str, int] = {}
    participants: list[dict[str, Any]] = []
    for conversation, conversation_id in zip(found.conversations, conversation_ids, strict=True):
        by_key.setdefault(conversation.key, conversation_id)
        participants.extend(
            {"conversation_id": conversation_id, "key": p.key, "name": p.name, "is_owner": p.is_owner}
            for p in conversation.participants
        )
    for chunk in _chunks(participants):
        connection.execute(schema.conversation_participants.insert(), chunk)
    for first in range(0, len(found.messages), BATCH):
        messages = found.messages[first : first + BATCH]
        message_ids = _insert(
            connection,
            schema.messages,
            [
                {
                    "source_id": source_id,
                    "conversation_id": by_key.get(m.conversation),
                    "conversation_key": m.conversation,
                    "position": first + offset,
                    "sender": m.sender,
                    "direction": m.direction.value,
                    "utc": m.utc.isoformat() if m.utc is not None else None,
                    "raw_time": m.raw_time,
                    "text": m.text,
                    "kind": m.kind,
                    "deleted": m.deleted,
                    "provenance": m.provenance,
                }
                for offset, m in enumerate(messages)
            ],
        )
        attachments = [
            {
                "message_id": message_id,
                "name": a.name,
                "path": a.path,
                "mime": a.mime,
                "size": a.size,
                "sha256": a.sha256.lower() if a.sha256 else None,
                "provenance": a.provenance,
            }
            for message, message_id in zip(messages, message_ids, strict=True)
            for a in message.attachments
        ]
        if attachments:
            connection.execute(schema.message_attachments.insert(), attachments)


def link_by_sha256(engine: Engine) -> int:
    """Link every unlinked attachment whose recorded SHA-256 is a recorded item's (an item of the source's
    own evidence first, then the first recorded); returns how many were linked."""
    items, attachments = schema.items, schema.message_attachments
    messages, sources = schema.messages, schema.conversation_sources
    source_evidence = (
        select(items.c.evidence_id)
        .select_from(
            messages.join(sources, sources.c.id == messages.c.source_id).join(
                items, items.c.id == sources.c.item_id
            )
        )
        .where(messages.c.id == attachments.c.message_id)
        .scalar_subquery()
    )
    same = items.alias("same")
    best = (
        select(same.c.id)
        .where(same.c.sha256 == attachments.c.sha256)
        .order_by((same.c.evidence_id != source_evidence), same.c.id)
        .limit(1)
        .scalar_subquery()
    )
    statement = (
        update(attachments)
        .where(and_(attachments.c.item_id.is_(None), attachments.c.sha256.is_not(None)))
        .where(exists().where(same.c.sha256 == attachments.c.sha256))
        .values(item_id=best, linked_by="sha256")
    )
    with engine.begin() as connection:
        return int(connection.execute(statement).rowcount or 0)


def unlinked_by_path(engine: Engine) -> list[UnlinkedAttachment]:
    """Attachments with a recorded path and no linked item, with the evidence their source item is in."""
    attachments, messages = schema.message_attachments, schema.messages
    sources, items = schema.conversation_sources, schema.items
    query = (
        select(
            attachments.c.id,
            items.c.evidence_id,
            attachments.c.path,
            items.c.path.label("source_path"),
            items.c.format,
        )
        .select_from(
            attachments.join(messages, messages.c.id == attachments.c.message_id)
            .join(sources, sources.c.id == messages.c.source_id)
            .join(items, items.c.id == sources.c.item_id)
        )
        .where(attachments.c.item_id.is_(None), attachments.c.path.is_not(None))
        .order_by(attachments.c.id)
    )
    with engine.connect() as connection:
        return [
            UnlinkedAttachment(
                int(r.id), int(r.evidence_id), r.path, None if r.format == "sqlite" else r.source_path
            )
            for r in connection.execute(query)
        ]


def item_paths(engine: Engine, evidence_id: int) -> list[tuple[int, str]]:
    """(id, path) of every item of one evidence that has content (stills, movies and other files), by id."""
    items = schema.items
    query = (
        select(items.c.id, items.c.path)
        .where(items.c.evidence_id == evidence_id, items.c.sha256.is_not(None))
        .order_by(items.c.id)
    )
    with engine.connect() as connection:
        return [(int(r.id), r.path) for r in connection.execute(query)]


def set_links(engine: Engine, links: Sequence[Link]) -> None:
    """Record attachments' links, in one transaction."""
    attachments = schema.message_attachments
    with engine.begin() as connection:
        for chunk in _chunks(links):
            for link in chunk:
                connection.execute(
                    update(attachments)
                    .where(attachments.c.id == link.attachment_id)
                    .values(item_id=link.item_id, linked_by=link.linked_by)
                )


def source_counts(engine: Engine) -> dict[str, int]:
    """How many sources were read, recognised, failed, and how many messages the case holds."""
    sources = schema.conversation_sources
    with engine.connect() as connection:
        row = connection.execute(
            select(
                func.count(),
                func.count(sources.c.reader),
                func.count(sources.c.error),
                func.coalesce(func.sum(sources.c.messages), 0),
            )
        ).one()
    return {"sources": int(row[0]), "read": int(row[1]), "failed": int(row[2]), "messages": int(row[3])}


def linked_messages(connection: Connection) -> list[LinkedMessage]:
    """Every message whose attachment is a recorded item that matched a hash set, in the order of their
    source items and messages (one entry per message and matched item)."""
    attachments, messages, conversations = (
        schema.message_attachments,
        schema.messages,
        schema.conversations,
    )
    sources, matches = schema.conversation_sources, schema.matches
    query = (
        select(
            messages,
            sources.c.item_id.label("source_item_id"),
            conversations.c.app,
            conversations.c.title,
            attachments.c.name.label("attachment"),
            attachments.c.provenance.label("attachment_provenance"),
            attachments.c.item_id,
            attachments.c.linked_by,
        )
        .select_from(
            attachments.join(messages, messages.c.id == attachments.c.message_id)
            .join(sources, sources.c.id == messages.c.source_id)
            .outerjoin(conversations, conversations.c.id == messages.c.conversation_id)
        )
        .where(attachments.c.item_id.is_not(None))
        .where(exists().where(matches.c.item_id == attachments.c.item_id))
        .order_by(sources.c.item_id, messages.c.position, attachments.c.id)
    )
    rows = list(connection.execute(query))
    people = _participants(
        connection, {int(r.conversation_id) for r in rows if r.conversation_id is not None}
    )
    return [
        LinkedMessage(
            message_id=int(r.id),
            source_item_id=int(r.source_item_id),
            app=r.app or "",
            conversation=r.conversation_key,
            title=r.title,
            participants=people.get(int(r.conversation_id), ()) if r.conversation_id is not None else (),
            sender=r.sender,
            direction=r.direction,
            utc=r.utc,
            raw_time=r.raw_time,
            text=r.text,
            kind=r.kind,
            deleted=bool(r.deleted),
            provenance=r.provenance,
            attachment=r.attachment,
            attachment_provenance=r.attachment_provenance,
            item_id=int(r.item_id),
            linked_by=r.linked_by,
        )
        for r in rows
    ]


def _participants(
    connection: Connection, conversation_ids: set[int]
) -> dict[int, tuple[tuple[str, str | None, bool], ...]]:
    table = schema.conversation_participants
    found: dict[int, list[tuple[str, str | None, bool]]] = {}
    ordered = sorted(conversation_ids)
    for first in range(0, len(ordered), 500):
        query = (
            select(table.c.conversation_id, table.c.key, table.c.name, table.c.is_owner)
            .where(table.c.conversation_id.in_(ordered[first : first + 500]))
            .order_by(table.c.id)
        )
        for r in connection.execute(query):
            found.setdefault(int(r.conversation_id), []).append((r.key, r.name, bool(r.is_owner)))
    return {key: tuple(value) for key, value in found.items()}
