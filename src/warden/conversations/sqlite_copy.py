"""An app's SQLite database opened safely from its copy in the spool: checked, read-only, bounded in time.

The caller has already copied the database, with its ``-wal`` and ``-shm`` files, to the spool; the evidence
is never opened. SQLite applies a write-ahead log only to a file named ``<database>-wal`` beside the database,
so a log copied under another name is linked (or copied) beside a private link to the database in a fresh
folder of the spool, and SQLite may then fold it into that copy. Every query runs with no busy wait,
``query_only`` on, and a progress handler that stops it once the source's time (:attr:`Limits.seconds`) is
spent; rows come in bounded batches, and text that is not UTF-8 is kept (undecodable bytes as U+FFFD) and
marked, so one bad row is a problem, never the end of the source.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from warden.conversations.model import RowProblem
from warden.conversations.readers import Limits, Source, SourceError

SQLITE_HEADER = b"SQLite format 3\x00"
WAL_MAGIC = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")
BATCH = 1_000
"""Rows fetched from SQLite at a time: a huge table never sits in memory whole."""
_PROGRESS_STEPS = 10_000
"""SQLite virtual-machine steps between two looks at the clock."""


class BadText(str):
    """Text from a TEXT column whose bytes are not UTF-8, with each undecodable byte shown as U+FFFD."""

    __slots__ = ()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return BadText(data.decode("utf-8", "replace"))


def looks_like_sqlite(path: Path) -> bool:
    """Whether ``path`` starts with SQLite's header, or is empty beside a write-ahead log (never raises)."""
    try:
        with path.open("rb") as file:
            return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def _head(path: Path, size: int) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(size)
    except OSError as error:
        raise SourceError(f"cannot read {path.name}: {error.strerror or error}") from None


def _check(source: Source) -> Path | None:
    """The write-ahead log to apply, if any, after checking the database's header.

    Raises:
        SourceError: not a SQLite database (an encrypted one, SQLCipher or WhatsApp's ``.crypt``, has no
            header).
    """
    wal = source.siblings.get("wal")
    wal_ok = wal is not None and _head(wal, 4) in WAL_MAGIC
    head = _head(source.path, 100)
    if not head:
        if wal_ok:
            return wal  # the main file is empty (never checkpointed): everything is in the log
        raise SourceError("the database file is empty and there is no write-ahead log to read it from")
    if head[:16] != SQLITE_HEADER:
        raise SourceError(
            "not a SQLite database (no 'SQLite format 3' header): another format, or encrypted "
            "(SQLCipher, WhatsApp .crypt files) and not readable without its key"
        )
    if len(head) < 100:
        raise SourceError(
            f"the database is truncated: {len(head)} bytes, shorter than SQLite's 100-byte header"
        )
    return wal if wal_ok else None


def _first_page(wal: Path) -> bytes:
    """A stand-in first page for a database whose main file is empty and whose pages are all in its log.

    SQLite deletes the log of an empty database file instead of reading it, so the log is given a main file of
    one page, in WAL mode, with the log's page size; the log's own first page, newer, is the one SQLite reads.
    """
    size = int.from_bytes(_head(wal, 12)[8:12], "big")
    if size < 512 or size > 65536 or size & (size - 1):
        raise SourceError(f"the write-ahead log's page size {size} is not one SQLite uses")
    header = bytearray(size)
    header[:16] = SQLITE_HEADER
    header[16:18] = (1 if size == 65536 else size).to_bytes(2, "big")
    header[18:24] = bytes((2, 2, 0, 64, 32, 32))  # WAL mode for writing and reading; payload fractions
    header[28:32] = (1).to_bytes(4, "big")  # one page
    header[44:48] = (4).to_bytes(4, "big")  # schema format 4
    header[56:60] = (1).to_bytes(4, "big")  # UTF-8
    header[96:100] = (3_040_000).to_bytes(4, "big")
    header[100] = 0x0D  # an empty leaf table page
    header[105:107] = (size if size < 65536 else 0).to_bytes(2, "big")
    return bytes(header)


def _place(source: Source, wal: Path | None) -> tuple[Path, Path | None]:
    """Where to open the database so that SQLite finds its log, and the private folder made for it, if any."""
    if wal is None:
        return source.path, None
    empty = source.path.stat().st_size == 0
    beside = source.path.with_name(source.path.name + "-wal")
    if not empty and beside.exists() and os.path.samefile(beside, wal):
        return source.path, None
    folder = Path(tempfile.mkdtemp(prefix="conversation-", dir=source.path.parent))
    database = folder / "database"
    try:
        if empty:
            database.write_bytes(_first_page(wal))
        for original, copy in ((source.path, database), (wal, folder / "database-wal")):
            if copy.exists():
                continue
            try:
                os.link(original, copy)
            except OSError:
                shutil.copyfile(original, copy)
    except (OSError, SourceError) as error:
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(error, SourceError):
            raise
        raise SourceError(f"cannot place the write-ahead log beside its database: {error}") from None
    return database, folder


class Database:
    """One app database, open on its spool copy for reading; use as a context manager.

    Attributes:
        problems: what went wrong in queries (a damaged page, the time limit), one per query stopped.
    """

    def __init__(self, source: Source, limits: Limits) -> None:
        """Check and open ``source``.

        Raises:
            SourceError: not a SQLite database, truncated, locked by another program, or unreadable.
        """
        self.label = source.label
        self.problems: list[RowProblem] = []
        self._deadline = time.monotonic() + limits.seconds
        self._seconds = limits.seconds
        self.timed_out = False
        wal = _check(source)
        path, self._folder = _place(source, wal)
        try:
            self._connection = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=0, isolation_level=None
            )
        except sqlite3.Error as error:
            self._cleanup()
            raise SourceError(f"SQLite cannot open it: {error}") from None
        self._connection.text_factory = _decode
        self._connection.set_progress_handler(self._over_time, _PROGRESS_STEPS)
        try:
            self._connection.execute("PRAGMA busy_timeout = 0")
            self._connection.execute("PRAGMA query_only = 1")
            self._connection.execute("PRAGMA trusted_schema = 0")
            self._tables = {
                str(name).lower(): str(name)
                for (name,) in self._connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except sqlite3.Error as error:
            self.close()
            raise SourceError(_why(error, self._seconds)) from None

    def _over_time(self) -> int:
        if time.monotonic() > self._deadline:
            self.timed_out = True
            return 1
        return 0

    def tables(self) -> list[str]:
        """Every table's name, lower case."""
        return sorted(self._tables)

    def pick(self, table: str, wanted: Sequence[str], alias: str = "") -> str:
        """A select list of ``wanted`` columns of ``table``: each one the table lacks is ``NULL AS`` its name,
        so a reader asks for the columns it knows and gets None for those an app version does not have.
        ``wanted`` are the reader's own identifiers, never text from the database."""
        present = self.columns(table)
        prefix = f"{alias}." if alias else ""
        return ", ".join(
            f"{prefix}{name} AS {name}" if name.lower() in present else f"NULL AS {name}" for name in wanted
        )

    def has_table(self, name: str) -> bool:
        """Whether the database has a table of that name (any case)."""
        return name.lower() in self._tables

    def columns(self, table: str) -> set[str]:
        """The table's column names, lower case (empty when it has no such table or it cannot be read)."""
        if not self.has_table(table):
            return set()
        try:
            rows = self._connection.execute(f'PRAGMA table_info("{self._tables[table.lower()]}")').fetchall()
        except sqlite3.Error:
            return set()
        return {str(row[1]).lower() for row in rows}

    def rows(self, sql: str, parameters: Sequence[Any] = (), *, what: str) -> Iterator[sqlite3.Row]:
        """The rows of one query, fetched a batch at a time; a query that fails or runs out of time ends with
        one problem naming ``what`` (``message``, ``chat``...), and the rows read before it are kept."""
        if self.timed_out:
            return
        try:
            cursor = self._connection.execute(sql, parameters)
            cursor.row_factory = sqlite3.Row
            while batch := cursor.fetchmany(BATCH):
                yield from batch
                if time.monotonic() > self._deadline:
                    self.timed_out = True
                    break
        except sqlite3.Error as error:
            self.problems.append(RowProblem(f"{self.label}//{what}", _why(error, self._seconds)))
            return
        if self.timed_out:
            self.problems.append(RowProblem(f"{self.label}//{what}", _why(None, self._seconds)))

    def close(self) -> None:
        """Close the connection and remove the private folder made for the log, if any."""
        connection = getattr(self, "_connection", None)
        if connection is not None:
            connection.close()
        self._cleanup()

    def _cleanup(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def _why(error: sqlite3.Error | None, seconds: float) -> str:
    """What a user is told of a query SQLite stopped."""
    if error is None or "interrupt" in str(error):
        return f"stopped after {seconds:g} s (the source's time limit); the rows read before are kept"
    text = str(error)
    if "locked" in text or "busy" in text:
        return "the database is locked by another program: close it, or copy it again"
    if "malformed" in text or "not a database" in text or "disk I/O" in text:
        return f"the database is damaged or truncated ({text})"
    return f"SQLite cannot read it: {text}"


def table_columns(source: Source) -> dict[str, set[str]]:
    """Each table's columns (names lower case), for recognising a source from its content; empty when it
    is not a SQLite database or cannot be opened (never raises)."""
    try:
        with Database(source, Limits(seconds=10.0)) as database:
            return {table: database.columns(table) for table in database.tables()}
    except (SourceError, sqlite3.Error, OSError):
        return {}


def open_database(source: Source, limits: Limits) -> Database:
    """Open ``source`` as an app database (see :class:`Database`).

    Raises:
        SourceError: it cannot be opened at all.
    """
    return Database(source, limits)
