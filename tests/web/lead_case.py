"""A scanned case whose phone holds three WhatsApp chats, for the Leads queue: one with every planted grooming
indicator (``tests.conversations.test_indicators.PLANTED``, sent by Alex), adults flirting
(``ADULTS_FLIRTING[0]``, which must not rise above low) and one whose texts and contact name are hostile HTML.

Benign and synthetic throughout: made-up numbers from Ofcom's drama range, non-explicit texts, the schema of
``tests.conversations.test_whatsapp_android``, and a made-up hash set of two shared benign photos.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from tests.conversations.test_indicators import ADULTS_FLIRTING, PLANTED, START
from tests.conversations.test_whatsapp_android import CURRENT_SCHEMA, WA_SCHEMA, ms
from tests.scan.conversation_phone import DATABASES, photo_hashset
from tests.web.small_case import SmallCase, scanned_case

ALEX = "447700900011@s.whatsapp.net"
JO = "447700900012@s.whatsapp.net"
KIM = "447700900013@s.whatsapp.net"
KIM_NAME = "<b>Kim</b><script>alert('name')</script>"
HOSTILE = [
    (KIM, "<script>alert('x')</script> how old are you?"),
    ("owner", "<img src=x onerror=alert(1)> </mark><b>bold</b>"),
]
PLANTED_TEXTS = [text for _, text, _ in PLANTED]


def _chats() -> list[tuple[str, list[tuple[str, str]]]]:
    planted = [(ALEX if sender == PLANTED[0][0] else "owner", text) for sender, text, _ in PLANTED]
    first = ADULTS_FLIRTING[0][0][0]
    adults = [(JO if sender == first else "owner", text) for sender, text in ADULTS_FLIRTING[0]]
    return [(ALEX, planted), (JO, adults), (KIM, HOSTILE)]


def build_msgstore(path: Path) -> None:
    """The three chats, one per contact, a minute between messages."""
    connection = sqlite3.connect(path)
    connection.executescript(CURRENT_SCHEMA)
    row = 0
    for chat, (jid, lines) in enumerate(_chats(), 1):
        user, server = jid.split("@")
        connection.execute(
            "INSERT INTO jid (_id, user, server, raw_string) VALUES (?, ?, ?, ?)", (chat, user, server, jid)
        )
        connection.execute("INSERT INTO chat (_id, jid_row_id) VALUES (?, ?)", (chat, chat))
        for index, (sender, text) in enumerate(lines):
            row += 1
            when = (START + timedelta(days=chat, minutes=index)).strftime("%Y-%m-%d %H:%M:%S")
            connection.execute(
                "INSERT INTO message (_id, chat_row_id, from_me, key_id, sender_jid_row_id, timestamp,"
                " message_type, text_data, sort_id) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
                (row, chat, int(sender == "owner"), f"KEY{row}", 0 if sender == "owner" else chat, ms(when),
                 text, row),
            )  # fmt: skip
    connection.commit()
    connection.close()


def build_contacts(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.executescript(WA_SCHEMA)
    for jid, name in ((ALEX, "Alex"), (JO, "Jo"), (KIM, KIM_NAME)):
        connection.execute(
            "INSERT INTO wa_contacts (jid, is_whatsapp_user, display_name) VALUES (?, 1, ?)", (jid, name)
        )
    connection.commit()
    connection.close()


def build_lead_case(root: Path) -> SmallCase:
    """Build the phone, scan it into a case, and add the review app's test accounts."""
    phone = root / "phone"
    databases = phone / DATABASES
    databases.mkdir(parents=True)
    build_msgstore(databases / "msgstore.db")
    build_contacts(databases / "wa.db")
    return scanned_case(root, phone, photo_hashset(root))
