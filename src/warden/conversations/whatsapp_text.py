"""WhatsApp's "Export chat" text file (``_chat.txt`` from iOS, ``WhatsApp Chat with X.txt`` from Android),
one conversation per file, in the line formats of Android and iOS in the locales below.

- Android: ``12/03/2026, 14:05 - Name: text``, ``3/12/26, 2:05 PM - Name: text`` (12 h clocks, with a narrow
  no-break space before ``PM`` in recent versions), ``12.03.26, 14:05 - ...``; a line without ``Name:`` is an
  event (``Alice added Bob``); attachments as ``IMG-20260312-WA0001.jpg (file attached)`` (and that phrase in
  German, Spanish, French, Italian, Portuguese and Dutch).
- iOS: ``[03.12.26, 14:05:09] Name: text``, ``[3/12/26, 2:05:09 PM] Name: text``; lines the app wrote itself
  start their text with a left-to-right mark (the encryption notice, ``This message was deleted.``): events;
  attachments as ``<attached: 00000012-PHOTO-2026-03-12-14-05-09.jpg>``.
- A line that does not start with a header continues the message before it (multi-line messages).

The file says neither the order of day and month nor the time zone. The order is decided from the whole file
(dates read only one way, then dates in order, then dotted dates, which every locale writes day first) and
said in each message's ``raw_time``; where the file cannot tell, local times are not read. Times are local,
with no zone: ``utc`` is set only when the source is given a zone (:attr:`Source.zone`), never guessed. The
export does not say whose phone it came from, so every message's direction is unknown.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from itertools import islice, pairwise
from pathlib import Path, PurePosixPath
from typing import BinaryIO, TextIO

from warden.conversations.export_files import ExportReader, Tally, head_text, local_to_utc, place, zone_of
from warden.conversations.model import (
    Attachment,
    Conversation,
    Conversations,
    Direction,
    Message,
    Participant,
)
from warden.conversations.readers import Limits, Source, SourceError

_MARKS = "\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Byte-order and direction marks WhatsApp writes around lines, names and phone numbers."""
_SPACE = "[ \u202f\u00a0]"
_DATE = r"(?P<date>(?P<a>\d{1,4})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4}))"
_TIME = (
    rf"(?P<hour>\d{{1,2}})[:.](?P<minute>\d{{2}})(?:[:.](?P<second>\d{{2}}))?"
    rf"(?:{_SPACE}?(?P<half>[AaPp])\.?{_SPACE}?[Mm]\.?)?"
)
_ANDROID = re.compile(rf"(?P<stamp>{_DATE},?{_SPACE}{_TIME}) [-\u2013] (?P<rest>.*)")
_IOS = re.compile(rf"\[(?P<stamp>{_DATE},?{_SPACE}{_TIME})\] (?P<rest>.*)")
_ATTACHED = re.compile(r"<(?:attached|Anhang): (?P<name>[^<>]+)>")
_FILE_ATTACHED = re.compile(
    r"(?P<name>.+?) \((?:file attached|Datei angehängt|archivo adjunto|fichier joint|file allegato|"
    r"arquivo anexado|bestand bijgevoegd)\)"
)
_OMITTED = frozenset(
    {"<Media omitted>", "<Medien ausgeschlossen>", "image omitted", "video omitted", "audio omitted"}
    | {"sticker omitted", "GIF omitted", "document omitted"}
)
"""What an export made without media writes in place of an attachment."""
_TITLE = re.compile(r"WhatsApp Chat (?:with|-) (?P<title>.+)\.txt", re.I)
MOST_FILES = 1000
"""Most entries of an export folder looked at for chat files."""


def _header(line: str) -> re.Match[str] | None:
    line = line.lstrip(_MARKS)
    return _IOS.fullmatch(line) or _ANDROID.fullmatch(line)


def _is_chat(path: Path) -> bool:
    first = next((line for line in head_text(path).splitlines() if line.strip(_MARKS + " ")), "")
    return _header(first) is not None


def _chat_files(source: Source) -> list[Path]:
    if not source.path.is_dir():
        return [source.path] if _is_chat(source.path) else []
    try:
        entries = sorted(islice(source.path.iterdir(), MOST_FILES))
    except OSError:
        return []
    return [p for p in entries if p.suffix.lower() == ".txt" and p.is_file() and _is_chat(p)]


@dataclass(slots=True)
class _Pending:
    """A message as its lines are read: the date is read once the whole file has decided day/month order."""

    line: int
    stamp: str
    parts: tuple[int, int, int]
    year_first: bool
    dotted: bool
    clock: tuple[int, int, int] | None
    sender: str | None
    system: bool
    lines: list[str] = field(default_factory=list)
    chars: int = 0
    cut: bool = False


def _clock(match: re.Match[str]) -> tuple[int, int, int] | None:
    hour, minute = int(match["hour"]), int(match["minute"])
    second = int(match["second"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["half"] in "Pp" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


def _year(value: int) -> int:
    return value if value >= 100 else 2000 + value


def _date(pending: _Pending, order: str) -> date | None:
    a, b, c = pending.parts
    try:
        if pending.year_first:
            return date(a, b, c)
        return date(_year(c), b, a) if order == "day first" else date(_year(c), a, b)
    except ValueError:
        return None


def _order(pending: list[_Pending]) -> str | None:
    """Day first or month first, decided from every date in the file; None where it cannot tell."""
    if all(p.year_first for p in pending):
        return "year first"
    scores = {}
    for order in ("day first", "month first"):
        days = [d for p in pending if (d := _date(p, order)) is not None]
        backwards = sum(1 for earlier, later in pairwise(days) if later < earlier)
        scores[order] = (len(days), -backwards)
    if scores["day first"] != scores["month first"]:
        return max(scores, key=lambda order: scores[order])
    if all(_date(p, "day first") == _date(p, "month first") for p in pending):
        return "day first"  # every date reads the same both ways
    if all(p.dotted for p in pending if not p.year_first):
        return "day first"
    return None


def _lines(path: Path, tally: Tally, where: str) -> Iterator[tuple[int, str]]:
    """The file's lines, numbered from 1: UTF-8 (a BOM allowed) or UTF-16 with its BOM; each line bounded,
    undecodable bytes replaced with a problem naming the line."""
    limit = tally.limits.text_chars + 1024
    with path.open("rb") as raw:
        if raw.read(2) in (b"\xff\xfe", b"\xfe\xff"):
            raw.seek(0)
            yield from _utf16_lines(
                io.TextIOWrapper(raw, encoding="utf-16", errors="replace"), limit, tally, where
            )
        else:
            raw.seek(0)
            yield from _utf8_lines(raw, limit * 4, tally, where)


def _utf8_lines(raw: BinaryIO, limit: int, tally: Tally, where: str) -> Iterator[tuple[int, str]]:
    number = 0
    while tally.going():
        chunk = raw.readline(limit)
        if not chunk:
            return
        number += 1
        if len(chunk) >= limit and not chunk.endswith(b"\n"):
            tally.problem(f"{where}:{number}", f"line longer than {limit:,} bytes; the rest of it not read")
            while (more := raw.readline(limit)) and not more.endswith(b"\n") and tally.going():
                pass
        line = chunk.removesuffix(b"\n").removesuffix(b"\r")
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as error:
            text = line.decode("utf-8", "replace")
            tally.problem(
                f"{where}:{number}", f"not UTF-8 at byte {error.start + 1} of the line; shown as \ufffd"
            )
        yield number, text.removeprefix("\ufeff") if number == 1 else text


def _utf16_lines(text: TextIO, limit: int, tally: Tally, where: str) -> Iterator[tuple[int, str]]:
    number = 0
    while tally.going():
        line = text.readline(limit)
        if not line:
            return
        number += 1
        if len(line) >= limit and not line.endswith("\n"):
            tally.problem(
                f"{where}:{number}", f"line longer than {limit:,} characters; the rest of it not read"
            )
            while (more := text.readline(limit)) and not more.endswith("\n") and tally.going():
                pass
        line = line.removesuffix("\n")
        if "\ufffd" in line:
            tally.problem(f"{where}:{number}", "not UTF-16; shown as \ufffd")
        yield number, line


class WhatsAppTextReader(ExportReader):
    """WhatsApp ``.txt`` chat exports: the file, or a folder of them (with their attachments beside)."""

    name = "whatsapp-text"

    def _recognises(self, source: Source) -> bool:
        """The first non-empty line (of the file, or of a ``.txt`` in the folder) is a WhatsApp header."""
        return bool(_chat_files(source))

    def _read(self, source: Source, limits: Limits) -> Conversations:
        """Every message of every chat file.

        Raises:
            SourceError: no chat file (no line starting with a WhatsApp date), or the zone is unknown.
        """
        files = _chat_files(source)
        if not files:
            raise SourceError(
                f"{source.label}: no WhatsApp chat export (no line starts with a WhatsApp date)"
            )
        zone = zone_of(source)
        found = Conversations(self.name)
        tally = Tally(found, limits, source.label)
        for file in files:
            if not tally.going():
                break
            self._file(source, file, zone, tally)
        return found

    def _file(self, source: Source, file: Path, zone: tzinfo | None, tally: Tally) -> None:
        where = place(source, file)
        pending: list[_Pending] = []
        full = False
        try:
            for number, line in _lines(file, tally, where):
                match = _header(line)
                if match is None:
                    if pending:  # a chat file starts with a header: only blank lines come before it
                        self._continue(pending[-1], line, tally, where)
                    continue
                if len(tally.found.messages) + len(pending) >= tally.limits.messages:
                    full = True
                    break
                pending.append(self._start(number, match))
        except OSError as error:
            tally.problem(where, f"cannot be read further: {error.strerror or error}")
        key = file.name
        order = _order(pending) if pending else None
        if pending and order is None:
            tally.problem(
                where, "the order of day and month cannot be told from the dates; local times not read"
            )
        folder = PurePosixPath(*file.parent.relative_to(source.path).parts) if source.path.is_dir() else None
        people: dict[str, Participant] = {}
        for item in pending:
            if item.sender and not item.system and item.sender not in people:
                people[item.sender] = Participant(item.sender, item.sender)
            # kept even past the time limit: what was read is kept, and the count was held while reading
            tally.found.messages.append(self._message(item, key, where, order, zone, folder, tally))
        if full:
            tally.stop(f"more than {tally.limits.messages:,} messages; the rest not read")
        title = match["title"] if (match := _TITLE.fullmatch(file.name)) else None
        tally.found.conversations.append(Conversation(key, self.name, title, tuple(people.values()), where))

    @staticmethod
    def _start(number: int, match: re.Match[str]) -> _Pending:
        rest = match["rest"]
        sender, colon, text = rest.partition(": ")
        system = not colon or (text.startswith("\u200e") and _attachment(text.lstrip(_MARKS))[0] is None)
        return _Pending(
            line=number,
            stamp=match["stamp"],
            parts=(int(match["a"]), int(match["b"]), int(match["c"])),
            year_first=len(match["a"]) == 4,
            dotted=match["sep"] == ".",
            clock=_clock(match),
            sender=None if system else sender.strip(_MARKS + " ") or None,
            system=system,
            lines=[rest.replace("\u200e", "") if system else text.lstrip(_MARKS)],
            chars=len(rest),
        )

    @staticmethod
    def _continue(item: _Pending, line: str, tally: Tally, where: str) -> None:
        if item.cut:
            return
        if item.chars + len(line) + 1 > tally.limits.text_chars:
            item.cut = True
            tally.problem(
                f"{where}:{item.line}", f"text longer than {tally.limits.text_chars:,} characters; cut"
            )
            return
        item.lines.append(line)
        item.chars += len(line) + 1

    @staticmethod
    def _message(
        item: _Pending,
        key: str,
        where: str,
        order: str | None,
        zone: tzinfo | None,
        folder: PurePosixPath | None,
        tally: Tally,
    ) -> Message:
        provenance = f"{where}:{item.line}"
        utc, raw = None, f"{item.stamp} (the order of day and month cannot be told from the file)"
        day = _date(item, order) if order else None
        if order and day is None:
            raw = f"{item.stamp} (not a date, read {order})"
            tally.problem(provenance, f"{item.stamp!r} is not a date read {order}; time not read")
        elif day and item.clock is None:
            raw = f"{item.stamp} (not a time of day)"
            tally.problem(provenance, f"{item.stamp!r} is not a time of day; time not read")
        elif day and item.clock:
            local = datetime(day.year, day.month, day.day, *item.clock)
            raw = f"{item.stamp} ({order}: {local.isoformat(' ')} local time, zone not given)"
            if zone is not None:
                utc = local_to_utc(local, zone)
                shift = "" if utc else ", repeated or skipped by a clock change"
                raw = f"{item.stamp} ({order}: {local.isoformat(' ')} local time in {zone}{shift})"
        # cut lines were said once, as they were cut; a single line may still be longer than the limit
        joined = "\n".join(item.lines)
        text = joined[: tally.limits.text_chars] if item.cut else tally.text(joined, provenance)
        attachments: tuple[Attachment, ...] = ()
        if not item.system:
            name, text = _attachment(text or "")
            if name is not None:
                path = (str(folder / name) if folder else name) if name else None
                attachments = (Attachment(name=name or None, path=path, provenance=provenance),)
        return Message(
            conversation=key,
            sender=item.sender,
            direction=Direction.UNKNOWN,
            utc=utc,
            raw_time=raw,
            text=text or None,
            attachments=attachments,
            provenance=provenance,
            kind="system" if item.system else "message",
        )


def _attachment(text: str) -> tuple[str | None, str | None]:
    """(the attachment's file name, or "" for media left out of the export; the caption) when the text's first
    line names an attachment, else (None, the text)."""
    first, _, caption = text.partition("\n")
    first = first.strip(_MARKS + " ")
    if first in _OMITTED:
        return "", caption or None
    match = _ATTACHED.fullmatch(first) or _FILE_ATTACHED.fullmatch(first)
    if match is None:
        return None, text
    return match["name"].strip(_MARKS + " "), caption or None
