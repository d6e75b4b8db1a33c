"""Warden's own CSV hash list: one entry per row, every hash kind in its own column; read and written."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from warden.csv_cells import neutralise_row, restore
from warden.errors import HashSetFormatError
from warden.hashsets.formats import (
    HashSetFormat,
    ReadOptions,
    WriteOptions,
    complete_lines,
    csv_entries,
    parse_hex,
    parse_source_id,
    parse_vpdq,
)
from warden.hashsets.model import Entry
from warden.model.categories import Category
from warden.model.hashes import HashKind, vpdq_to_text

REQUIRED_COLUMNS: tuple[str, ...] = ("md5", "sha1", "sha256", "pdq", "category", "source_id")
"""Every canonical CSV names these columns in its header, in any order."""

OPTIONAL_COLUMNS: tuple[str, ...] = ("vpdq", "photodna")
"""Columns a canonical CSV may add; any other column is refused by name."""

_HASH_COLUMNS: tuple[tuple[str, HashKind], ...] = (
    ("md5", HashKind.MD5),
    ("sha1", HashKind.SHA1),
    ("sha256", HashKind.SHA256),
    ("pdq", HashKind.PDQ),
)


class CanonicalCsvFormat(HashSetFormat):
    """``md5,sha1,sha256,pdq,category,source_id[,vpdq][,photodna]``: any hash may be empty, category is a
    Warden category name or empty for uncategorised.

    Unknown columns are refused (naming the column) rather than ignored: a misspelt ``sha_256`` column
    would otherwise drop every SHA-256 in the file without a word. A source id that would start a
    spreadsheet formula is written with a leading ``'`` and read back without it (:mod:`warden.csv_cells`).
    """

    name = "csv"
    description = "Warden canonical CSV: md5,sha1,sha256,pdq,category,source_id (+ optional vpdq, photodna)"

    def sniff(self, head: bytes) -> bool:
        lines = complete_lines(head, limit=1)
        if not lines:
            return False
        cells = {cell.strip().strip('"').lower() for cell in lines[0].split(",")}
        return "category" in cells and bool(cells & {"md5", "sha1", "sha256", "pdq", "vpdq"})

    def iterate(self, path: Path, options: ReadOptions) -> Iterator[Entry]:
        return csv_entries(path, _header, _RowReader)

    def write(self, entries: Iterable[Entry], stream: TextIO, options: WriteOptions | None = None) -> None:
        rows = entries if isinstance(entries, list) else list(entries)
        columns = list(REQUIRED_COLUMNS)
        if any(entry.vpdq for entry in rows):
            columns.append("vpdq")
        if any(entry.photodna for entry in rows):
            columns.append("photodna")
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(columns)
        for entry in rows:
            writer.writerow(neutralise_row(_cells(entry, columns)))


def _header(row: list[str], source: str) -> list[str]:
    columns = [cell.strip().lower() for cell in row]
    if not any(columns):
        raise HashSetFormatError(
            "the file is empty: a canonical CSV starts with a header line", "line 1", source
        )
    seen: set[str] = set()
    for column in columns:
        if column not in REQUIRED_COLUMNS and column not in OPTIONAL_COLUMNS:
            allowed = ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
            raise HashSetFormatError(f"unknown column {column!r} (columns are {allowed})", "line 1", source)
        if column in seen:
            raise HashSetFormatError(f"column {column!r} appears twice", "line 1", source)
        seen.add(column)
    missing = [column for column in REQUIRED_COLUMNS if column not in seen]
    if missing:
        raise HashSetFormatError(f"the header has no {missing[0]!r} column", "line 1", source)
    return columns


_CATEGORY_CELLS: dict[str, Category] = {category.value.lower(): category for category in Category}
_CATEGORY_CELLS.update({"": Category.UNCATEGORISED, "A": Category.A, "B": Category.B, "C": Category.C})


class _RowReader:
    """Turns a row into an entry, with the column positions worked out once from the header."""

    def __init__(self, columns: list[str]) -> None:
        position = {column: index for index, column in enumerate(columns)}
        self.hashes = [(position[column], column, kind) for column, kind in _HASH_COLUMNS]
        self.category = position["category"]
        self.source_id = position["source_id"]
        self.vpdq = position.get("vpdq")
        self.photodna = position.get("photodna")

    def __call__(self, row: list[str]) -> Entry:
        """The row's entry.

        Raises:
            ValueError: a malformed cell, or no hash at all; the message names the column.
        """
        found: list[str | None] = []
        for index, column, kind in self.hashes:
            text = row[index]
            try:
                found.append(parse_hex(kind, text) if text and not text.isspace() else None)
            except ValueError as exc:
                raise ValueError(f"column {column}: {exc}") from None
        vpdq_text = row[self.vpdq] if self.vpdq is not None else ""
        vpdq = parse_vpdq(vpdq_text) if vpdq_text.strip() else None
        if not any(found) and vpdq is None:
            raise ValueError("the row has no hash Warden can match")
        cell = row[self.category]
        category = _CATEGORY_CELLS.get(cell) or _CATEGORY_CELLS.get(cell.strip().lower())
        if category is None:
            category = Category.parse(cell[:40])  # raises, with the message the user needs
        return Entry(
            md5=found[0],
            sha1=found[1],
            sha256=found[2],
            pdq=found[3],
            vpdq=vpdq,
            photodna=(row[self.photodna].strip() or None) if self.photodna is not None else None,
            category=category,
            source_id=parse_source_id(restore(row[self.source_id].strip())),
        )


def _cells(entry: Entry, columns: list[str]) -> list[str]:
    values = {
        "md5": entry.md5 or "",
        "sha1": entry.sha1 or "",
        "sha256": entry.sha256 or "",
        "pdq": entry.pdq or "",
        "category": "" if entry.category is Category.UNCATEGORISED else entry.category.value,
        "source_id": entry.source_id or "",
        "vpdq": vpdq_to_text(entry.vpdq) if entry.vpdq else "",
        "photodna": entry.photodna or "",
    }
    return [values[column] for column in columns]
