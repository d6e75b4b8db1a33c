"""WhatsApp on Android: each fixture message of a msgstore.db built here (both schemas) recovered exactly."""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.media import media
from warden.conversations.model import Attachment, Direction, Message
from warden.conversations.readers import Limits, Source
from warden.conversations.whatsapp_android import OWNER, WhatsAppAndroidReader

LABEL = "phone.E01//p3//data/data/com.whatsapp/databases/msgstore.db"
FAMILY = "447700900001-1701000000@g.us"
MUM = "447700900002@s.whatsapp.net"
GRAN = "447700900003@s.whatsapp.net"
FRIEND = "447700900004@s.whatsapp.net"
PHOTO = "n01443537_goldfish.jpg"

CURRENT_SCHEMA = """
CREATE TABLE jid (_id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, server TEXT NOT NULL,
  agent INTEGER, device INTEGER, type INTEGER, raw_string TEXT);
CREATE TABLE chat (_id INTEGER PRIMARY KEY AUTOINCREMENT, jid_row_id INTEGER UNIQUE, hidden INTEGER,
  subject TEXT, created_timestamp INTEGER, display_message_row_id INTEGER, last_message_row_id INTEGER,
  archived INTEGER, sort_timestamp INTEGER);
CREATE TABLE message (_id INTEGER PRIMARY KEY AUTOINCREMENT, chat_row_id INTEGER NOT NULL,
  from_me INTEGER NOT NULL,
  key_id TEXT NOT NULL, sender_jid_row_id INTEGER, status INTEGER, broadcast INTEGER, recipient_count INTEGER,
  participant_hash TEXT, origination_flags INTEGER, origin INTEGER, timestamp INTEGER,
  received_timestamp INTEGER,
  receipt_server_timestamp INTEGER, message_type INTEGER, text_data TEXT, starred INTEGER,
  lookup_tables INTEGER,
  sort_id INTEGER NOT NULL DEFAULT 0);
CREATE TABLE message_media (message_row_id INTEGER PRIMARY KEY, chat_row_id INTEGER,
  autotransfer_retry_enabled INTEGER,
  multicast_id TEXT, media_job_uuid TEXT, transferred INTEGER, transcoded INTEGER, file_path TEXT,
  file_size INTEGER,
  suspicious_content INTEGER, trim_from INTEGER, trim_to INTEGER, face_x INTEGER, face_y INTEGER,
  media_key BLOB,
  media_key_timestamp INTEGER, width INTEGER, height INTEGER, has_streaming_sidecar INTEGER, direct_path TEXT,
  message_url TEXT, mime_type TEXT, file_length INTEGER, media_name TEXT, file_hash TEXT,
  media_duration INTEGER,
  page_count INTEGER, enc_file_hash TEXT, partial_media_hash TEXT, original_file_hash TEXT,
  media_caption TEXT);
CREATE TABLE message_system (message_row_id INTEGER PRIMARY KEY, action_type INTEGER NOT NULL);
CREATE TABLE message_revoked (message_row_id INTEGER PRIMARY KEY, revoked_key_id TEXT NOT NULL,
  admin_jid_row_id INTEGER, revoke_timestamp INTEGER);
CREATE TABLE group_participant_user (_id INTEGER PRIMARY KEY AUTOINCREMENT, group_jid_row_id INTEGER NOT NULL,
  user_jid_row_id INTEGER NOT NULL, rank INTEGER, pending INTEGER, add_timestamp INTEGER, label TEXT);
"""

LEGACY_SCHEMA = """
CREATE TABLE messages (_id INTEGER PRIMARY KEY AUTOINCREMENT, key_remote_jid TEXT NOT NULL,
  key_from_me INTEGER,
  key_id TEXT NOT NULL, status INTEGER, needs_push INTEGER, data TEXT, timestamp INTEGER, media_url TEXT,
  media_mime_type TEXT, media_wa_type TEXT, media_size INTEGER, media_name TEXT, media_caption TEXT,
  media_hash TEXT, media_duration INTEGER, origin INTEGER, latitude REAL, longitude REAL, thumb_image TEXT,
  remote_resource TEXT, received_timestamp INTEGER, send_timestamp INTEGER, receipt_server_timestamp INTEGER,
  raw_data BLOB, recipient_count INTEGER, starred INTEGER);
CREATE TABLE chat_list (_id INTEGER PRIMARY KEY AUTOINCREMENT, key_remote_jid TEXT UNIQUE,
  message_table_id INTEGER,
  subject TEXT, creation INTEGER, archived INTEGER, sort_timestamp INTEGER);
CREATE TABLE group_participants (_id INTEGER PRIMARY KEY AUTOINCREMENT, gjid TEXT NOT NULL, jid TEXT NOT NULL,
  admin INTEGER, pending INTEGER, sent_sender_key INTEGER);
"""

WA_SCHEMA = """
CREATE TABLE wa_contacts (_id INTEGER PRIMARY KEY AUTOINCREMENT, jid TEXT NOT NULL,
  is_whatsapp_user BOOLEAN NOT NULL,
  status TEXT, status_timestamp INTEGER, number TEXT, raw_contact_id INTEGER, display_name TEXT,
  phone_type INTEGER,
  phone_label TEXT, unseen_msg_count INTEGER, photo_ts INTEGER, thumb_ts INTEGER, photo_id_timestamp INTEGER,
  given_name TEXT, family_name TEXT, wa_name TEXT, sort_name TEXT, nickname TEXT, company TEXT, title TEXT);
"""


def ms(text: str) -> int:
    """Milliseconds since 1970 for an ISO time in UTC."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def photo_sha256() -> bytes:
    return hashlib.sha256(media("photos", PHOTO).read_bytes()).digest()


def build_current(path: Path) -> None:
    """A msgstore.db in the current schema: a family group and a one-to-one chat with a photo."""
    connection = sqlite3.connect(path)
    connection.executescript(CURRENT_SCHEMA)
    for user, server in (("447700900001-1701000000", "g.us"), ("447700900002", "s.whatsapp.net"),
                         ("447700900003", "s.whatsapp.net"), ("447700900004", "s.whatsapp.net")):  # fmt: skip
        connection.execute(
            "INSERT INTO jid (user, server, agent, device, type, raw_string) VALUES (?, ?, 0, 0, 0, ?)",
            (user, server, f"{user}@{server}"),
        )
    connection.execute("INSERT INTO chat (_id, jid_row_id, subject) VALUES (1, 1, 'Family 👨‍👩‍👧')")
    connection.execute("INSERT INTO chat (_id, jid_row_id, subject) VALUES (2, 4, NULL)")
    for user in (2, 3):
        connection.execute(
            "INSERT INTO group_participant_user (group_jid_row_id, user_jid_row_id) VALUES (1, ?)", (user,)
        )
    rows = [
        # _id, chat, from_me, sender, time, type, text
        (1, 1, 1, 0, "2026-03-01 09:00:00", 7, None),  # the group created: a system event
        (2, 1, 0, 2, "2026-03-01 09:01:05.250", 0, "Dinner at 7? 🍝"),
        (3, 1, 0, 3, "2026-03-01 09:02:00", 0, "Привет всем! 你好"),
        (4, 1, 1, 0, "2026-03-01 09:03:00", 0, "On my way, see you soon"),
        (5, 1, 0, 2, "2026-03-01 09:04:00", 15, None),  # deleted for everyone
        (6, 2, 1, 0, "2026-03-02 18:30:00", 1, "Look what we caught at the lake"),
        (7, 2, 0, 0, "2026-03-02 18:31:10", 0, "Lovely goldfish!"),
    ]
    for _id, chat, from_me, sender, when, kind, text in rows:
        connection.execute(
            "INSERT INTO message (_id, chat_row_id, from_me, key_id, sender_jid_row_id, status, timestamp,"
            " message_type, text_data, sort_id) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
            (_id, chat, from_me, f"KEY{_id}", sender, ms(when), kind, text, _id),
        )
    connection.execute("INSERT INTO message_system (message_row_id, action_type) VALUES (1, 11)")
    connection.execute("INSERT INTO message_revoked (message_row_id, revoked_key_id) VALUES (5, 'KEY5')")
    connection.execute(
        "INSERT INTO message_media (message_row_id, chat_row_id, file_path, file_size, mime_type, media_name,"
        " file_hash, width, height) VALUES (6, 2, ?, ?, 'image/jpeg', NULL, ?, 500, 375)",
        (
            "Media/WhatsApp Images/Sent/IMG-20260302-WA0001.jpg",
            media("photos", PHOTO).stat().st_size,
            base64.b64encode(photo_sha256()).decode(),
        ),
    )
    connection.commit()
    connection.close()


def build_contacts(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.executescript(WA_SCHEMA)
    for jid, display, wa_name in ((MUM, "Mum", "Jane"), (GRAN, None, "Бабушка"), (FRIEND, "Sam Lee", None)):
        connection.execute(
            "INSERT INTO wa_contacts (jid, is_whatsapp_user, display_name, wa_name) VALUES (?, 1, ?, ?)",
            (jid, display, wa_name),
        )
    connection.commit()
    connection.close()


def expected_current() -> list[Message]:
    photo = Attachment(
        name="IMG-20260302-WA0001.jpg",
        path="Media/WhatsApp Images/Sent/IMG-20260302-WA0001.jpg",
        mime="image/jpeg",
        size=media("photos", PHOTO).stat().st_size,
        sha256=photo_sha256().hex(),
        provenance=f"{LABEL}//message_media:6",
    )

    def at(text: str) -> tuple[datetime, str]:
        return utc(text), f"{ms(text)} ms since 1970-01-01"

    def message(
        rowid: int, chat: str, sender: str | None, when: str, text: str | None, **more: object
    ) -> Message:
        moment, raw = at(when)
        direction = Direction.SENT if sender == OWNER else Direction.RECEIVED
        return Message(
            chat, sender, direction, moment, raw, text, provenance=f"{LABEL}//message:{rowid}", **more
        )  # type: ignore[arg-type]

    return [
        message(1, FAMILY, OWNER, "2026-03-01 09:00:00", None, kind="system"),
        message(2, FAMILY, MUM, "2026-03-01 09:01:05.250", "Dinner at 7? 🍝"),
        message(3, FAMILY, GRAN, "2026-03-01 09:02:00", "Привет всем! 你好"),
        message(4, FAMILY, OWNER, "2026-03-01 09:03:00", "On my way, see you soon"),
        message(5, FAMILY, MUM, "2026-03-01 09:04:00", None, kind="system", deleted=True),
        message(
            6, FRIEND, OWNER, "2026-03-02 18:30:00", "Look what we caught at the lake", attachments=(photo,)
        ),
        message(7, FRIEND, FRIEND, "2026-03-02 18:31:10", "Lovely goldfish!"),
    ]


def test_every_message_of_the_current_schema_is_recovered_exactly(tmp_path: Path) -> None:
    build_current(tmp_path / "msgstore.db")
    build_contacts(tmp_path / "wa.db")
    source = Source(tmp_path / "msgstore.db", LABEL, {"contacts": tmp_path / "wa.db"})
    reader = WhatsAppAndroidReader()
    assert reader.recognises(source)

    found = reader.read(source, Limits())

    assert found.problems == []
    assert found.messages == expected_current()
    family, friend = found.conversations
    assert (family.key, family.title, family.provenance) == (FAMILY, "Family 👨‍👩‍👧", f"{LABEL}//chat:1")
    assert [(p.key, p.name, p.is_owner) for p in family.participants] == [
        (OWNER, None, True), (MUM, "Mum", False), (GRAN, "Бабушка", False),
    ]  # fmt: skip
    assert (friend.key, friend.title) == (FRIEND, "Sam Lee")


def test_every_message_of_the_legacy_schema_is_recovered_exactly(tmp_path: Path) -> None:
    path = tmp_path / "msgstore.db"
    connection = sqlite3.connect(path)
    connection.executescript(LEGACY_SCHEMA)
    connection.execute(
        "INSERT INTO messages (_id, key_remote_jid, key_id, status) VALUES (1, '-1', '-1', -1)"
    )
    hash64 = base64.b64encode(photo_sha256()).decode()
    rows = [
        # _id, chat, from_me, status, text, time, wa_type, mime, size, name, hash, caption, remote
        (2, FAMILY, 1, 6, None, "2026-03-01 09:00:00", "0", None, 1, None, None, None, None),
        (3, FAMILY, 0, 0, "Dinner at 7? 🍝", "2026-03-01 09:01:05.250", "0", None, 0, None, None, None, MUM),
        (4, FAMILY, 0, 0, "Привет всем! 你好", "2026-03-01 09:02:00", "0", None, 0, None, None, None, GRAN),
        (5, FAMILY, 0, 0, None, "2026-03-01 09:04:00", "15", None, 0, None, None, None, MUM),
        (6, FRIEND, 1, 13, None, "2026-03-02 18:30:00", "1", "image/jpeg", 1234, "IMG-20260302-WA0001.jpg",
         hash64, "Look what we caught at the lake", None),
        (7, FRIEND, 0, 0, "Lovely goldfish!", "2026-03-02 18:31:10", "0", None, 0, None, None, None, None),
    ]  # fmt: skip
    for _id, chat, me, status, text, when, kind, mime, size, name, digest, caption, remote in rows:
        connection.execute(
            "INSERT INTO messages (_id, key_remote_jid, key_from_me, key_id, status, data, timestamp,"
            " media_wa_type, media_mime_type, media_size, media_name, media_hash,"
            " media_caption, remote_resource)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                _id,
                chat,
                me,
                f"K{_id}",
                status,
                text,
                ms(when),
                kind,
                mime,
                size,
                name,
                digest,
                caption,
                remote,
            ),
        )
    connection.execute("INSERT INTO chat_list (key_remote_jid, subject) VALUES (?, 'Family')", (FAMILY,))
    connection.execute("INSERT INTO group_participants (gjid, jid) VALUES (?, ?)", (FAMILY, MUM))
    connection.execute("INSERT INTO group_participants (gjid, jid) VALUES (?, ?)", (FAMILY, GRAN))
    connection.execute("INSERT INTO group_participants (gjid, jid) VALUES (?, '')", (FAMILY,))
    connection.commit()
    connection.close()
    source = Source(path, LABEL)
    assert WhatsAppAndroidReader().recognises(source)

    found = WhatsAppAndroidReader().read(source, Limits())

    assert found.problems == []
    got = [(m.provenance.rsplit("//", 1)[1], m.conversation, m.sender, m.direction, m.utc, m.raw_time, m.text,
            m.kind) for m in found.messages]  # fmt: skip
    assert got == [
        ("messages:2", FAMILY, OWNER, Direction.SENT, utc("2026-03-01 09:00:00"),
         f"{ms('2026-03-01 09:00:00')} ms since 1970-01-01", None, "system"),
        ("messages:3", FAMILY, MUM, Direction.RECEIVED, utc("2026-03-01 09:01:05.250"),
         f"{ms('2026-03-01 09:01:05.250')} ms since 1970-01-01", "Dinner at 7? 🍝", "message"),
        ("messages:4", FAMILY, GRAN, Direction.RECEIVED, utc("2026-03-01 09:02:00"),
         f"{ms('2026-03-01 09:02:00')} ms since 1970-01-01", "Привет всем! 你好", "message"),
        ("messages:5", FAMILY, MUM, Direction.RECEIVED, utc("2026-03-01 09:04:00"),
         f"{ms('2026-03-01 09:04:00')} ms since 1970-01-01", None, "system"),
        ("messages:6", FRIEND, OWNER, Direction.SENT, utc("2026-03-02 18:30:00"),
         f"{ms('2026-03-02 18:30:00')} ms since 1970-01-01", "Look what we caught at the lake", "message"),
        ("messages:7", FRIEND, FRIEND, Direction.RECEIVED, utc("2026-03-02 18:31:10"),
         f"{ms('2026-03-02 18:31:10')} ms since 1970-01-01", "Lovely goldfish!", "message"),
    ]  # fmt: skip
    assert found.messages[4].attachments == (
        Attachment("IMG-20260302-WA0001.jpg", None, "image/jpeg", 1234, photo_sha256().hex(),
                   f"{LABEL}//messages:6"),
    )  # fmt: skip
    assert [m.deleted for m in found.messages] == [False, False, False, True, False, False]
    assert [(c.key, c.title) for c in found.conversations] == [(FAMILY, "Family"), (FRIEND, None)]
    assert [p.key for p in found.conversations[0].participants] == [OWNER, MUM, GRAN]


def test_a_database_without_whatsapp_tables_is_not_recognised(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (body TEXT)")
    connection.close()
    assert not WhatsAppAndroidReader().recognises(Source(path, "x"))
    with pytest.raises(Exception, match="no WhatsApp message tables"):
        WhatsAppAndroidReader().read(Source(path, "x"), Limits())
