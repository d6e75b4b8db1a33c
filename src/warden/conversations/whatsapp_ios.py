"""WhatsApp on iOS: ``ChatStorage.sqlite``, a Core Data store (``ZWACHATSESSION``, ``ZWAMESSAGE``,
``ZWAMEDIAITEM``, ``ZWAGROUPMEMBER``), times in seconds since 2001-01-01 UTC.

A media item keeps its media type in ``ZVCARDSTRING`` and the SHA-256 of its file, base64, in ``ZVCARDNAME``
(for a shared contact card the same columns hold the card itself, so they are read only for media messages).
The device's own account is not named: its messages are sent by :data:`OWNER`.
"""

from __future__ import annotations

import posixpath
import sqlite3

from warden.conversations.collect import OWNER, Collector, integer, sha256_hex
from warden.conversations.database_reader import DatabaseReader, Tables
from warden.conversations.device_times import apple_seconds
from warden.conversations.model import (
    Attachment,
    Conversation,
    Direction,
    Message,
    Participant,
)
from warden.conversations.readers import Source
from warden.conversations.sqlite_copy import Database

MEDIA_TYPES = frozenset({1, 2, 3, 8, 11, 15})
"""``ZMESSAGETYPE`` of messages carrying a file: image, video, voice, document, GIF, sticker."""
SYSTEM_TYPES = frozenset({6, 10, 12})
"""``ZMESSAGETYPE`` of events WhatsApp logged: group events, calls and security notices, others."""
DELETED_TYPE = 14
"""``ZMESSAGETYPE`` of a message deleted for everyone."""

_MESSAGE = (
    "Z_PK", "ZCHATSESSION", "ZISFROMME", "ZFROMJID", "ZTEXT", "ZMESSAGEDATE", "ZMESSAGETYPE", "ZGROUPMEMBER",
)  # fmt: skip
_MEDIA = ("Z_PK", "ZMESSAGE", "ZMEDIALOCALPATH", "ZTITLE", "ZFILESIZE", "ZVCARDSTRING", "ZVCARDNAME")


def _tables_known(tables: dict[str, set[str]]) -> bool:
    return "zchatsession" in tables.get("zwamessage", set()) and "zwachatsession" in tables


class WhatsAppIosReader(DatabaseReader):
    """WhatsApp's ``ChatStorage.sqlite`` on iOS."""

    name = "whatsapp-ios"
    needs = "WhatsApp tables (ZWAMESSAGE, ZWACHATSESSION)"

    def known(self, tables: Tables) -> bool:
        """WhatsApp's Core Data message tables."""
        return _tables_known(tables)

    def read_tables(self, database: Database, tables: Tables, source: Source, found: Collector) -> None:
        """Every chat and message."""
        _read(database, found)


def _read(database: Database, found: Collector) -> None:
    members: dict[int, tuple[int | None, str, str | None]] = {}  # Z_PK -> (chat, jid, name)
    if database.has_table("ZWAGROUPMEMBER"):
        wanted = ("Z_PK", "ZCHATSESSION", "ZMEMBERJID", "ZCONTACTNAME")
        sql = f"SELECT {database.pick('ZWAGROUPMEMBER', wanted)} FROM ZWAGROUPMEMBER ORDER BY Z_PK"  # noqa: S608
        for row in database.rows(sql, what="ZWAGROUPMEMBER"):
            where = found.where("ZWAGROUPMEMBER", row["Z_PK"])
            jid = found.text(row["ZMEMBERJID"], where, "member JID")
            if jid:
                name = found.text(row["ZCONTACTNAME"], where, "member name")
                members[row["Z_PK"]] = (integer(row["ZCHATSESSION"]), jid, name)
    chats: dict[int, str] = {}
    wanted = ("Z_PK", "ZCONTACTJID", "ZPARTNERNAME", "ZSESSIONTYPE")
    sql = f"SELECT {database.pick('ZWACHATSESSION', wanted)} FROM ZWACHATSESSION ORDER BY Z_PK"  # noqa: S608
    for row in database.rows(sql, what="ZWACHATSESSION"):
        where = found.where("ZWACHATSESSION", row["Z_PK"])
        key = found.text(row["ZCONTACTJID"], where, "chat JID") or f"chat:{row['Z_PK']}"
        chats[row["Z_PK"]] = key
        name = found.text(row["ZPARTNERNAME"], where, "chat name")
        group = key.endswith("@g.us")
        others = [Participant(jid, who) for chat, jid, who in members.values() if chat == row["Z_PK"]]
        if not group:
            others = [Participant(key, name)]
        found.conversation(
            Conversation(key, found.result.source, name, (Participant(OWNER, is_owner=True), *others), where)
        )
    media: dict[int, tuple[Attachment, str | None]] = {}  # message Z_PK -> (file, caption)
    if database.has_table("ZWAMEDIAITEM"):
        sql = f"SELECT {database.pick('ZWAMEDIAITEM', _MEDIA)} FROM ZWAMEDIAITEM"  # noqa: S608
        for row in database.rows(sql, what="ZWAMEDIAITEM"):
            owner = integer(row["ZMESSAGE"])
            if owner is not None:
                media[owner] = _attachment(found, row)
    sql = f"SELECT {database.pick('ZWAMESSAGE', _MESSAGE)} FROM ZWAMESSAGE ORDER BY Z_PK"  # noqa: S608
    for row in database.rows(sql, what="ZWAMESSAGE"):
        provenance = found.where("ZWAMESSAGE", row["Z_PK"])
        chat = chats.get(row["ZCHATSESSION"])
        if chat is None:
            found.problem(provenance, f"the message's chat {row['ZCHATSESSION']!r} is not in ZWACHATSESSION")
            chat = f"chat:{row['ZCHATSESSION']}"
        from_me = integer(row["ZISFROMME"]) == 1
        kind = integer(row["ZMESSAGETYPE"])
        member = members.get(row["ZGROUPMEMBER"]) if row["ZGROUPMEMBER"] is not None else None
        if from_me:
            who: str | None = OWNER
        elif member is not None:
            who = member[1]
        else:  # in a one-to-one chat, the other person; in a group, unknown without its member row
            who = None if chat.endswith("@g.us") else chat
        text = found.text(row["ZTEXT"], provenance)
        attachments: tuple[Attachment, ...] = ()
        if row["Z_PK"] in media and kind in MEDIA_TYPES:
            attachment, caption = media[row["Z_PK"]]
            attachments = (attachment,)
            text = text or caption
        utc, raw = apple_seconds(row["ZMESSAGEDATE"])
        message = Message(
            conversation=chat,
            sender=who,
            direction=Direction.SENT if from_me else Direction.RECEIVED,
            utc=utc,
            raw_time=raw,
            text=text,
            attachments=attachments,
            provenance=provenance,
            kind="system" if kind in SYSTEM_TYPES or kind == DELETED_TYPE else "message",
            deleted=kind == DELETED_TYPE,
        )
        if not found.message(message):
            break


def _attachment(found: Collector, row: sqlite3.Row) -> tuple[Attachment, str | None]:
    """A media item and its caption."""
    where = found.where("ZWAMEDIAITEM", row["Z_PK"])
    path = found.text(row["ZMEDIALOCALPATH"], where, "file path")
    attachment = Attachment(
        name=posixpath.basename(path) if path else None,
        path=path,
        mime=found.text(row["ZVCARDSTRING"], where, "media type"),
        size=integer(row["ZFILESIZE"]),
        sha256=sha256_hex(row["ZVCARDNAME"]),
        provenance=where,
    )
    return attachment, found.text(row["ZTITLE"], where, "caption")
