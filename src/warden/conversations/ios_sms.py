"""SMS, MMS and iMessage on iOS: ``sms.db`` (``message``, ``handle``, ``chat``, ``chat_message_join``,
``chat_handle_join``, ``attachment``, ``message_attachment_join``).

Since iOS 16 many messages keep no ``text``: it is only in ``attributedBody``, an ``NSAttributedString``
archived in Apple's typedstream format, read here with the ``pytypedstream`` library (the ``conversations``
extra). Dates count from 2001-01-01 UTC, in seconds before iOS 11 and nanoseconds after. Messages in "Recently
Deleted" (joined to their chat through ``chat_recoverable_message_join``) are read with ``deleted`` set.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from warden.conversations.collect import OWNER, Collector, integer
from warden.conversations.database_reader import DatabaseReader, Tables
from warden.conversations.device_times import apple_seconds_or_nanoseconds
from warden.conversations.model import (
    Attachment,
    Conversation,
    Direction,
    Message,
    Participant,
)
from warden.conversations.readers import Source
from warden.conversations.sqlite_copy import Database

MAX_ATTRIBUTED_BODY = 4 << 20
"""Largest ``attributedBody`` decoded (bytes); a larger one is a problem naming the row."""
_STRING_CLASSES = (b"NSString", b"NSMutableString")
_MESSAGE = (
    "ROWID", "text", "attributedBody", "handle_id", "date", "is_from_me", "service", "item_type",
    "cache_has_attachments",
)  # fmt: skip
_ATTACHMENT = ("ROWID", "filename", "mime_type", "transfer_name", "total_bytes")


class AttributedBodyError(ValueError):
    """An ``attributedBody`` that cannot be read as an archived attributed string."""


def attributed_text(data: bytes) -> str:
    """The text of an ``NSAttributedString`` archived in Apple's typedstream format.

    Raises:
        AttributedBodyError: it is not one, is damaged, or ``pytypedstream`` is not installed.
    """
    try:
        import typedstream
    except ImportError:
        raise AttributedBodyError(
            "needs pytypedstream to read attributedBody: pip install 'warden[conversations]'"
        ) from None
    if len(data) > MAX_ATTRIBUTED_BODY:
        raise AttributedBodyError(f"attributedBody of {len(data):,} bytes, over {MAX_ATTRIBUTED_BODY:,}")
    try:
        archived = typedstream.unarchive_from_data(data)
    except Exception as error:  # a third-party parser on hostile bytes: whatever it raises is this row's
        raise AttributedBodyError(f"attributedBody is not a readable typedstream ({error})") from None
    text = _first_string(archived, depth=0)
    if text is None:
        raise AttributedBodyError("attributedBody holds no string")
    return text


def _first_string(value: Any, depth: int) -> str | None:
    """The first archived NSString's value in ``value`` and what it contains, depth first."""
    if depth > 8:
        return None
    clazz = getattr(value, "clazz", None) or getattr(getattr(value, "archived_class", None), "clazz", None)
    name = getattr(type(value), "__name__", "").encode()
    if name in _STRING_CLASSES or getattr(clazz, "name", None) in _STRING_CLASSES:
        inner = getattr(value, "value", None)
        if isinstance(inner, str):
            return inner
    for attribute in ("contents", "values"):
        for item in getattr(value, attribute, None) or ():
            found = _first_string(item, depth + 1)
            if found is not None:
                return found
    inner = getattr(value, "value", None)
    if inner is not None and inner is not value and not isinstance(inner, str | bytes | int | float):
        return _first_string(inner, depth + 1)
    return None


def _known(tables: dict[str, set[str]]) -> bool:
    return {"handle", "chat_message_join"} <= tables.keys() and "is_from_me" in tables.get("message", set())


class IosSmsReader(DatabaseReader):
    """iOS Messages' ``sms.db``: SMS, MMS and iMessage."""

    name = "ios-sms"
    needs = "Messages tables (message, handle, chat_message_join)"

    def known(self, tables: Tables) -> bool:
        """The Messages app's tables."""
        return _known(tables)

    def read_tables(self, database: Database, tables: Tables, source: Source, found: Collector) -> None:
        """Every chat and message."""
        _read(database, found)


def _read(database: Database, found: Collector) -> None:
    handles: dict[int, str] = {}
    for row in database.rows("SELECT ROWID, id FROM handle ORDER BY ROWID", what="handle"):
        handle = found.text(row["id"], found.where("handle", row["ROWID"]), "handle")
        if handle:
            handles[row["ROWID"]] = handle
    members: dict[int, list[str]] = {}
    if database.has_table("chat_handle_join"):
        sql = "SELECT chat_id, handle_id FROM chat_handle_join ORDER BY rowid"
        for row in database.rows(sql, what="chat_handle_join"):
            if row["handle_id"] in handles:
                members.setdefault(row["chat_id"], []).append(handles[row["handle_id"]])
    chats: dict[int, str] = {}
    if database.has_table("chat"):
        wanted = ("ROWID", "guid", "chat_identifier", "display_name")
        sql = f"SELECT {database.pick('chat', wanted)} FROM chat ORDER BY ROWID"  # noqa: S608 (our names)
        for row in database.rows(sql, what="chat"):
            where = found.where("chat", row["ROWID"])
            key = (
                found.text(row["chat_identifier"], where, "chat identifier")
                or found.text(row["guid"], where, "chat guid")
                or f"chat:{row['ROWID']}"
            )
            chats[row["ROWID"]] = key
            people = (
                Participant(OWNER, is_owner=True),
                *(Participant(h) for h in members.get(row["ROWID"], [])),
            )
            title = found.text(row["display_name"], where, "chat name")
            found.conversation(Conversation(key, found.result.source, title, people, where))
    in_chat: dict[int, int] = {}
    for row in database.rows("SELECT chat_id, message_id FROM chat_message_join", what="chat_message_join"):
        in_chat.setdefault(row["message_id"], row["chat_id"])
    deleted: dict[int, int] = {}
    if {"chat_id", "message_id"} <= database.columns("chat_recoverable_message_join"):
        sql = "SELECT chat_id, message_id FROM chat_recoverable_message_join"
        for row in database.rows(sql, what="chat_recoverable_message_join"):
            deleted.setdefault(row["message_id"], row["chat_id"])
    files = _attachments(database, found)
    unlisted: set[str] = set()
    sql = f"SELECT {database.pick('message', _MESSAGE)} FROM message ORDER BY ROWID"  # noqa: S608 (our names)
    for row in database.rows(sql, what="message"):
        provenance = found.where("message", row["ROWID"])
        from_me = integer(row["is_from_me"]) == 1
        handle = handles.get(row["handle_id"]) if integer(row["handle_id"]) else None
        chat_id = in_chat.get(row["ROWID"], deleted.get(row["ROWID"]))
        chat = chats.get(chat_id) if chat_id is not None else None
        if chat is None:  # a message with no chat: its conversation is the other party
            chat = handle or f"chat:{chat_id}"
            if chat not in unlisted and chat not in chats.values():
                unlisted.add(chat)
                people = (Participant(OWNER, is_owner=True), *((Participant(handle),) if handle else ()))
                found.conversation(Conversation(chat, found.result.source, None, people, provenance))
        utc, raw = apple_seconds_or_nanoseconds(row["date"])
        message = Message(
            conversation=chat,
            sender=OWNER if from_me else handle,
            direction=Direction.SENT if from_me else Direction.RECEIVED,
            utc=utc,
            raw_time=raw,
            text=_text(found, row, provenance),
            attachments=tuple(files.get(row["ROWID"], ())),
            provenance=provenance,
            kind="system" if integer(row["item_type"]) else "message",
            deleted=row["ROWID"] in deleted and row["ROWID"] not in in_chat,
        )
        if not found.message(message):
            break


def _text(found: Collector, row: sqlite3.Row, provenance: str) -> str | None:
    """``text``, or where it is empty, the string archived in ``attributedBody``."""
    text = found.text(row["text"], provenance)
    body = row["attributedBody"]
    if text is not None or not isinstance(body, bytes) or not body:
        return text
    try:
        return found.text(attributed_text(body), provenance, "attributedBody text")
    except AttributedBodyError as error:
        found.problem(provenance, str(error))
        return None


def _attachments(database: Database, found: Collector) -> dict[int, list[Attachment]]:
    """Attachments by message ROWID, in the order the join lists them."""
    if not (database.has_table("attachment") and database.has_table("message_attachment_join")):
        return {}
    by_id: dict[int, Attachment] = {}
    sql = f"SELECT {database.pick('attachment', _ATTACHMENT)} FROM attachment"  # noqa: S608 (our names)
    for row in database.rows(sql, what="attachment"):
        where = found.where("attachment", row["ROWID"])
        by_id[row["ROWID"]] = Attachment(
            name=found.text(row["transfer_name"], where, "file name"),
            path=found.text(row["filename"], where, "file path"),
            mime=found.text(row["mime_type"], where, "media type"),
            size=integer(row["total_bytes"]),
            provenance=where,
        )
    files: dict[int, list[Attachment]] = {}
    sql = "SELECT message_id, attachment_id FROM message_attachment_join ORDER BY rowid"
    for row in database.rows(sql, what="message_attachment_join"):
        if row["attachment_id"] in by_id:
            files.setdefault(row["message_id"], []).append(by_id[row["attachment_id"]])
    return files
