"""Meta's Instagram export ("Download your information", JSON): each thread a folder
``messages/inbox/<thread>/`` (under ``your_instagram_activity/`` in newer exports) of ``message_1.json``,
``message_2.json``..., with ``participants[].name`` and ``messages[]`` (``sender_name``, ``timestamp_ms``,
``content``, ``photos[].uri``, ``videos[]``, ``audio_files[]``, ``files[]``, ``gifs[]``, ``share``).

Meta writes each string's UTF-8 bytes as if they were Latin-1 characters (``\\u00f0\\u009f\\u0098\\u0080``
for one emoji): every string is repaired where that reading round-trips, and left as it is where it does not.
The owner of the account is named in ``personal_information.json`` when the export includes it; then
messages are sent or received, otherwise unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import islice
from pathlib import Path, PurePosixPath
from typing import Any

from warden.conversations.device_times import unix_milliseconds
from warden.conversations.export_files import (
    ExportReader,
    Tally,
    head_text,
    load_json,
    number_of,
    place,
    text_of,
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

_FOLDERS = ("inbox", "message_requests", "archived_threads", "e2ee_cutover", "filtered_threads")
_MESSAGES = ("messages", "your_instagram_activity/messages")
PERSONAL_FILES = (
    "personal_information/personal_information/personal_information.json",
    "personal_information/personal_information.json",
    "account_information/personal_information.json",
)
"""Where an export names its owner, from the export's root."""
_MEDIA = ("photos", "videos", "audio_files", "files", "gifs")
_PART = re.compile(r"message_(\d+)\.json")
_LOOKS_LIKE = re.compile(r'"participants"\s*:\s*\[|"sender_name"\s*:|"timestamp_ms"\s*:')
MOST_THREADS = 100_000
"""Most thread folders looked at in one export."""


def repair(text: str) -> str:
    """Undo Meta's mojibake: the string's characters read as Latin-1 bytes, decoded as UTF-8, where that
    round-trips (``"caf\\u00c3\\u00a9"`` is ``"café"``); any other string as it is."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _string(value: object) -> str | None:
    text = text_of(value)
    return repair(text) if text is not None else None


def _parts(folder: Path) -> list[Path]:
    """A thread's ``message_N.json`` files, in N's order."""
    try:
        numbered = [(m, p) for p in islice(folder.iterdir(), MOST_THREADS) if (m := _PART.fullmatch(p.name))]
    except OSError:
        return []
    return [path for _, path in sorted(numbered, key=lambda pair: int(pair[0][1]))]


def _threads(source: Source) -> list[Path]:
    """Every thread folder in the export (or the source itself, a thread folder or one ``message_N.json``)."""
    root = source.path
    if not root.is_dir():
        return [root]
    if _parts(root):
        return [root]
    threads = []
    for messages in _MESSAGES:
        for kind in _FOLDERS:
            folder = root / messages / kind
            if folder.is_dir():
                threads += sorted(p for p in islice(folder.iterdir(), MOST_THREADS) if p.is_dir())
    return threads


def _roots(path: Path) -> list[Path]:
    """Where the export's root may be: the source itself, or (for a thread folder or one of its files) the
    folder above its ``messages/<kind>/`` (and above ``your_instagram_activity/``)."""
    roots = [path] if path.is_dir() else []
    thread = path if path.is_dir() else path.parent
    kind = thread.parent
    if kind.name in _FOLDERS and kind.parent.name == "messages":
        root = kind.parent.parent
        roots.append(root.parent if root.name == "your_instagram_activity" else root)
    return roots


def _owner(source: Source, limits: Limits) -> str | None:
    """The account owner's display name, from ``personal_information.json``, if the export has it (looked
    for from the export's root, also when the source is one thread of it)."""
    for root, relative in ((root, relative) for root in _roots(source.path) for relative in PERSONAL_FILES):
        path = root / relative
        if path.is_file():
            try:
                data = load_json(path, relative, limits)
            except SourceError:
                return None
            users = data.get("profile_user") if isinstance(data, dict) else None
            user = users[0] if isinstance(users, list) and users and isinstance(users[0], dict) else {}
            fields = user.get("string_map_data")
            name = fields.get("Name") if isinstance(fields, dict) else None
            return _string(name.get("value")) if isinstance(name, dict) else None
    return None


def _attachments(message: Mapping[str, Any], provenance: str) -> tuple[Attachment, ...]:
    found = []
    for key in _MEDIA:
        items = message.get(key)
        for item in items if isinstance(items, list) else ():
            uri = _string(item.get("uri")) if isinstance(item, dict) else None
            if uri:
                found.append(Attachment(name=PurePosixPath(uri).name, path=uri, provenance=provenance))
    share = message.get("share")
    link = _string(share.get("link")) if isinstance(share, dict) else None
    if link:
        found.append(Attachment(path=link, provenance=provenance))
    return tuple(found)


class InstagramExportReader(ExportReader):
    """Instagram's JSON export: its root folder, a thread folder, or one ``message_N.json``."""

    name = "instagram-export"

    def _recognises(self, source: Source) -> bool:
        """The first thread's ``message_N.json`` is a JSON object with Meta's message keys."""
        threads = _threads(source)
        first = threads[0] if threads else None
        files = ([first] if first and not first.is_dir() else _parts(first)) if first else []
        text = head_text(files[0]).lstrip() if files else ""
        return text.startswith("{") and bool(_LOOKS_LIKE.search(text))

    def _read(self, source: Source, limits: Limits) -> Conversations:
        """Every thread and message.

        Raises:
            SourceError: no thread is found, or a thread's file is too large or not JSON.
        """
        threads = _threads(source)
        if not threads:
            raise SourceError(f"{source.label}: no Instagram message threads (messages/inbox/<thread>/)")
        owner = _owner(source, limits)
        found = Conversations(self.name)
        tally = Tally(found, limits, source.label)
        for thread in threads:
            if not tally.going():
                break
            self._thread(source, thread, owner, tally, limits)
        return found

    def _thread(self, source: Source, thread: Path, owner: str | None, tally: Tally, limits: Limits) -> None:
        files = [thread] if not thread.is_dir() else _parts(thread)
        key = thread.name if thread.is_dir() else thread.parent.name
        people: dict[str, Participant] = {}
        title = None
        for file in files:
            where = place(source, file)
            try:
                data = load_json(file, where, limits)
            except SourceError as error:  # one damaged thread file: the other threads are still read
                tally.problem(where, str(error).removeprefix(f"{where}: "))
                continue
            if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
                tally.problem(where, "not an Instagram thread (no messages[]); skipped")
                continue
            title = title or _string(data.get("title"))
            for person in data.get("participants") or ():
                name = _string(person.get("name")) if isinstance(person, dict) else None
                if name and name not in people:
                    people[name] = Participant(name, name, is_owner=name == owner)
            for index, message in enumerate(data["messages"]):
                if not self._message(message, key, f"{where}#messages[{index}]", owner, people, tally):
                    break
        shown = place(source, thread) if thread.is_dir() and thread != source.path else source.label
        tally.found.conversations.append(Conversation(key, self.name, title, tuple(people.values()), shown))

    @staticmethod
    def _message(
        message: object,
        key: str,
        provenance: str,
        owner: str | None,
        people: dict[str, Participant],
        tally: Tally,
    ) -> bool:
        if not isinstance(message, dict):
            tally.problem(provenance, "not a message object; skipped")
            return tally.going()
        sender = _string(message.get("sender_name"))
        if sender and sender not in people:
            people[sender] = Participant(sender, sender, is_owner=sender == owner)
        direction = Direction.UNKNOWN
        if owner and sender:
            direction = Direction.SENT if sender == owner else Direction.RECEIVED
        milliseconds = number_of(message.get("timestamp_ms"))
        utc, raw = unix_milliseconds(milliseconds) if milliseconds is not None else (None, "")
        if utc is None:
            tally.problem(provenance, "no timestamp_ms that is a time; time not read")
        call = "call_duration" in message or message.get("type") == "Call"
        return tally.add(
            Message(
                conversation=key,
                sender=sender,
                direction=direction,
                utc=utc,
                raw_time=raw,
                text=tally.text(_string(message.get("content")), provenance),
                attachments=_attachments(message, provenance),
                provenance=provenance,
                kind="system" if call else "message",
            )
        )
