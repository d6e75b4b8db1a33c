"""WhatsApp on iOS: every fixture message of a ChatStorage.sqlite built here recovered exactly."""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from tests.media import media
from warden.conversations.collect import OWNER
from warden.conversations.model import Attachment, Direction, Message
from warden.conversations.readers import Limits, Source
from warden.conversations.whatsapp_ios import WhatsAppIosReader

LABEL = "phone.ufdr//AppDomainGroup-group.net.whatsapp.WhatsApp.shared/ChatStorage.sqlite"
FAMILY = "447700900001-1701000000@g.us"
MUM = "447700900002@s.whatsapp.net"
GRAN = "447700900003@s.whatsapp.net"
FRIEND = "447700900004@s.whatsapp.net"
PHOTO = "n01443537_goldfish.jpg"
APPLE = datetime(2001, 1, 1, tzinfo=UTC)

SCHEMA = """
CREATE TABLE ZWACHATSESSION (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZARCHIVED INTEGER,
  ZHIDDEN INTEGER, ZMESSAGECOUNTER INTEGER, ZREMOVED INTEGER, ZSESSIONTYPE INTEGER, ZUNREADCOUNT INTEGER,
  ZGROUPINFO INTEGER, ZLASTMESSAGE INTEGER, ZLASTMESSAGEDATE TIMESTAMP, ZCONTACTJID VARCHAR,
  ZPARTNERNAME VARCHAR);
CREATE TABLE ZWAGROUPMEMBER (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZISACTIVE INTEGER,
  ZISADMIN INTEGER, ZCHATSESSION INTEGER, ZCONTACTNAME VARCHAR, ZFIRSTNAME VARCHAR, ZMEMBERJID VARCHAR);
CREATE TABLE ZWAMESSAGE (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZCHILDMESSAGESDELIVEREDCOUNT INTEGER,
  ZDOCID INTEGER, ZFLAGS INTEGER, ZGROUPEVENTTYPE INTEGER, ZISFROMME INTEGER, ZMESSAGEERRORSTATUS INTEGER,
  ZMESSAGESTATUS INTEGER, ZMESSAGETYPE INTEGER, ZSORT INTEGER, ZSPOTLIGHTSTATUS INTEGER, ZCHATSESSION INTEGER,
  ZGROUPMEMBER INTEGER, ZMEDIAITEM INTEGER, ZMESSAGEINFO INTEGER, ZMESSAGEDATE TIMESTAMP, ZSENTDATE TIMESTAMP,
  ZFROMJID VARCHAR, ZMEDIASECTIONID VARCHAR, ZPUSHNAME VARCHAR, ZSTANZAID VARCHAR, ZTEXT VARCHAR,
  ZTOJID VARCHAR);
CREATE TABLE ZWAMEDIAITEM (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZCLOUDSTATUS INTEGER,
  ZFILESIZE INTEGER, ZMOVIEDURATION INTEGER, ZMESSAGE INTEGER, ZLATITUDE FLOAT, ZLONGITUDE FLOAT,
  ZMEDIAURLDATE TIMESTAMP, ZAUTHORNAME VARCHAR, ZCOLLECTIONNAME VARCHAR, ZMEDIALOCALPATH VARCHAR,
  ZMEDIAURL VARCHAR,
  ZTHUMBNAILLOCALPATH VARCHAR, ZTITLE VARCHAR, ZVCARDNAME VARCHAR, ZVCARDSTRING VARCHAR,
  ZXMPPTHUMBPATH VARCHAR,
  ZMEDIAKEY BLOB, ZMETADATA BLOB);
"""


def seconds(text: str) -> float:
    return (datetime.fromisoformat(text).replace(tzinfo=UTC) - APPLE).total_seconds()


def test_every_message_is_recovered_exactly(tmp_path: Path) -> None:
    path = tmp_path / "ChatStorage.sqlite"
    digest = hashlib.sha256(media("photos", PHOTO).read_bytes()).digest()
    size = media("photos", PHOTO).stat().st_size
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    connection.execute("INSERT INTO ZWACHATSESSION (Z_PK, ZCONTACTJID, ZPARTNERNAME,"
        " ZSESSIONTYPE) VALUES (1, ?, ?, 1)",
                       (FAMILY, "Family 👨‍👩‍👧"))  # fmt: skip
    connection.execute("INSERT INTO ZWACHATSESSION (Z_PK, ZCONTACTJID, ZPARTNERNAME,"
        " ZSESSIONTYPE) VALUES (2, ?, ?, 0)",
                       (FRIEND, "Sam Lee"))  # fmt: skip
    connection.execute("INSERT INTO ZWAGROUPMEMBER (Z_PK, ZCHATSESSION, ZMEMBERJID,"
        " ZCONTACTNAME) VALUES (1, 1, ?, 'Mum')",
                       (MUM,))  # fmt: skip
    connection.execute("INSERT INTO ZWAGROUPMEMBER (Z_PK, ZCHATSESSION, ZMEMBERJID,"
        " ZCONTACTNAME) VALUES (2, 1, ?, ?)",
                       (GRAN, "Бабушка"))  # fmt: skip
    rows = [
        # Z_PK, chat, from_me, member, from_jid, type, text, date
        (1, 1, 0, None, FAMILY, 6, None, "2026-03-01 09:00:00"),
        (2, 1, 0, 1, FAMILY, 0, "Dinner at 7? 🍝", "2026-03-01 09:01:05.5"),
        (3, 1, 0, 2, FAMILY, 0, "Привет всем! 你好", "2026-03-01 09:02:00"),
        (4, 1, 1, None, None, 0, "On my way", "2026-03-01 09:03:00"),
        (5, 1, 0, 1, FAMILY, 14, None, "2026-03-01 09:04:00"),
        (6, 2, 1, None, None, 1, None, "2026-03-02 18:30:00"),
        (7, 2, 0, None, FRIEND, 0, "Lovely goldfish!", "2026-03-02 18:31:10"),
    ]
    for pk, chat, me, member, from_jid, kind, text, when in rows:
        connection.execute(
            "INSERT INTO ZWAMESSAGE (Z_PK, ZCHATSESSION, ZISFROMME, ZGROUPMEMBER,"
            " ZFROMJID, ZMESSAGETYPE, ZTEXT,"
            " ZMESSAGEDATE, ZMEDIAITEM) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (pk, chat, me, member, from_jid, kind, text, seconds(when), 1 if pk == 6 else None),
        )
    connection.execute(
        "INSERT INTO ZWAMEDIAITEM (Z_PK, ZMESSAGE, ZMEDIALOCALPATH, ZTITLE,"
        " ZFILESIZE, ZVCARDSTRING, ZVCARDNAME)"
        " VALUES (1, 6, ?, 'Look what we caught at the lake', ?, 'image/jpeg', ?)",
        ("Media/447700900004@s.whatsapp.net/a/b/3F2A.jpg", size, base64.b64encode(digest).decode()),
    )
    connection.commit()
    connection.close()
    source = Source(path, LABEL)
    assert WhatsAppIosReader().recognises(source)

    found = WhatsAppIosReader().read(source, Limits())

    def message(
        pk: int, chat: str, sender: str | None, when: str, text: str | None, **more: object
    ) -> Message:
        direction = Direction.SENT if sender == OWNER else Direction.RECEIVED
        moment = datetime.fromisoformat(when).replace(tzinfo=UTC)
        stored = seconds(when)  # a TIMESTAMP column has NUMERIC affinity: whole seconds are kept as integers
        raw = f"{int(stored) if stored.is_integer() else stored} s since 2001-01-01"
        return Message(
            chat, sender, direction, moment, raw, text, provenance=f"{LABEL}//ZWAMESSAGE:{pk}", **more
        )  # type: ignore[arg-type]

    photo = Attachment("3F2A.jpg", "Media/447700900004@s.whatsapp.net/a/b/3F2A.jpg", "image/jpeg", size,
                       digest.hex(), f"{LABEL}//ZWAMEDIAITEM:1")  # fmt: skip
    assert found.problems == []
    assert found.messages == [
        message(1, FAMILY, None, "2026-03-01 09:00:00", None, kind="system"),
        message(2, FAMILY, MUM, "2026-03-01 09:01:05.5", "Dinner at 7? 🍝"),
        message(3, FAMILY, GRAN, "2026-03-01 09:02:00", "Привет всем! 你好"),
        message(4, FAMILY, OWNER, "2026-03-01 09:03:00", "On my way"),
        message(5, FAMILY, MUM, "2026-03-01 09:04:00", None, kind="system", deleted=True),
        message(
            6, FRIEND, OWNER, "2026-03-02 18:30:00", "Look what we caught at the lake", attachments=(photo,)
        ),
        message(7, FRIEND, FRIEND, "2026-03-02 18:31:10", "Lovely goldfish!"),
    ]
    family, friend = found.conversations
    assert [(p.key, p.name) for p in family.participants] == [(OWNER, None), (MUM, "Mum"), (GRAN, "Бабушка")]
    assert (friend.key, friend.title, friend.participants[1].name) == (FRIEND, "Sam Lee", "Sam Lee")
