"""A generic CSV or JSON-lines export, read through a small JSON mapping file given as the source's
``mapping`` sibling: which column holds the chat, the sender, the time (and its format and zone), the text
and the attachment path. For tools whose exports Warden has no reader for; see ``docs/conversations.md``.

A mapping (keys not listed are refused, so a misspelt key is an error, not a silently empty column)::

    {"format": "csv", "chat": "thread", "sender": "from", "time": "sent", "time_format": "%d/%m/%Y %H:%M",
     "zone": "Europe/London", "text": "body", "attachment": "file", "owner": "+447700900001"}

``time_format`` is ``iso8601``, ``unix_s``, ``unix_ms`` or a ``strptime`` pattern. A time without an offset
is read in ``zone`` (else the source's zone); with neither, its ``utc`` stays None. In JSON lines a column may
be a dotted path (``author.id``).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from warden.conversations.device_times import unix_milliseconds, unix_seconds
from warden.conversations.export_files import ExportReader, Tally, load_json, local_to_utc, number_of, zone_of
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

SIBLING = "mapping"
FORMATS = ("csv", "jsonl")
_COLUMNS = ("chat", "chat_title", "sender", "sender_name", "time", "text", "attachment")
_OPTIONS = ("format", "time_format", "zone", "owner", "delimiter")
_REQUIRED = ("format", "chat", "time", "time_format")
MAPPING_BYTES = 1 << 20
"""Largest mapping file read."""


@dataclass(frozen=True, slots=True)
class ExportMapping:
    """A mapping file, checked: the format, the column of each field (None: not in the export), and how the
    time is read."""

    format: str
    columns: dict[str, str | None]
    time_format: str
    zone: str | None
    owner: str | None
    delimiter: str


def load_mapping(path: Path) -> ExportMapping:
    """The mapping in ``path``.

    Raises:
        SourceError: it is not JSON, has a key not known, lacks a required key, or a value of the wrong type.
    """
    data = load_json(path, f"mapping {path.name}", Limits(bytes=MAPPING_BYTES))
    if not isinstance(data, dict):
        raise SourceError(f"mapping {path.name}: not a JSON object")
    unknown = sorted(set(data) - set(_COLUMNS) - set(_OPTIONS))
    if unknown:
        raise SourceError(
            f"mapping {path.name}: unknown keys {', '.join(unknown)} (known: {_COLUMNS + _OPTIONS})"
        )
    missing = [key for key in _REQUIRED if not data.get(key)]
    if missing:
        raise SourceError(f"mapping {path.name}: {', '.join(missing)} must be given")
    wrong = [key for key, value in data.items() if value is not None and not isinstance(value, str)]
    if wrong:
        raise SourceError(f"mapping {path.name}: {', '.join(wrong)} must be text")
    if data["format"] not in FORMATS:
        raise SourceError(
            f"mapping {path.name}: format {data['format']!r} is not one of {', '.join(FORMATS)}"
        )
    delimiter = data.get("delimiter") or ","
    if len(delimiter) != 1:
        raise SourceError(f"mapping {path.name}: delimiter must be one character")
    return ExportMapping(
        format=data["format"],
        columns={key: data.get(key) or None for key in _COLUMNS},
        time_format=data["time_format"],
        zone=data.get("zone") or None,
        owner=data.get("owner") or None,
        delimiter=delimiter,
    )


def _value(row: Mapping[str, Any], column: str | None) -> str | None:
    """The cell (or the value at a dotted path of a JSON object) as text; None where empty or absent."""
    if column is None:
        return None
    value: Any = row.get(column)
    if value is None and "." in column:
        value = row
        for step in column.split("."):
            value = value.get(step) if isinstance(value, dict) else None
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def read_time(value: str | None, time_format: str, zone: tzinfo | None) -> tuple[datetime | None, str, str]:
    """A mapped time as UTC (None where it is not a time, or is local with no zone), its raw form, and why it
    is not a time ("" when it is one, or is local with no zone given)."""
    if value is None:
        return None, "", "no time"
    if time_format in ("unix_s", "unix_ms"):
        number = number_of(value)
        utc, raw = (
            (None, value)
            if number is None
            else (unix_seconds if time_format == "unix_s" else unix_milliseconds)(number)
        )
        return utc, raw, "" if utc else f"{value!r} is not a {time_format} time"
    try:
        stamp = (
            datetime.fromisoformat(value)
            if time_format == "iso8601"
            else datetime.strptime(value, time_format)
        )
    except (ValueError, OverflowError):
        return None, value, f"{value!r} is not a time in the form {time_format}"
    if stamp.tzinfo is not None:
        return stamp.astimezone(UTC), value, ""
    if zone is None:
        return None, f"{value} (local time, zone not given)", ""
    utc = local_to_utc(stamp, zone)
    if utc is None:
        return None, f"{value} (local time in {zone}, repeated or skipped by a clock change)", ""
    return utc, f"{value} (local time in {zone})", ""


def _csv_rows(
    path: Path, where: str, mapping: ExportMapping, tally: Tally
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    allow_long_fields()  # a longer message is read, then cut to the text limit with a problem
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as file:
        rows = csv.DictReader(file, delimiter=mapping.delimiter)
        try:
            header = rows.fieldnames or []
            absent = [c for c in mapping.columns.values() if c is not None and c not in header]
            if absent:
                raise SourceError(
                    f"{where}: columns {', '.join(absent)} of the mapping are not in the header"
                )
            start = rows.line_num + 1
            for row in rows:
                if any("\ufffd" in value for value in row.values() if isinstance(value, str)):
                    tally.problem(f"{where}:{start}", "not UTF-8; the bytes that are not shown as \ufffd")
                yield f"{where}:{start}", row
                start = rows.line_num + 1
        except csv.Error as error:
            tally.problem(
                f"{where}:{rows.line_num}", f"unreadable CSV ({error}); the rest of the file not read"
            )


def _jsonl_rows(path: Path, where: str, tally: Tally) -> Iterator[tuple[str, Mapping[str, Any]]]:
    limit = tally.limits.text_chars * 4 + 65536
    with path.open("rb") as file:
        number = 0
        while tally.going() and (line := file.readline(limit)):
            number += 1
            if len(line) >= limit and not line.endswith(b"\n"):
                tally.problem(f"{where}:{number}", f"line longer than {limit:,} bytes; skipped")
                while (more := file.readline(limit)) and not more.endswith(b"\n") and tally.going():
                    pass
                continue
            if not line.strip():
                continue
            try:
                row = json.loads(line.decode("utf-8").removeprefix("\ufeff"))
            except (UnicodeDecodeError, RecursionError, ValueError) as error:
                tally.problem(f"{where}:{number}", f"not a JSON line: {type(error).__name__}: {error}"[:300])
                continue
            if isinstance(row, dict):
                yield f"{where}:{number}", row
            else:
                tally.problem(f"{where}:{number}", "not a JSON object; skipped")


class MappedExportReader(ExportReader):
    """A CSV or JSON-lines export with a mapping file given as the source's ``mapping`` sibling."""

    name = "mapped-export"

    def _recognises(self, source: Source) -> bool:
        """The source has a ``mapping`` sibling that is a valid mapping, and is a file."""
        path = source.siblings.get(SIBLING)
        if path is None or not source.path.is_file():
            return False
        try:
            load_mapping(path)
        except SourceError:
            return False
        return True

    def _read(self, source: Source, limits: Limits) -> Conversations:
        """Every row, as a message of the conversation its chat column names.

        Raises:
            SourceError: no mapping, a mapping that is not valid, an unknown zone, or columns it names that
                the CSV header lacks.
        """
        if SIBLING not in source.siblings:
            raise SourceError(f"{source.label}: no mapping file given (sibling {SIBLING!r})")
        mapping = load_mapping(source.siblings[SIBLING])
        if not source.path.is_file():
            raise SourceError(f"{source.label}: not a regular file; not read")
        zone = zone_of(source, mapping.zone)
        found = Conversations(self.name)
        tally = Tally(found, limits, source.label)
        where = source.label
        column = mapping.columns
        chats: dict[str, tuple[str | None, dict[str, Participant]]] = {}
        try:
            rows = (
                _csv_rows(source.path, where, mapping, tally)
                if mapping.format == "csv"
                else _jsonl_rows(source.path, where, tally)
            )
            for provenance, row in rows:
                chat = _value(row, column["chat"]) or ""
                title, people = chats.setdefault(chat, (_value(row, column["chat_title"]), {}))
                sender = _value(row, column["sender"])
                if sender and sender not in people:
                    name = _value(row, column["sender_name"])
                    people[sender] = Participant(sender, name, is_owner=sender == mapping.owner)
                direction = Direction.UNKNOWN
                if mapping.owner and sender:
                    direction = Direction.SENT if sender == mapping.owner else Direction.RECEIVED
                utc, raw, wrong = read_time(_value(row, column["time"]), mapping.time_format, zone)
                if wrong:
                    tally.problem(provenance, f"{wrong}; time not read")
                attachment = _value(row, column["attachment"])
                message = Message(
                    conversation=chat,
                    sender=sender,
                    direction=direction,
                    utc=utc,
                    raw_time=raw,
                    text=tally.text(_value(row, column["text"]), provenance),
                    attachments=(
                        (
                            Attachment(
                                name=re.split(r"[\\/]", attachment)[-1],
                                path=attachment,
                                provenance=provenance,
                            ),
                        )
                        if attachment
                        else ()
                    ),
                    provenance=provenance,
                )
                if not tally.add(message):
                    break
        except OSError as error:
            raise SourceError(f"{where}: cannot be read: {error.strerror or error}") from None
        for chat, (title, people) in chats.items():
            found.conversations.append(Conversation(chat, self.name, title, tuple(people.values()), where))
        return found
