"""WhatsApp on Android: ``msgstore.db``, in its current schema (``message``, ``chat``, ``jid``,
``message_media``, ``message_system``) and the legacy one (one ``messages`` table keyed by
``key_remote_jid``), with names from ``wa.db`` (``wa_contacts``) when it is given as the sibling ``contacts``.

Times are Unix milliseconds. The device's own account is not named in ``msgstore.db``: its messages are sent
by the participant :data:`OWNER`. WhatsApp keeps, per media item, the SHA-256 of the file (``file_hash``,
base64), given here in hex so an attachment can be linked to a matched image even when the file is gone.
"""

from __future__ import annotations

import posixpath
import sqlite3

from warden.conversations.collect import OWNER, Collector, integer, sha256_hex
from warden.conversations.database_reader import DatabaseReader, Tables
from warden.conversations.device_times import unix_milliseconds
from warden.conversations.model import (
    Attachment,
    Conversation,
    Direction,
    Message,
    Participant,
)
from warden.conversations.readers import Limits, Source, SourceError
from warden.conversations.sqlite_copy import Database

SYSTEM_TYPES = {7: "system"}
"""``message.message_type`` values of events WhatsApp logged rather than a participant wrote."""
DELETED_TYPE = 15
"""``message_type`` (current) and ``media_wa_type`` (legacy) of a message deleted for everyone (revoked)."""
LEGACY_SYSTEM_STATUS = 6
"""``messages.status`` of a system event in the legacy schema (group created, joined, left...)."""


def _current(tables: dict[str, set[str]]) -> bool:
    return {"message", "chat", "jid"} <= tables.keys() and "chat_row_id" in tables["message"]


def _legacy(tables: dict[str, set[str]]) -> bool:
    return "key_remote_jid" in tables.get("messages", set())


def _names(source: Source, limits: Limits, found: Collector) -> dict[str, str]:
    """Display names by JID from ``wa.db``, when given (a damaged one is a problem, not the end)."""
    path = source.siblings.get("contacts")
    if path is None:
        return {}
    # wa.db sits beside msgstore.db in WhatsApp's databases folder: named so in provenance
    contacts = Source(path, posixpath.join(posixpath.dirname(source.label), "wa.db"))
    names: dict[str, str] = {}
    try:
        with Database(contacts, limits) as database:
            if not database.has_table("wa_contacts"):
                found.problem(contacts.label, "the contacts database has no wa_contacts table")
                return {}
            wanted = ("jid", "display_name", "wa_name")
            sql = f"SELECT {database.pick('wa_contacts', wanted)} FROM wa_contacts"  # noqa: S608 (our names)
            for row in database.rows(sql, what="wa_contacts"):
                name = next((row[c] for c in wanted[1:] if isinstance(row[c], str) and row[c]), None)
                if isinstance(row["jid"], str) and name:
                    names[row["jid"]] = str(name)
            found.result.problems.extend(database.problems)
    except SourceError as error:
        found.problem(contacts.label, f"contacts not read: {error}")
    return names


def _attachment(found: Collector, row: sqlite3.Row, provenance: str, path_column: str) -> Attachment:
    path = found.text(row[path_column], provenance, "file path")
    name = found.text(row["media_name"], provenance, "file name") or (
        posixpath.basename(path) if path else None
    )
    return Attachment(
        name=name,
        path=path,
        mime=found.text(row["mime_type"], provenance, "media type"),
        size=integer(row["file_size"]),
        sha256=sha256_hex(row["file_hash"]),
        provenance=provenance,
    )


def _participant(key: str, names: dict[str, str]) -> Participant:
    return Participant(key, names.get(key))


class WhatsAppAndroidReader(DatabaseReader):
    """WhatsApp's ``msgstore.db`` on Android (current and legacy schemas)."""

    name = "whatsapp-android"
    needs = "WhatsApp message tables (message, chat, jid; or messages)"

    def known(self, tables: Tables) -> bool:
        """WhatsApp's message tables, current or legacy."""
        return _current(tables) or _legacy(tables)

    def read_tables(self, database: Database, tables: Tables, source: Source, found: Collector) -> None:
        """Every chat and message."""
        names = _names(source, found.limits, found)
        if _current(tables):
            _read_current(database, tables, names, found)
        else:
            _read_legacy(database, tables, names, found)


def _read_current(
    database: Database, tables: dict[str, set[str]], names: dict[str, str], found: Collector
) -> None:
    jids: dict[int, str] = {}
    for row in database.rows("SELECT _id, raw_string, user, server FROM jid", what="jid"):
        raw = row["raw_string"] or (f"{row['user']}@{row['server']}" if row["user"] else None)
        if isinstance(raw, str):
            jids[row["_id"]] = raw
    members: dict[int, list[str]] = {}
    if {"group_jid_row_id", "user_jid_row_id"} <= tables.get("group_participant_user", set()):
        sql = "SELECT group_jid_row_id, user_jid_row_id FROM group_participant_user ORDER BY rowid"
        for row in database.rows(sql, what="group_participant_user"):
            if row["user_jid_row_id"] in jids:
                members.setdefault(row["group_jid_row_id"], []).append(jids[row["user_jid_row_id"]])
    chats: dict[int, str] = {}
    sql = f"SELECT {database.pick('chat', ('_id', 'jid_row_id', 'subject'))} FROM chat ORDER BY _id"  # noqa: S608
    for row in database.rows(sql, what="chat"):
        key = jids.get(row["jid_row_id"])
        provenance = found.where("chat", row["_id"])
        if key is None:
            found.problem(provenance, f"the chat's jid_row_id {row['jid_row_id']!r} is not in the jid table")
            key = f"chat:{row['_id']}"
        chats[row["_id"]] = key
        others = members.get(row["jid_row_id"]) or ([] if key.endswith("@g.us") else [key])
        people = (Participant(OWNER, is_owner=True), *(_participant(other, names) for other in others))
        title = found.text(row["subject"], provenance, "subject") or names.get(key)
        found.conversation(Conversation(key, found.result.source, title, people, provenance))
    media = "message_media" in tables and {"message_row_id", "file_path"} <= tables["message_media"]
    system = "message_system" in tables and "message_row_id" in tables["message_system"]
    wanted = ("_id", "chat_row_id", "from_me", "sender_jid_row_id", "timestamp", "message_type", "text_data")
    select = [database.pick("message", wanted, "m")]
    joins = []
    if media:
        media_columns = ("message_row_id", "file_path", "file_size", "mime_type", "media_name", "file_hash")
        select.append(database.pick("message_media", media_columns, "mm"))
        joins.append("LEFT JOIN message_media mm ON mm.message_row_id = m._id")
    if system:
        select.append("ms.message_row_id AS system_row")
        joins.append("LEFT JOIN message_system ms ON ms.message_row_id = m._id")
    # every name in the statement is the reader's own (Database.pick), none read from the database
    sql = f"SELECT {', '.join(select)} FROM message m {' '.join(joins)} ORDER BY m._id"  # noqa: S608
    for row in database.rows(sql, what="message"):
        provenance = found.where("message", row["_id"])
        chat = chats.get(row["chat_row_id"])
        if chat is None:
            found.problem(
                provenance, f"the message's chat_row_id {row['chat_row_id']!r} is not in the chat table"
            )
            chat = f"chat:{row['chat_row_id']}"
        from_me = integer(row["from_me"]) == 1
        if from_me:
            who: str | None = OWNER
        elif integer(row["sender_jid_row_id"]):
            who = jids.get(row["sender_jid_row_id"])
        else:
            who = None if chat.endswith("@g.us") else chat
        utc, raw = unix_milliseconds(row["timestamp"])
        message_type = integer(row["message_type"])
        is_system = message_type in SYSTEM_TYPES or message_type == DELETED_TYPE
        if system and row["system_row"] is not None:
            is_system = True
        attachments: tuple[Attachment, ...] = ()
        if media and row["message_row_id"] is not None:
            where = found.where("message_media", row["message_row_id"])
            attachments = (_attachment(found, row, where, "file_path"),)
        message = Message(
            conversation=chat,
            sender=who,
            direction=Direction.SENT if from_me else Direction.RECEIVED,
            utc=utc,
            raw_time=raw,
            text=found.text(row["text_data"], provenance),
            attachments=attachments,
            provenance=provenance,
            kind="system" if is_system else "message",
            deleted=message_type == DELETED_TYPE,
        )
        if not found.message(message):
            break


def _read_legacy(
    database: Database, tables: dict[str, set[str]], names: dict[str, str], found: Collector
) -> None:
    members: dict[str, list[str]] = {}
    if {"gjid", "jid"} <= tables.get("group_participants", set()):
        for row in database.rows(
            "SELECT gjid, jid FROM group_participants ORDER BY rowid", what="group_participants"
        ):
            if isinstance(row["gjid"], str) and isinstance(row["jid"], str) and row["jid"]:
                members.setdefault(row["gjid"], []).append(row["jid"])
    subjects: dict[str, tuple[str | None, str]] = {}
    if "key_remote_jid" in tables.get("chat_list", set()):
        sql = f"SELECT {database.pick('chat_list', ('_id', 'key_remote_jid', 'subject'))} FROM chat_list"  # noqa: S608
        for row in database.rows(sql, what="chat_list"):
            if isinstance(row["key_remote_jid"], str):
                where = found.where("chat_list", row["_id"])
                subjects[row["key_remote_jid"]] = (found.text(row["subject"], where, "subject"), where)
    listed: set[str] = set()
    wanted = (
        "_id", "key_remote_jid", "key_from_me", "remote_resource", "data", "timestamp", "status",
        "media_wa_type", "media_mime_type", "media_size", "media_name", "media_hash", "media_caption",
    )  # fmt: skip
    sql = f"SELECT {database.pick('messages', wanted)} FROM messages ORDER BY _id"  # noqa: S608 (our names)
    for row in database.rows(sql, what="messages"):
        chat = row["key_remote_jid"]
        provenance = found.where("messages", row["_id"])
        if chat == "-1":  # WhatsApp's placeholder first row
            continue
        if not isinstance(chat, str) or not chat:
            found.problem(provenance, "the message has no key_remote_jid: its chat is unknown")
            continue
        if chat not in listed:
            listed.add(chat)
            title, where = subjects.get(chat, (None, provenance))
            others = members.get(chat) or ([] if chat.endswith("@g.us") else [chat])
            people = (Participant(OWNER, is_owner=True), *(_participant(other, names) for other in others))
            found.conversation(
                Conversation(chat, found.result.source, title or names.get(chat), people, where)
            )
        from_me = integer(row["key_from_me"]) == 1
        remote = (
            row["remote_resource"]
            if isinstance(row["remote_resource"], str) and row["remote_resource"]
            else None
        )
        who = OWNER if from_me else (remote or (None if chat.endswith("@g.us") else chat))
        utc, raw = unix_milliseconds(row["timestamp"])
        kind = integer(row["media_wa_type"])
        is_system = integer(row["status"]) == LEGACY_SYSTEM_STATUS or kind == DELETED_TYPE
        attachments: tuple[Attachment, ...] = ()
        if not is_system and kind and (row["media_name"] or row["media_hash"] or row["media_mime_type"]):
            attachments = (
                Attachment(
                    name=found.text(row["media_name"], provenance, "file name"),
                    mime=found.text(row["media_mime_type"], provenance, "media type"),
                    size=integer(row["media_size"]),
                    sha256=sha256_hex(row["media_hash"]),
                    provenance=provenance,
                ),
            )
        text = found.text(row["data"], provenance) or found.text(row["media_caption"], provenance, "caption")
        message = Message(
            conversation=chat,
            sender=who,
            direction=Direction.SENT if from_me else Direction.RECEIVED,
            utc=utc,
            raw_time=raw,
            text=text,
            attachments=attachments,
            provenance=provenance,
            kind="system" if is_system else "message",
            deleted=kind == DELETED_TYPE,
        )
        if not found.message(message):
            break
