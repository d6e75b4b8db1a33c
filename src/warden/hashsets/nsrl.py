"""NIST NSRL RDS v3: the SQLite database of known software files, read-only and streamed, all known-good."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from warden.errors import HashSetFormatError
from warden.hashsets.formats import HashSetFormat, ReadOptions, parse_hex
from warden.hashsets.model import Entry
from warden.model.categories import Category
from warden.model.hashes import HashKind

SQLITE_MAGIC = b"SQLite format 3\x00"
HASH_COLUMNS: tuple[tuple[str, HashKind], ...] = (
    ("sha256", HashKind.SHA256),
    ("sha1", HashKind.SHA1),
    ("md5", HashKind.MD5),
)
_BATCH = 10_000


class NsrlRdsFormat(HashSetFormat):
    """An RDS v3 database: table ``FILE`` with ``sha256, sha1, md5, crc32, file_name, file_size,
    package_id``. Every row becomes one known-good entry with ``package_id`` as its ``source_id``.

    The database is opened with a read-only URI (``mode=ro``) and never written to; rows are fetched in
    batches, so only the entries themselves are held in memory. The full RDS repeats a hash once per package
    that ships it; the "minimal" editions keep one row per distinct file and make far smaller hash sets.
    """

    name = "nsrl-rds"
    description = "NIST NSRL RDS v3 SQLite database (table FILE); every entry is known_good"

    def sniff(self, head: bytes) -> bool:
        return head.startswith(SQLITE_MAGIC)

    def iterate(self, path: Path, options: ReadOptions) -> Iterator[Entry]:
        source = path.name
        uri = f"{path.resolve().as_uri()}?mode=ro"
        try:
            connection = sqlite3.connect(uri, uri=True)
        except sqlite3.Error as exc:
            raise HashSetFormatError(f"cannot open the SQLite database ({exc})", None, source) from None
        try:
            yield from _rows(connection, source)
        except sqlite3.Error as exc:
            raise HashSetFormatError(f"cannot read the SQLite database ({exc})", None, source) from None
        finally:
            connection.close()


def _rows(connection: sqlite3.Connection, source: str) -> Iterator[Entry]:
    present = {row[1].lower() for row in connection.execute("PRAGMA table_info(FILE)")}
    hash_columns = [(column, kind) for column, kind in HASH_COLUMNS if column in present]
    if not hash_columns:
        raise HashSetFormatError(
            "an SQLite database without the NSRL RDS v3 table FILE (sha256, sha1, md5, ...)", None, source
        )
    selected = [column for column, _ in hash_columns]
    selected.append("package_id" if "package_id" in present else "NULL")
    cursor = connection.execute(f"SELECT rowid, {', '.join(selected)} FROM FILE ORDER BY rowid")  # noqa: S608
    package_ids: dict[object, str] = {}  # one string per package, shared by all its files
    while rows := cursor.fetchmany(_BATCH):
        for row in rows:
            hashes: dict[str, str | None] = {"sha256": None, "sha1": None, "md5": None}
            for (column, kind), value in zip(hash_columns, row[1:-1], strict=True):
                if value is None or value == "":
                    continue
                try:
                    hashes[column] = parse_hex(kind, value if isinstance(value, str) else str(value))
                except ValueError as exc:
                    raise HashSetFormatError(f"{column}: {exc}", f"FILE rowid {row[0]}", source) from None
            if not any(hashes.values()):
                raise HashSetFormatError("the row has no hash", f"FILE rowid {row[0]}", source)
            package = row[-1]
            source_id = None
            if package is not None:
                source_id = package_ids.get(package)
                if source_id is None:
                    source_id = package_ids.setdefault(package, str(package))
            yield Entry(
                md5=hashes["md5"],
                sha1=hashes["sha1"],
                sha256=hashes["sha256"],
                category=Category.KNOWN_GOOD,
                source_id=source_id,
            )
