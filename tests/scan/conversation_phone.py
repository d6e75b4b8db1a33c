"""A phone's extraction built here, as a folder: WhatsApp's ``msgstore.db`` and ``wa.db`` (the schema of
``tests.conversations.test_whatsapp_android``) holding a chat in which the owner sends one benign photo from
``../shared/media`` and receives another, both kept at WhatsApp's media paths in the same extraction, and a
made-up hash set listing both photos with made-up categories."""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from pathlib import Path

from tests.conversations.test_whatsapp_android import CURRENT_SCHEMA, FRIEND, build_contacts, ms
from tests.media import media

SENT_PHOTO = "n01443537_goldfish.jpg"
RECEIVED_PHOTO = "n01440764_tench.jpg"
DATABASES = "data/data/com.whatsapp/databases"
MEDIA = "media/0/Android/media/com.whatsapp/WhatsApp"
SENT_AT = "2026-12-01 18:30:00"
RECEIVED_AT = "2026-12-01 18:31:10"
SENT_PATH = "Media/WhatsApp Images/Sent/IMG-20261201-WA0003.jpg"
RECEIVED_PATH = "Media/WhatsApp Images/IMG-20261201-WA0004.jpg"


def photo(name: str) -> bytes:
    return media("photos", name).read_bytes()


def build_msgstore(path: Path) -> None:
    """A chat with Sam Lee: the owner sends a photo (WhatsApp recorded its SHA-256), Sam sends one back
    (only its path recorded), and a text message between them."""
    connection = sqlite3.connect(path)
    connection.executescript(CURRENT_SCHEMA)
    connection.execute(
        "INSERT INTO jid (_id, user, server, raw_string) VALUES (1, '447700900004', 's.whatsapp.net', ?)",
        (FRIEND,),
    )
    connection.execute("INSERT INTO chat (_id, jid_row_id) VALUES (1, 1)")
    rows = [
        (1, 1, 0, SENT_AT, 1, "Look what we caught at the lake"),
        (2, 0, 1, RECEIVED_AT, 1, None),
        (3, 0, 1, "2026-12-01 18:32:00", 0, "Lovely!"),
    ]
    for _id, from_me, sender, when, kind, text in rows:
        connection.execute(
            "INSERT INTO message (_id, chat_row_id, from_me, key_id, sender_jid_row_id, timestamp,"
            " message_type,"
            " text_data, sort_id) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)",
            (_id, from_me, f"KEY{_id}", sender, ms(when), kind, text, _id),
        )
    sent_hash = base64.b64encode(hashlib.sha256(photo(SENT_PHOTO)).digest()).decode()
    for row, file_path, digest in ((1, SENT_PATH, sent_hash), (2, RECEIVED_PATH, None)):
        connection.execute(
            "INSERT INTO message_media (message_row_id, chat_row_id, file_path, mime_type, file_hash)"
            " VALUES (?, 1, ?, 'image/jpeg', ?)",
            (row, file_path, digest),
        )
    connection.commit()
    connection.close()


def build_phone(root: Path) -> Path:
    """The extraction's folder, ``root/phone``."""
    phone = root / "phone"
    databases = phone / DATABASES
    databases.mkdir(parents=True)
    build_msgstore(databases / "msgstore.db")
    build_contacts(databases / "wa.db")
    for relative, name in ((SENT_PATH, SENT_PHOTO), (RECEIVED_PATH, RECEIVED_PHOTO)):
        target = phone / MEDIA / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(photo(name))
    return phone


def photo_hashset(folder: Path) -> Path:
    """``folder/set.csv``: the sent photo in category A, the received one in category B (made up)."""
    rows = [f"{hashlib.md5(photo(SENT_PHOTO)).hexdigest()},,,,A,T-SENT"]
    rows.append(f"{hashlib.md5(photo(RECEIVED_PHOTO)).hexdigest()},,,,B,T-RECEIVED")
    path = folder / "set.csv"
    path.write_text("md5,sha1,sha256,pdq,category,source_id\n" + "\n".join(rows) + "\n")
    return path
