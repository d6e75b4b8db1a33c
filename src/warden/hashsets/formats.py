"""The interface every hash-set file format implements, and the helpers the built-in readers share."""

from __future__ import annotations

import codecs
import csv
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, TextIO

from warden.csv_cells import allow_long_fields
from warden.errors import HashSetFormatError, UsageError
from warden.hashing.hash_types import HASH_TYPES
from warden.hashsets.model import Entry
from warden.model.categories import Category
from warden.model.hashes import HashKind, VideoHash, VpdqFrame, preview

if TYPE_CHECKING:
    from warden.hashsets.profiles import CategoryProfile

HEAD_BYTES = 8192
"""How much of a file ``sniff`` sees: enough for a header line or a JSON preamble."""

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """What the import command says about a file beyond its bytes.

    Attributes:
        profile: how numeric or text categories map to Warden categories; None lets the format choose its
            default (or refuse, when it has none).
        default_category: the category of every entry in a list that carries no categories (md5sum, PDQ
            text); None means uncategorised.
    """

    profile: CategoryProfile | None = None
    default_category: Category | None = None


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """What the export command says about the file it writes.

    Attributes:
        profile: how Warden categories become the format's category numbers (VICS); None means the format's
            default.
    """

    profile: CategoryProfile | None = None


class HashSetFormat(ABC):
    """One hash-set file format: how to recognise it, read it and (optionally) write it.

    Readers stop at the first problem and raise :class:`warden.errors.HashSetFormatError` naming the line or
    record, so a malformed file is rejected whole. Error messages never carry more than a short prefix of a
    hash value: hash lists are sensitive and messages end up in logs.

    Attributes:
        name: the stable name used with ``--format`` and recorded with every imported set.
        description: one line for ``--help`` and the docs.
        uses_profile: the format carries categories that a :class:`CategoryProfile` translates.
        uses_default_category: the format carries no categories, so the import may give one for all entries.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    uses_profile: ClassVar[bool] = False
    uses_default_category: ClassVar[bool] = False

    @abstractmethod
    def sniff(self, head: bytes) -> bool:
        """True when ``head`` (the first :data:`HEAD_BYTES` of a file, or all of a shorter one) looks like
        this format. Content only: the file name is never consulted."""

    @abstractmethod
    def iterate(self, path: Path, options: ReadOptions) -> Iterator[Entry]:
        """Yield the file's entries in file order.

        The iterator raises on the first problem; a consumer that stores entries as they come must discard
        them all if it does.

        Raises:
            HashSetFormatError: the file is malformed; the error names the line or record.
        """

    def read(self, path: Path, options: ReadOptions) -> list[Entry]:
        """Every entry of the file, or an error and nothing.

        Raises:
            HashSetFormatError: the file is malformed; the error names the line or record.
        """
        return list(self.iterate(path, options))

    def resolve_profile(self, path: Path, head: bytes, options: ReadOptions) -> CategoryProfile | None:
        """The profile a read with ``options`` will use; formats with a default profile override this.

        Raises:
            UsageError: the format needs a profile, none was given and the file does not imply one.
        """
        return options.profile

    @property
    def can_write(self) -> bool:
        """True when the format can be exported to."""
        return type(self).write is not HashSetFormat.write

    def write(self, entries: Iterable[Entry], stream: TextIO, options: WriteOptions | None = None) -> None:
        """Write ``entries`` to the text ``stream`` in this format.

        Raises:
            UsageError: the format cannot be written, or an entry cannot be expressed in it.
        """
        raise UsageError(f"hash sets cannot be exported as {self.name}")


def parse_hex(kind: HashKind, text: str) -> str:
    """A list's hash value in its normal form, as its hash type reads it (lower-case hex of the right length
    for the built-in kinds).

    Raises:
        ValueError: not a value of that kind; the message shows only a short prefix of the value.
    """
    return HASH_TYPES.get(kind.value).validate(text)


MAX_SOURCE_ID = 4096
"""Longest source id an entry may carry: a path as long as Linux allows (md5sum lists name files by path);
a longer one is no name of anything and is refused with its line."""


def parse_source_id(text: str | None) -> str | None:
    """An entry's source id: stripped, None when empty.

    Raises:
        ValueError: longer than :data:`MAX_SOURCE_ID` characters (a case could not record a match of it).
    """
    value = (text or "").strip()
    if len(value) > MAX_SOURCE_ID:
        raise ValueError(
            f"the source id is {len(value)} characters long ({preview(value)}); at most {MAX_SOURCE_ID} "
            "are allowed"
        )
    return value or None


def parse_vpdq(text: str) -> VideoHash:
    """Parse space-separated ``hex:quality:timestamp`` frames.

    Raises:
        ValueError: a frame is malformed or there are none; the message names the frame, not its hash.
    """
    frames: list[VpdqFrame] = []
    for number, part in enumerate(text.split(), start=1):
        try:
            frames.append(VpdqFrame.from_text(part))
        except ValueError:
            raise ValueError(f"vPDQ frame {number} is not hex:quality:timestamp ({preview(part)})") from None
    if not frames:
        raise ValueError("a vPDQ hash needs at least one frame")
    return tuple(frames)


def decode_head(head: bytes) -> str:
    """The text of a file's first bytes, for sniffing: BOM-aware, never raising on a cut character."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="replace")
    return head.decode("utf-8", errors="replace")


def complete_lines(head: bytes, limit: int = 8) -> list[str]:
    """Up to ``limit`` non-blank, non-comment lines of ``head`` that are certainly whole (not cut off)."""
    text = decode_head(head)
    if len(head) >= HEAD_BYTES and "\n" in text:
        text = text[: text.rindex("\n")]
    lines = [line.strip() for line in text.splitlines()]
    return [line for line in lines if line and not line.startswith("#")][:limit]


def text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Number and text of each line of a UTF-8 text file (a BOM is dropped), without the line ending.

    Raises:
        HashSetFormatError: the file is not UTF-8; the error names the line.
    """
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise HashSetFormatError("the line is not UTF-8 text", f"line {number}", path.name) from None
            yield number, line.rstrip("\r\n")


def content_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Number and stripped text of each line of a UTF-8 text file that is neither blank nor a ``#`` comment.

    Raises:
        HashSetFormatError: the file is not UTF-8; the error names the line.
    """
    for number, line in text_lines(path):
        text = line.strip()
        if text and not text.startswith("#"):
            yield number, text


def csv_entries(
    path: Path,
    header: Callable[[list[str], str], list[str]],
    row_reader: Callable[[list[str]], Callable[[list[str]], Entry]],
) -> Iterator[Entry]:
    """The entries of a UTF-8 CSV file with a header line, one per row; blank rows are skipped.

    Args:
        path: the file (a BOM is dropped).
        header: checks the first row (given the file's name for errors) and returns the column names.
        row_reader: given the column names, returns what turns a row into an entry, raising ValueError
            for a bad row.

    Raises:
        HashSetFormatError: not CSV or not UTF-8, a row of the wrong width, or a bad row; naming the line.
    """
    source = path.name
    allow_long_fields()  # a long video's vPDQ outgrows the csv module's default 128 KiB field limit
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream, strict=True)
        try:
            columns = header(next(reader, []), source)
            width = len(columns)
            to_entry = row_reader(columns)
            for row in reader:
                if len(row) != width:
                    if not row or row == [""]:
                        continue
                    raise HashSetFormatError(
                        f"wrong column count: the header has {width}, this row has {len(row)}",
                        f"line {reader.line_num}",
                        source,
                    )
                try:
                    yield to_entry(row)
                except ValueError as exc:
                    raise HashSetFormatError(str(exc), f"line {reader.line_num}", source) from None
        except csv.Error as exc:
            raise HashSetFormatError(f"not valid CSV ({exc})", f"line {reader.line_num}", source) from None
        except UnicodeDecodeError:
            raise HashSetFormatError("not UTF-8 text", f"after line {reader.line_num}", source) from None
