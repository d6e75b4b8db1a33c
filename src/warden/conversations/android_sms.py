"""SMS and MMS on Android: the telephony provider's ``mmssms.db``.

SMS are rows of ``sms`` (``type`` 1 received; 2 sent, and 3-6 draft, outbox, failed, queued, all written on
the device), times in Unix milliseconds. An MMS is a row of ``pdu`` (``msg_box`` 1 received), its sender and
recipients in ``addr`` (``type`` 137 from, 151 to, 130 cc, 129 bcc), its text and files in ``part`` (text
parts carry ``text``; files name their copy in ``_data``), its time in Unix seconds. A conversation is a
``thread_id``; its people come from ``threads.recipient_ids`` and ``canonical_addresses`` where present.
"""

from __future__ import annotations

import sqlite3

from warden.conversations.collect import OWNER, Collector, integer
from warden.conversations.database_reader import DatabaseReader, Tables
from warden.conversations.device_times import unix_milliseconds, unix_seconds
from warden.conversations.model import (
    Attachment,
    Conversation,
    Direction,
    Message,
    Participant,
)
from warden.conversations.readers import Source
from warden.conversations.sqlite_copy import Database

SMS_RECEIVED = 1
MMS_RECEIVED = 1
MMS_FROM = 137
_TEXT_TYPES = frozenset({"text/plain"})
_SKIPPED_TYPES = frozenset({"application/smil"})
"""The SMIL part only lays the others out on screen."""
_SMS = ("_id", "thread_id", "address", "date", "type", "body")
_PDU = ("_id", "thread_id", "date", "msg_box", "sub")
_PART = ("_id", "mid", "seq", "ct", "name", "cl", "fn", "_data", "text")


def _known(tables: dict[str, set[str]]) -> bool:
    return {"thread_id", "body"} <= tables.get("sms", set()) and ("pdu" in tables or "threads" in tables)


class AndroidSmsReader(DatabaseReader):
    """Android's ``mmssms.db``: SMS and MMS."""

    name = "android-sms"
    needs = "SMS tables (sms with thread_id and body; pdu or threads)"

    def known(self, tables: Tables) -> bool:
        """The telephony provider's tables."""
        return _known(tables)

    def read_tables(self, database: Database, tables: Tables, source: Source, found: Collector) -> None:
        """Every chat and message."""
        _Threads(database, found).read()


class _Threads:
    """The conversations (threads) of one database, listed as their messages are met."""

    def __init__(self, database: Database, found: Collector) -> None:
        self.database = database
        self.found = found
        self.listed: set[str] = set()
        self.people: dict[int, list[str]] = {}
        if {"_id", "address"} <= database.columns("canonical_addresses") and database.has_table("threads"):
            addresses = {
                row["_id"]: row["address"]
                for row in database.rows(
                    "SELECT _id, address FROM canonical_addresses", what="canonical_addresses"
                )
                if isinstance(row["address"], str)
            }
            for row in database.rows("SELECT _id, recipient_ids FROM threads", what="threads"):
                ids = row["recipient_ids"].split() if isinstance(row["recipient_ids"], str) else []
                self.people[row["_id"]] = [
                    addresses[int(i)] for i in ids if i.isdigit() and int(i) in addresses
                ]

    def conversation(self, thread: object, where: str, seen: list[str]) -> str:
        """The key of ``thread``, listing its conversation the first time."""
        key = f"thread:{thread}"
        if key not in self.listed:
            self.listed.add(key)
            thread_id = integer(thread)
            others = self.people.get(thread_id, []) if thread_id is not None else []
            others = others or [address for address in seen if address]
            people = (Participant(OWNER, is_owner=True), *(Participant(address) for address in others))
            provenance = f"{self.found.label}//threads:{thread}" if thread_id in self.people else where
            self.found.conversation(Conversation(key, self.found.result.source, None, people, provenance))
        return key

    def read(self) -> None:
        self._sms()
        if not self.found.full and self.database.has_table("pdu"):
            self._mms()

    def _sms(self) -> None:
        found = self.found
        sql = f"SELECT {self.database.pick('sms', _SMS)} FROM sms ORDER BY _id"  # noqa: S608 (our names)
        for row in self.database.rows(sql, what="sms"):
            provenance = found.where("sms", row["_id"])
            address = found.text(row["address"], provenance, "address")
            received = integer(row["type"]) == SMS_RECEIVED
            utc, raw = unix_milliseconds(row["date"])
            message = Message(
                conversation=self.conversation(row["thread_id"], provenance, [address or ""]),
                sender=address if received else OWNER,
                direction=Direction.RECEIVED if received else Direction.SENT,
                utc=utc,
                raw_time=raw,
                text=found.text(row["body"], provenance),
                provenance=provenance,
            )
            if not found.message(message):
                return

    def _mms(self) -> None:
        found, database = self.found, self.database
        senders: dict[int, str] = {}
        recipients: dict[int, list[str]] = {}
        if {"msg_id", "address", "type"} <= database.columns("addr"):
            for row in database.rows("SELECT _id, msg_id, address, type FROM addr ORDER BY _id", what="addr"):
                address = found.text(row["address"], found.where("addr", row["_id"]), "address")
                if not address or address == "insert-address-token":  # the device's own number, unknown
                    continue
                if integer(row["type"]) == MMS_FROM:
                    senders[row["msg_id"]] = address
                else:
                    recipients.setdefault(row["msg_id"], []).append(address)
        texts: dict[int, list[str]] = {}
        files: dict[int, list[Attachment]] = {}
        if database.has_table("part"):
            sql = f"SELECT {database.pick('part', _PART)} FROM part ORDER BY mid, seq, _id"  # noqa: S608
            for row in database.rows(sql, what="part"):
                _part(found, row, texts, files)
        sql = f"SELECT {database.pick('pdu', _PDU)} FROM pdu ORDER BY _id"  # noqa: S608 (our names)
        for row in database.rows(sql, what="pdu"):
            provenance = found.where("pdu", row["_id"])
            received = integer(row["msg_box"]) == MMS_RECEIVED
            sender = senders.get(row["_id"])
            seen = [sender or "", *recipients.get(row["_id"], [])]
            utc, raw = unix_seconds(row["date"])
            text = "\n".join(texts.get(row["_id"], [])) or found.text(row["sub"], provenance, "subject")
            message = Message(
                conversation=self.conversation(row["thread_id"], provenance, seen),
                sender=sender if received else OWNER,
                direction=Direction.RECEIVED if received else Direction.SENT,
                utc=utc,
                raw_time=raw,
                text=text or None,
                attachments=tuple(files.get(row["_id"], ())),
                provenance=provenance,
            )
            if not found.message(message):
                return


def _part(
    found: Collector, row: sqlite3.Row, texts: dict[int, list[str]], files: dict[int, list[Attachment]]
) -> None:
    """One MMS part: text to its message's text, a file to its attachments, the layout skipped."""
    where = found.where("part", row["_id"])
    mime = (found.text(row["ct"], where, "content type") or "").lower() or None
    message = integer(row["mid"])
    if message is None or mime in _SKIPPED_TYPES:
        return
    if mime in _TEXT_TYPES and row["_data"] is None:
        text = found.text(row["text"], where)
        if text is not None:
            texts.setdefault(message, []).append(text)
        return
    name = next(
        (found.text(row[c], where, "file name") for c in ("name", "cl", "fn") if row[c] is not None), None
    )
    files.setdefault(message, []).append(
        Attachment(name=name, path=found.text(row["_data"], where, "file path"), mime=mime, provenance=where)
    )
