"""Telegram Desktop's JSON export (``result.json``): one chat ("Export chat history"), or every chat of an
account ("Export Telegram data", ``chats.list[]`` and ``left_chats.list[]``), with ``personal_information``
naming the account's owner.

Each message has ``date_unixtime`` (UTC seconds, read as UTC) beside ``date`` (the exporting computer's local
time, no zone: read only when ``date_unixtime`` is missing and a zone is given). Photos and files are paths
inside the export; a file the export left out (``(File not included...)``) keeps its name, not a path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from pathlib import Path, PurePosixPath
from typing import Any

from warden.conversations.device_times import unix_seconds
from warden.conversations.export_files import (
    ExportReader,
    Tally,
    head_text,
    load_json,
    local_to_utc,
    number_of,
    place,
    text_of,
    zone_of,
)
from warden.conversations.model import (
    Attachment,
    Conversation,
    Conversations,
    Direction,
    Message,
    Participant,
)
from warden.conversations.readers import Limits, Source, SourceError

FILE_NAME = "result.json"
_CHAT_TYPES = (
    "personal_chat|private_group|private_supergroup|public_supergroup|private_channel|public_channel|"
    "bot_chat|saved_messages|replies"
)
_LOOKS_LIKE = re.compile(
    rf'"type"\s*:\s*"({_CHAT_TYPES})"|"date_unixtime"\s*:|"personal_information"\s*:\s*\{{'
)


def _file(source: Source) -> Path:
    return source.path / FILE_NAME if source.path.is_dir() else source.path


def _owner(export: Mapping[str, Any]) -> Participant | None:
    """The account that made a full export (a single chat's export does not say)."""
    info = export.get("personal_information")
    if not isinstance(info, dict) or number_of(info.get("user_id")) is None:
        return None
    names = [info.get("first_name"), info.get("last_name")]
    name = " ".join(n for n in names if isinstance(n, str) and n) or None
    return Participant(f"user{info['user_id']}", name, is_owner=True)


def _chats(export: Mapping[str, Any]) -> list[tuple[str, object]]:
    """(path in the JSON, chat) for every chat in the export."""
    if "messages" in export:
        return [("", export)]
    found: list[tuple[str, object]] = []
    for key in ("chats", "left_chats"):
        block = export.get(key)
        chats = block.get("list") if isinstance(block, dict) else None
        if isinstance(chats, list):
            found += [(f"{key}.list[{index}].", chat) for index, chat in enumerate(chats)]
    return found


def _text(value: object) -> str | None:
    """A message's ``text``: a string, or a list of strings and entity objects (``{"type": "bold",
    "text": ...}``) joined."""
    if isinstance(value, list):
        value = "".join(
            part if isinstance(part, str) else str(part.get("text", "")) if isinstance(part, dict) else ""
            for part in value
        )
    return text_of(value)


def _attachments(message: Mapping[str, Any], provenance: str) -> tuple[Attachment, ...]:
    found = []
    for key, size_key in (("photo", "photo_file_size"), ("file", "file_size")):
        value = text_of(message.get(key))
        if value is None:
            continue
        left_out = value.startswith("(")  # "(File not included. Change data exporting settings to download.)"
        path = None if left_out else value
        name = text_of(message.get("file_name")) if key == "file" else None
        size = number_of(message.get(size_key))
        found.append(
            Attachment(
                name=name or (PurePosixPath(path).name if path else None),
                path=path,
                mime=text_of(message.get("mime_type")) if key == "file" else None,
                size=int(size) if size is not None else None,
                provenance=provenance,
            )
        )
    return tuple(found)


def _service_text(message: Mapping[str, Any]) -> str:
    """A service message's event in words: its action, with the title and members it names."""
    parts = [str(message.get("action") or "service")]
    if text_of(message.get("title")):
        parts.append(f"title: {message['title']}")
    members = message.get("members")
    if isinstance(members, list) and members:
        parts.append("members: " + ", ".join(str(m) for m in members))
    text = _text(message.get("text"))
    return "; ".join(parts) + (f"; {text}" if text else "")


class TelegramExportReader(ExportReader):
    """Telegram Desktop's ``result.json``, given as the file or as the export's folder."""

    name = "telegram-export"

    def _recognises(self, source: Source) -> bool:
        """The file (or the folder's ``result.json``) is a JSON object with Telegram's chat types or keys."""
        text = head_text(_file(source)).lstrip()
        return text.startswith("{") and bool(_LOOKS_LIKE.search(text))

    def _read(self, source: Source, limits: Limits) -> Conversations:
        """Every chat and message in the export.

        Raises:
            SourceError: the file is missing, too large, not JSON, or not an object with chats or messages.
        """
        file = _file(source)
        where = place(source, file)
        export = load_json(file, where, limits)
        if not isinstance(export, dict) or not _chats(export):
            raise SourceError(f"{where}: not a Telegram export (no messages[] and no chats.list[])")
        zone = zone_of(source)
        owner = _owner(export)
        found = Conversations(self.name)
        tally = Tally(found, limits, where)
        for path, chat in _chats(export):
            if not tally.going():
                break
            if not isinstance(chat, dict) or not isinstance(chat.get("messages"), list):
                tally.problem(f"{where}#{path.rstrip('.')}", "not a chat with messages[]; skipped")
                continue
            self._chat(chat, f"{where}#{path}", owner, zone, tally)
        return found

    def _chat(
        self, chat: Mapping[str, Any], at: str, owner: Participant | None, zone: tzinfo | None, tally: Tally
    ) -> None:
        key = str(chat.get("id", at))
        people: dict[str, Participant] = {owner.key: owner} if owner else {}
        for index, message in enumerate(chat["messages"]):
            provenance = f"{at}messages[{index}]"
            if not isinstance(message, dict):
                tally.problem(provenance, "not a message object; skipped")
                continue
            service = message.get("type") == "service"
            sender = text_of(message.get("actor_id" if service else "from_id"))
            name = text_of(message.get("actor" if service else "from"))
            if sender and sender not in people:
                people[sender] = Participant(sender, name)
            direction = Direction.UNKNOWN
            if owner and sender:
                direction = Direction.SENT if sender == owner.key else Direction.RECEIVED
            utc, raw = self._time(message, zone)
            text = _service_text(message) if service else _text(message.get("text"))
            keep = tally.add(
                Message(
                    conversation=key,
                    sender=sender,
                    direction=direction,
                    utc=utc,
                    raw_time=raw,
                    text=tally.text(text, provenance),
                    attachments=() if service else _attachments(message, provenance),
                    provenance=provenance,
                    kind="system" if service else "message",
                )
            )
            if not keep:
                break
        title = text_of(chat.get("name"))
        tally.found.conversations.append(
            Conversation(key, self.name, title, tuple(people.values()), at.rstrip(".").rstrip("#"))
        )

    @staticmethod
    def _time(message: Mapping[str, Any], zone: tzinfo | None) -> tuple[datetime | None, str]:
        """UTC from ``date_unixtime``; else ``date`` (local) read in the given zone, if any."""
        seconds = number_of(message.get("date_unixtime"))
        date = text_of(message.get("date"))
        if seconds is not None:
            utc, raw = unix_seconds(seconds)
            return utc, raw + (f" (date {date}, local)" if date else "")
        if date is None:
            return None, ""
        try:
            local = datetime.fromisoformat(date)
        except ValueError:
            return None, f"{date} (not a time)"
        if local.tzinfo is not None:
            return local.astimezone(UTC), date
        if zone is None:
            return None, f"{date} (local time, zone not given)"
        return local_to_utc(local, zone), f"{date} (local time in {zone})"
