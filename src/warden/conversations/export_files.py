"""What every export reader shares: JSON files read whole within :class:`~warden.conversations.readers.Limits`
(refused past ``bytes`` before parsing; malformed or too deeply nested JSON one :class:`SourceError` naming
where), the running count of messages and seconds that stops a hostile export, provenance, and local times
turned into UTC only when a zone is given.

Exports are read from a local copy (a file, or the export's folder); nothing here writes.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from warden.conversations.model import Conversations, Message, RowProblem
from warden.conversations.readers import Limits, Source, SourceError

HEAD_BYTES = 64 * 1024
"""How much of a file ``recognises`` reads to tell its kind from its content."""


def place(source: Source, file: Path) -> str:
    """The provenance prefix of ``file``: ``label//path/inside/the/export`` when the source is a folder, the
    source's own label when the source is the file itself."""
    if file == source.path:
        return source.label
    return f"{source.label}//{file.relative_to(source.path).as_posix()}"


def head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of ``path``; empty if it cannot be read (``recognises`` never raises)."""
    try:
        if not path.is_file():  # a folder, or a pipe that would block
            return b""
        with path.open("rb") as file:
            return file.read(size)
    except OSError:
        return b""


def head_text(path: Path) -> str:
    """:func:`head` as text, whatever the BOM says (UTF-8 or UTF-16), invalid bytes replaced."""
    data = head(path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    return data.decode("utf-8", "replace").removeprefix("\ufeff")


def load_json(path: Path, shown: str, limits: Limits) -> object:
    """The JSON value in ``path``, read whole.

    Args:
        path: the file.
        shown: how problems name it (its provenance).
        limits: ``bytes`` is checked against the file's size before anything is read.

    Raises:
        SourceError: it cannot be read, is larger than the limit, is not UTF-8, is not JSON (with the line and
            column), or nests too deeply for the parser.
    """
    try:
        if not path.is_file():
            raise SourceError(f"{shown}: not a regular file; not read")
        size = path.stat().st_size
        if size > limits.bytes:
            raise SourceError(
                f"{shown}: {size:,} bytes, over the limit of {limits.bytes:,} bytes for one export file; "
                "not read"
            )
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(f"{shown}: cannot be read: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise SourceError(f"{shown}: not UTF-8 (byte {error.start:,}); not read") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SourceError(
            f"{shown}: not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise SourceError(f"{shown}: JSON nested too deeply to read") from None
    except ValueError as error:  # an integer with more digits than Python converts
        raise SourceError(f"{shown}: not readable JSON: {error}") from None


def zone_of(source: Source, given: str | None = None) -> tzinfo | None:
    """The time zone an export's local times are read in: ``given`` (a mapping's own), else the source's
    :attr:`~warden.conversations.readers.Source.zone`, else None (such times keep ``utc`` None).

    Raises:
        SourceError: the zone is not a known IANA name.
    """
    name = given or source.zone
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SourceError(f"unknown time zone {name!r} (give an IANA name such as Europe/London)") from None


def local_to_utc(local: datetime, zone: tzinfo) -> datetime | None:
    """A naive local time read in ``zone``, as UTC; None when a clock change repeats or skips that local time
    (it could be either of two instants, or none: never guessed)."""
    first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        return None
    return first.astimezone(UTC)


def text_of(value: object) -> str | None:
    """``value`` if it is a non-empty string, else None."""
    return value if isinstance(value, str) and value else None


def number_of(value: object) -> int | float | None:
    """A number written as a JSON number or as digits in a string (``"1773324309"``); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return None
    return None


class Tally:
    """What one source has cost so far: messages against ``Limits.messages``, time against
    ``Limits.seconds``, and each text against ``Limits.text_chars``. Past a limit, one problem says so and
    :attr:`stopped` tells the reader to keep what it has."""

    def __init__(self, found: Conversations, limits: Limits, where: str) -> None:
        self.found = found
        self.limits = limits
        self.where = where
        self.stopped = False
        self._deadline = time.monotonic() + limits.seconds
        self._calls = 0

    def problem(self, provenance: str, message: str) -> None:
        """Record a problem with one row, line or file; problems count against ``Limits.messages`` too, so a
        file of a million bad lines stops like one of a million messages."""
        if len(self.found.problems) >= self.limits.messages:
            self.stop(f"more than {self.limits.messages:,} problems; the rest not read")
            return
        self.found.problems.append(RowProblem(provenance, message))

    def going(self) -> bool:
        """Whether reading may go on (checked at each message, each line, or each file); the first call past
        the time limit records it."""
        if self.stopped:
            return False
        self._calls += 1
        if self._calls % 256 == 0 and time.monotonic() > self._deadline:
            self.stop(f"took longer than {self.limits.seconds:g} s; what was read is kept, the rest not read")
        return not self.stopped

    def stop(self, why: str) -> None:
        """Stop reading this source, with one problem saying why."""
        if not self.stopped:
            self.stopped = True
            self.found.problems.append(RowProblem(self.where, why))

    def add(self, message: Message) -> bool:
        """Keep ``message`` unless the source already gave ``Limits.messages``; whether reading may go on."""
        if not self.going():
            return False
        if len(self.found.messages) >= self.limits.messages:
            self.stop(f"more than {self.limits.messages:,} messages; the rest not read")
            return False
        self.found.messages.append(message)
        return True

    def text(self, text: str | None, provenance: str) -> str | None:
        """``text`` cut to ``Limits.text_chars``, with a problem naming the row when it was cut."""
        if text is not None and len(text) > self.limits.text_chars:
            self.problem(provenance, f"text of {len(text):,} characters cut to {self.limits.text_chars:,}")
            return text[: self.limits.text_chars]
        return text


class ExportReader:
    """What every export reader shares: :meth:`recognises` never raises, and an export that cannot be read
    (a file gone, a folder that cannot be listed) is one :class:`SourceError`, never an ``OSError``. A reader
    says how in ``_recognises`` and ``_read``."""

    name: str

    def recognises(self, source: Source) -> bool:
        """Whether ``source`` is this kind of export, from its content (never raises)."""
        try:
            return self._recognises(source)
        except (OSError, ValueError):
            return False

    def read(self, source: Source, limits: Limits) -> Conversations:
        """Every conversation and message in ``source``.

        Raises:
            SourceError: it cannot be read at all.
        """
        try:
            return self._read(source, limits)
        except OSError as error:
            shown = f"{error.filename}: " if error.filename else ""
            raise SourceError(f"{source.label}: cannot be read: {shown}{error.strerror or error}") from None

    def _recognises(self, source: Source) -> bool:
        raise NotImplementedError

    def _read(self, source: Source, limits: Limits) -> Conversations:
        raise NotImplementedError
