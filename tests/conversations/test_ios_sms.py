"""iOS Messages: every fixture message of an sms.db built here recovered exactly, attributedBody included."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from warden.conversations.collect import OWNER
from warden.conversations.ios_sms import IosSmsReader, attributed_text
from warden.conversations.model import Attachment, Direction
from warden.conversations.readers import Limits, Source

LABEL = "iphone-backup//HomeDomain/Library/SMS/sms.db"
MUM = "+447700900002"
SAM = "sam@example.org"
ONLY_BODY = "Привет всем! 你好 — only in attributedBody"
PATH = "~/Library/SMS/Attachments/3f/15/A1/IMG_0042.jpeg"
APPLE = datetime(2001, 1, 1, tzinfo=UTC)

SCHEMA = """
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, country TEXT,
  service TEXT NOT NULL, uncanonicalized_id TEXT, person_centric_id TEXT);
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, style INTEGER,
  state INTEGER,
  account_id TEXT, properties BLOB, chat_identifier TEXT, service_name TEXT, room_name TEXT,
  account_login TEXT,
  is_archived INTEGER DEFAULT 0, last_addressed_handle TEXT, display_name TEXT, group_id TEXT);
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT,
  replace INTEGER DEFAULT 0, service_center TEXT, handle_id INTEGER DEFAULT 0, subject TEXT, country TEXT,
  attributedBody BLOB, version INTEGER DEFAULT 0, type INTEGER DEFAULT 0, service TEXT, account TEXT,
  account_guid TEXT, error INTEGER DEFAULT 0, date INTEGER, date_read INTEGER, date_delivered INTEGER,
  is_delivered INTEGER DEFAULT 0, is_finished INTEGER DEFAULT 0, is_from_me INTEGER DEFAULT 0,
  is_read INTEGER DEFAULT 0, is_sent INTEGER DEFAULT 0, cache_has_attachments INTEGER DEFAULT 0,
  item_type INTEGER DEFAULT 0, other_handle INTEGER DEFAULT 0, group_title TEXT,
  group_action_type INTEGER DEFAULT 0,
  date_edited INTEGER DEFAULT 0, date_retracted INTEGER DEFAULT 0);
CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
  message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, message_date INTEGER DEFAULT 0,
  PRIMARY KEY (chat_id, message_id));
CREATE TABLE chat_handle_join (chat_id INTEGER, handle_id INTEGER, UNIQUE(chat_id, handle_id));
CREATE TABLE chat_recoverable_message_join (chat_id INTEGER, message_id INTEGER, delete_date INTEGER,
  ck_sync_state INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id));
CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
  created_date INTEGER,
  start_date INTEGER, filename TEXT, uti TEXT, mime_type TEXT, transfer_state INTEGER, is_outgoing INTEGER,
  user_info BLOB, transfer_name TEXT, total_bytes INTEGER);
CREATE TABLE message_attachment_join (message_id INTEGER, attachment_id INTEGER, UNIQUE(message_id,
  attachment_id));
"""


def attributed_body(text: str) -> bytes:
    """An NSAttributedString archived as Messages archives it (typedstream: the string, one attribute run)."""
    data = text.encode("utf-8")
    length = bytes([len(data)]) if len(data) < 0x80 else b"\x81" + len(data).to_bytes(2, "little")
    key = b"__kIMMessagePartAttributeName"
    return (
        b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x12NSAttributedString\x00"
        b"\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x08NSString\x01\x94\x84\x01+" + length + data + b"\x86"
        b"\x84\x02iI\x01"
        + bytes([len(text.encode("utf-16-le")) // 2])
        + b"\x92\x84\x84\x84\x0cNSDictionary\x00\x94"
        b"\x84\x01i\x01\x92\x84\x96\x96" + bytes([len(key)]) + key + b"\x86"
        b"\x92\x84\x84\x84\x08NSNumber\x00\x84\x84\x07NSValue\x00\x94\x84\x01*\x84\x99\x99\x00\x86\x86\x86"
    )


def ns(text: str) -> int:
    """Nanoseconds since 2001-01-01 (iOS 11 and later)."""
    return int((datetime.fromisoformat(text).replace(tzinfo=UTC) - APPLE).total_seconds()) * 1_000_000_000


def test_the_text_of_an_attributed_body_is_read() -> None:
    assert attributed_text(attributed_body("See you at the café ☕")) == "See you at the café ☕"


def test_every_message_is_recovered_exactly(tmp_path: Path) -> None:
    path = tmp_path / "sms.db"
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    connection.execute("INSERT INTO handle (ROWID, id, service) VALUES (1, ?, 'iMessage')", (MUM,))
    connection.execute("INSERT INTO handle (ROWID, id, service) VALUES (2, ?, 'iMessage')", (SAM,))
    connection.execute("INSERT INTO chat (ROWID, guid, chat_identifier, display_name) VALUES"
        " (1, 'iMessage;+;chat1', "
                       "'chat123456', 'Family 👨‍👩‍👧')")  # fmt: skip
    connection.execute(
        "INSERT INTO chat (ROWID, guid, chat_identifier) VALUES (2, ?, ?)", (f"iMessage;-;{SAM}", SAM)
    )
    for chat, handle in ((1, 1), (1, 2), (2, 2)):
        connection.execute("INSERT INTO chat_handle_join VALUES (?, ?)", (chat, handle))
    rows = [
        # ROWID, chat, handle, from_me, text, attributedBody, date, item_type, recoverable
        (1, 1, 0, 1, None, None, "2026-03-01 09:00:00", 1, False),  # a member added: an event
        (2, 1, 1, 0, "Dinner at 7? 🍝", attributed_body("Dinner at 7? 🍝"), "2026-03-01 09:01:05", 0, False),
        (3, 1, 2, 0, None, attributed_body(ONLY_BODY), "2026-03-01 09:02:00", 0,
         False),
        (4, 2, 2, 1, "\ufffc", None, "2026-03-02 18:30:00", 0, False),
        (5, 2, 2, 0, "Lovely goldfish!", None, "2026-03-02 18:31:10", 0, False),
        (6, 2, 2, 0, "I'll bring the cake", None, "2026-03-02 18:40:00", 0, True),  # in Recently Deleted
    ]  # fmt: skip
    for rowid, chat, handle, me, text, body, when, item, recoverable in rows:
        connection.execute(
            "INSERT INTO message (ROWID, guid, text, handle_id, attributedBody,"
            " service, date, is_from_me, item_type)"
            " VALUES (?, ?, ?, ?, ?, 'iMessage', ?, ?, ?)",
            (rowid, f"GUID-{rowid}", text, handle, body, ns(when), me, item),
        )
        table = "chat_recoverable_message_join" if recoverable else "chat_message_join"
        connection.execute(f"INSERT INTO {table} (chat_id, message_id) VALUES (?, ?)", (chat, rowid))
    connection.execute(
        "INSERT INTO attachment (ROWID, guid, filename, mime_type,"
        " transfer_name, total_bytes) VALUES (1, 'A1', ?,"
        " 'image/jpeg', 'IMG_0042.jpeg', 12345)",
        ("~/Library/SMS/Attachments/3f/15/A1/IMG_0042.jpeg",),
    )
    connection.execute("INSERT INTO message_attachment_join VALUES (4, 1)")
    connection.commit()
    connection.close()
    source = Source(path, LABEL)
    assert IosSmsReader().recognises(source)

    found = IosSmsReader().read(source, Limits())

    assert found.problems == []
    got = [(m.provenance, m.conversation, m.sender, m.direction, m.utc, m.raw_time, m.text, m.kind, m.deleted)
           for m in found.messages]  # fmt: skip

    def at(when: str) -> tuple[datetime, str]:
        return datetime.fromisoformat(when).replace(tzinfo=UTC), f"{ns(when)} ns since 2001-01-01"

    received, sent = Direction.RECEIVED, Direction.SENT
    assert got == [
        (f"{LABEL}//message:1", "chat123456", OWNER, sent, *at("2026-03-01 09:00:00"), None, "system", False),
        (f"{LABEL}//message:2", "chat123456", MUM, received, *at("2026-03-01 09:01:05"), "Dinner at 7? 🍝",
         "message", False),
        (f"{LABEL}//message:3", "chat123456", SAM, received, *at("2026-03-01 09:02:00"),
         ONLY_BODY, "message", False),
        (f"{LABEL}//message:4", SAM, OWNER, sent, *at("2026-03-02 18:30:00"), "\ufffc", "message", False),
        (f"{LABEL}//message:5", SAM, SAM, received, *at("2026-03-02 18:31:10"), "Lovely goldfish!", "message",
         False),
        (f"{LABEL}//message:6", SAM, SAM, received, *at("2026-03-02 18:40:00"), "I'll bring the cake",
         "message", True),
    ]  # fmt: skip
    assert found.messages[3].attachments == (
        Attachment("IMG_0042.jpeg", PATH, "image/jpeg", 12345, None,
                   f"{LABEL}//attachment:1"),
    )  # fmt: skip
    family, sam = found.conversations
    assert (family.title, [p.key for p in family.participants]) == ("Family 👨‍👩‍👧", [OWNER, MUM, SAM])
    assert (sam.key, [p.key for p in sam.participants]) == (SAM, [OWNER, SAM])


def test_seconds_since_2001_before_ios_11_are_read(tmp_path: Path) -> None:
    path = tmp_path / "sms.db"
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    connection.execute("INSERT INTO handle (ROWID, id, service) VALUES (1, ?, 'SMS')", (MUM,))
    connection.execute(
        "INSERT INTO message (ROWID, guid, text, handle_id, date) VALUES (1, 'G', 'Hi', 1, 500000000)"
    )
    connection.commit()
    connection.close()

    (message,) = IosSmsReader().read(Source(path, LABEL), Limits()).messages

    assert (message.utc, message.raw_time) == (
        datetime(2016, 11, 5, 0, 53, 20, tzinfo=UTC),
        "500000000 s since 2001-01-01",
    )
    assert message.conversation == MUM


def test_a_damaged_attributed_body_is_a_problem_of_its_row(tmp_path: Path) -> None:
    path = tmp_path / "sms.db"
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    connection.execute("INSERT INTO handle (ROWID, id, service) VALUES (1, ?, 'SMS')", (MUM,))
    broken = attributed_body("cut short")[:40]
    connection.execute("INSERT INTO message (ROWID, guid, handle_id, attributedBody, date)"
        " VALUES (1, 'G', 1, ?, 0)",
                       (broken,))  # fmt: skip
    connection.execute(
        "INSERT INTO message (ROWID, guid, text, handle_id, date) VALUES (2, 'H', 'fine', 1, 0)"
    )
    connection.commit()
    connection.close()

    found = IosSmsReader().read(Source(path, LABEL), Limits())

    assert [m.text for m in found.messages] == [None, "fine"]
    (problem,) = found.problems
    assert problem.provenance == f"{LABEL}//message:1"
    assert "attributedBody is not a readable typedstream" in problem.message
