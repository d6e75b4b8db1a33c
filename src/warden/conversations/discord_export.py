"""Discord's data package ("Request all of my data"): ``messages/index.json`` (channel id to name), a folder
per channel (``messages/c<id>/``, ``messages/<id>/`` in older packages) with ``channel.json`` and
``messages.json`` (or the older ``messages.csv``): ``ID``, ``Timestamp``, ``Contents``, ``Attachments``
(space-separated links).

A package holds only the account's own messages: each is sent, by the account ``account/user.json`` names.
Discord writes timestamps in UTC (older packages say ``+00:00``; newer ones write no offset): read as UTC,
and the raw time says so.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path, PurePosixPath
from typing import Any

from warden.conversations.export_files import ExportReader, Tally, head_text, load_json, place, text_of
from warden.conversations.model import (
    Attachment,
    Conversation,
    Conversations,
    Direction,
    Message,
    Participant,
)
from warden.conversations.readers import Limits, Source, SourceError
from warden.csv_cells import allow_long_fields

_INDEX = re.compile(r'\s*\{\s*(\}|"\d+"\s*:\s*("|null))')
_CSV_HEADER = ["ID", "Timestamp", "Contents", "Attachments"]
MOST_CHANNELS = 100_000
"""Most channel folders looked at in one package."""


def _messages_folder(source: Source) -> Path | None:
    """The package's ``messages`` folder (the source is the package's root or that folder itself)."""
    for folder in (source.path / "messages", source.path):
        if (folder / "index.json").is_file() and _INDEX.match(head_text(folder / "index.json")):
            return folder
    return None


def _owner(source: Source, folder: Path, limits: Limits) -> Participant | None:
    """The package's account, from ``account/user.json`` beside ``messages``."""
    path = folder.parent / "account" / "user.json"
    if not path.is_file():
        return None
    try:
        user = load_json(path, "account/user.json", limits)
    except SourceError:
        return None
    if not isinstance(user, dict) or user.get("id") is None:
        return None
    name = text_of(user.get("global_name")) or text_of(user.get("username"))
    return Participant(str(user["id"]), name, is_owner=True)


def _time(value: object) -> tuple[datetime | None, str]:
    text = text_of(value)
    if text is None:
        return None, ""
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None, f"{text} (not a time)"
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=UTC), f"{text} (UTC, as Discord writes it)"
    return stamp.astimezone(UTC), text


def _attachments(value: object, provenance: str) -> tuple[Attachment, ...]:
    links = value.split() if isinstance(value, str) else []
    return tuple(
        Attachment(name=PurePosixPath(link.split("?")[0]).name or None, path=link, provenance=provenance)
        for link in links
    )


def _csv_rows(path: Path, where: str, tally: Tally) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(provenance, row) for each row of an older ``messages.csv``; a damaged file ends as a problem."""
    allow_long_fields()  # a longer message is read, then cut to the text limit with a problem
    with path.open(encoding="utf-8", errors="replace", newline="") as file:
        rows = csv.reader(file)
        try:
            header = next(rows, None)
            if header is None:
                return
            if [h.lstrip("\ufeff") for h in header] != _CSV_HEADER:
                tally.problem(where, f"not Discord's messages.csv (header {header[:4]}); skipped")
                return
            start = rows.line_num + 1
            for row in rows:
                yield f"{where}:{start}", dict(zip(_CSV_HEADER, row, strict=False))
                start = rows.line_num + 1
        except csv.Error as error:
            tally.problem(
                f"{where}:{rows.line_num}", f"unreadable CSV ({error}); the rest of the file not read"
            )


class DiscordExportReader(ExportReader):
    """Discord's data package: its root folder, or its ``messages`` folder."""

    name = "discord-export"

    def _recognises(self, source: Source) -> bool:
        """The folder has Discord's ``messages/index.json`` (channel ids to names)."""
        return source.path.is_dir() and _messages_folder(source) is not None

    def _read(self, source: Source, limits: Limits) -> Conversations:
        """Every channel and message in the package.

        Raises:
            SourceError: no ``messages/index.json``, or it is too large or not JSON.
        """
        folder = _messages_folder(source) if source.path.is_dir() else None
        if folder is None:
            raise SourceError(f"{source.label}: not a Discord data package (no messages/index.json)")
        index = load_json(folder / "index.json", place(source, folder / "index.json"), limits)
        names = index if isinstance(index, dict) else {}
        owner = _owner(source, folder, limits)
        found = Conversations(self.name)
        tally = Tally(found, limits, source.label)
        channels = sorted(
            p for p in islice(folder.iterdir(), MOST_CHANNELS) if (p / "channel.json").is_file()
        )
        for channel in channels:
            if not tally.going():
                break
            self._channel(source, channel, names, owner, tally, limits)
        return found

    def _channel(
        self,
        source: Source,
        channel: Path,
        names: Mapping[str, Any],
        owner: Participant | None,
        tally: Tally,
        limits: Limits,
    ) -> None:
        where = place(source, channel / "channel.json")
        try:
            about = load_json(channel / "channel.json", where, limits)
        except SourceError as error:
            tally.problem(where, str(error).removeprefix(f"{where}: "))
            about = {}
        about = about if isinstance(about, dict) else {}
        key = str(about.get("id") or channel.name.removeprefix("c"))
        title = text_of(names.get(key)) or text_of(about.get("name"))
        people = {owner.key: owner} if owner else {}
        for recipient in about.get("recipients") or ():
            if isinstance(recipient, str | int) and str(recipient) not in people:
                people[str(recipient)] = Participant(str(recipient))
        tally.found.conversations.append(Conversation(key, self.name, title, tuple(people.values()), where))
        for provenance, row in self._rows(source, channel, tally, limits):
            utc, raw = _time(row.get("Timestamp"))
            if utc is None:
                tally.problem(provenance, f"Timestamp {row.get('Timestamp')!r} is not a time; time not read")
            message = Message(
                conversation=key,
                sender=owner.key if owner else None,
                direction=Direction.SENT,
                utc=utc,
                raw_time=raw,
                text=tally.text(text_of(row.get("Contents")), provenance),
                attachments=_attachments(row.get("Attachments"), provenance),
                provenance=provenance,
            )
            if not tally.add(message):
                return

    @staticmethod
    def _rows(
        source: Source, channel: Path, tally: Tally, limits: Limits
    ) -> Iterator[tuple[str, Mapping[str, Any]]]:
        json_file, csv_file = channel / "messages.json", channel / "messages.csv"
        if json_file.is_file():
            where = place(source, json_file)
            try:
                rows = load_json(json_file, where, limits)
            except SourceError as error:
                tally.problem(where, str(error).removeprefix(f"{where}: "))
                return
            if not isinstance(rows, list):
                tally.problem(where, "not a list of messages; skipped")
                return
            for index, row in enumerate(rows):
                if isinstance(row, dict):
                    yield f"{where}#[{index}]", row
                else:
                    tally.problem(f"{where}#[{index}]", "not a message object; skipped")
        elif csv_file.is_file():
            yield from _csv_rows(csv_file, place(source, csv_file), tally)
        else:
            tally.problem(place(source, channel), "no messages.json or messages.csv; no messages read")
