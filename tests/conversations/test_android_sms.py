"""Android SMS and MMS: every fixture message of an mmssms.db built here recovered exactly."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from warden.conversations.android_sms import AndroidSmsReader
from warden.conversations.collect import OWNER
from warden.conversations.model import Attachment, Direction
from warden.conversations.readers import Limits, Source

LABEL = "phone.E01//p3//data/user_de/0/com.android.providers.telephony/databases/mmssms.db"
MUM = "+447700900002"
SAM = "+447700900004"
PART = "/data/user/0/com.android.providers.telephony/app_parts/PART_1"

SCHEMA = """
CREATE TABLE canonical_addresses (_id INTEGER PRIMARY KEY AUTOINCREMENT, address TEXT);
CREATE TABLE threads (_id INTEGER PRIMARY KEY AUTOINCREMENT, date INTEGER DEFAULT 0,
  message_count INTEGER DEFAULT 0,
  recipient_ids TEXT, snippet TEXT, snippet_cs INTEGER DEFAULT 0, read INTEGER DEFAULT 1,
  archived INTEGER DEFAULT 0,
  type INTEGER DEFAULT 0, error INTEGER DEFAULT 0, has_attachment INTEGER DEFAULT 0);
CREATE TABLE sms (_id INTEGER PRIMARY KEY, thread_id INTEGER, address TEXT, person INTEGER, date INTEGER,
  date_sent INTEGER DEFAULT 0, protocol INTEGER, read INTEGER DEFAULT 0, status INTEGER DEFAULT -1,
  type INTEGER,
  reply_path_present INTEGER, subject TEXT, body TEXT, service_center TEXT, locked INTEGER DEFAULT 0,
  sub_id INTEGER DEFAULT -1, error_code INTEGER DEFAULT 0, creator TEXT, seen INTEGER DEFAULT 0);
CREATE TABLE pdu (_id INTEGER PRIMARY KEY AUTOINCREMENT, thread_id INTEGER, date INTEGER,
  date_sent INTEGER DEFAULT 0,
  msg_box INTEGER, read INTEGER DEFAULT 0, m_id TEXT, sub TEXT, sub_cs INTEGER, ct_t TEXT, ct_l TEXT,
  exp INTEGER,
  m_cls TEXT, m_type INTEGER, v INTEGER, m_size INTEGER, pri INTEGER, rr INTEGER, rpt_a INTEGER,
  resp_st INTEGER,
  st INTEGER, tr_id TEXT, retr_st INTEGER, retr_txt TEXT, retr_txt_cs INTEGER, read_status INTEGER,
  ct_cls INTEGER,
  resp_txt TEXT, d_tm INTEGER, d_rpt INTEGER, locked INTEGER DEFAULT 0, sub_id INTEGER DEFAULT -1,
  seen INTEGER DEFAULT 0,
  creator TEXT, text_only INTEGER DEFAULT 0);
CREATE TABLE part (_id INTEGER PRIMARY KEY AUTOINCREMENT, mid INTEGER, seq INTEGER DEFAULT 0, ct TEXT,
  name TEXT,
  chset INTEGER, cd TEXT, fn TEXT, cid TEXT, cl TEXT, ctt_s INTEGER, ctt_t TEXT, _data TEXT, text TEXT);
CREATE TABLE addr (_id INTEGER PRIMARY KEY, msg_id INTEGER, contact_id INTEGER, address TEXT, type INTEGER,
  charset INTEGER);
"""


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()) * 1000


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_every_message_is_recovered_exactly(tmp_path: Path) -> None:
    path = tmp_path / "mmssms.db"
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    connection.execute("INSERT INTO canonical_addresses (_id, address) VALUES (1, ?), (2, ?)", (MUM, SAM))
    connection.execute("INSERT INTO threads (_id, recipient_ids) VALUES (1, '1'), (2, '2')")
    sms = [
        (1, 1, MUM, "2026-03-01 09:01:05", 1, "Dinner at 7? 🍝"),
        (2, 1, MUM, "2026-03-01 09:03:00", 2, "Привет! On my way 你好"),
    ]
    for _id, thread, address, when, kind, body in sms:
        connection.execute(
            "INSERT INTO sms (_id, thread_id, address, date, type, body, read,"
            " seen) VALUES (?, ?, ?, ?, ?, ?, 1, 1)",
            (_id, thread, address, ms(when), kind, body),
        )
    connection.execute("INSERT INTO pdu (_id, thread_id, date, msg_box, m_type, sub) VALUES"
        " (1, 2, ?, 2, 128, NULL)",
                       (ms("2026-03-02 18:30:00") // 1000,))  # fmt: skip
    connection.execute("INSERT INTO pdu (_id, thread_id, date, msg_box, m_type, sub) VALUES"
        " (2, 2, ?, 1, 132, NULL)",
                       (ms("2026-03-02 18:31:10") // 1000,))  # fmt: skip
    parts = [
        (1, 1, -1, "application/smil", None, None, "<smil/>"),
        (2, 1, 0, "image/jpeg", "IMG_0042.jpg", PART, None),
        (3, 1, 1, "text/plain", "text_0.txt", None, "Look what we caught at the lake"),
        (4, 2, 0, "text/plain", None, None, "Lovely goldfish!"),
    ]  # fmt: skip
    for _id, mid, seq, ct, name, data, text in parts:
        connection.execute(
            "INSERT INTO part (_id, mid, seq, ct, cl, _data, text) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (_id, mid, seq, ct, name, data, text),
        )
    for _id, msg, address, kind in ((1, 1, "insert-address-token", 137), (2, 1, SAM, 151), (3, 2, SAM, 137),
                                     (4, 2, "insert-address-token", 151)):  # fmt: skip
        connection.execute(
            "INSERT INTO addr (_id, msg_id, address, type) VALUES (?, ?, ?, ?)", (_id, msg, address, kind)
        )
    connection.commit()
    connection.close()
    source = Source(path, LABEL)
    assert AndroidSmsReader().recognises(source)

    found = AndroidSmsReader().read(source, Limits())

    assert found.problems == []
    got = [
        (m.provenance, m.conversation, m.sender, m.direction, m.utc, m.raw_time, m.text)
        for m in found.messages
    ]
    assert got == [
        (f"{LABEL}//sms:1", "thread:1", MUM, Direction.RECEIVED, utc("2026-03-01 09:01:05"),
         f"{ms('2026-03-01 09:01:05')} ms since 1970-01-01", "Dinner at 7? 🍝"),
        (f"{LABEL}//sms:2", "thread:1", OWNER, Direction.SENT, utc("2026-03-01 09:03:00"),
         f"{ms('2026-03-01 09:03:00')} ms since 1970-01-01", "Привет! On my way 你好"),
        (f"{LABEL}//pdu:1", "thread:2", OWNER, Direction.SENT, utc("2026-03-02 18:30:00"),
         f"{ms('2026-03-02 18:30:00') // 1000} s since 1970-01-01", "Look what we caught at the lake"),
        (f"{LABEL}//pdu:2", "thread:2", SAM, Direction.RECEIVED, utc("2026-03-02 18:31:10"),
         f"{ms('2026-03-02 18:31:10') // 1000} s since 1970-01-01", "Lovely goldfish!"),
    ]  # fmt: skip
    assert found.messages[2].attachments == (
        Attachment("IMG_0042.jpg", PART, "image/jpeg",
                   provenance=f"{LABEL}//part:2"),
    )  # fmt: skip
    assert [(c.key, [p.key for p in c.participants], c.provenance) for c in found.conversations] == [
        ("thread:1", [OWNER, MUM], f"{LABEL}//threads:1"),
        ("thread:2", [OWNER, SAM], f"{LABEL}//threads:2"),
    ]
