"""iOS backup folders (iTunes, Finder): each stored file named by its original path on the phone.

A backup keeps every file of the phone under a hashed name, ``<first two hex digits>/<fileID>``, and says in
``Manifest.db`` (SQLite, table ``Files(fileID, domain, relativePath, flags, file)``) which domain and path on
the phone each fileID was. A folder holding ``Manifest.db`` beside ``Manifest.plist`` (iOS 10 and later;
earlier backups keep ``Manifest.mbdb`` and are listed as plain folders) is listed through its manifest: a
stored file becomes an item named by its phone path (``CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG``),
read from the stored file. A file the manifest does not name keeps its stored name; a manifest row whose file
is not stored is a fact. A manifest that cannot be read (not SQLite, damaged) is a fact, and the backup's
files are then listed by their stored names: nothing is left out. In an encrypted backup, ``Manifest.db`` and
the stored files are encrypted: its files keep their stored names here, and ``Manifest.plist`` is marked as
the key to the backup, which :mod:`.ios_encrypted` opens with the backup password.

``Manifest.db`` is read through the descriptor that was checked to be the listed file, read-only and
immutable (SQLite writes no journal or WAL beside it), with a bounded row count, bounded text and a deadline.
"""

from __future__ import annotations

import os
import plistlib
import re
import sqlite3
import stat
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from warden import settings
from warden.clock import from_timestamp
from warden.evidence.base import HEAD_BYTES, Item, JsonScalar, Step
from warden.evidence.members import safe_name
from warden.evidence.names import repeated
from warden.hashing.digests import open_evidence

FORMAT = "ios-backup"
"""The format's name in provenance and in the report's "not examined" list."""

MANIFEST_DB = "Manifest.db"
MANIFEST_PLIST = "Manifest.plist"

Listing = Sequence[tuple[str, os.stat_result | OSError]]
"""A folder's entries as :mod:`warden.evidence.folder` lists them: name and status (or why not)."""

_SQLITE = b"SQLite format 3\x00"
_FILE_ID = re.compile(r"[0-9a-f]{40}")
_STORED = re.compile(r"([0-9a-f]{2})/([0-9a-f]{40})")
_PLIST_BYTES = 1 << 20
_TEXT_CHARS = 4096
"""Longest domain or relative path read from a row; a longer one is cut (and flagged)."""
_BLOB_BYTES = 1 << 16
"""Largest ``file`` column (the row's archived metadata: times, size) read; a larger one is left unread."""
_FILE, _DIRECTORY = 1, 2
_TIMES = {"LastModified": "phone_mtime", "LastStatusChange": "phone_ctime", "Birth": "phone_crtime"}


def is_backup(entries: Listing) -> bool:
    """Whether a folder's entries are those of an iOS backup: regular files ``Manifest.db`` and
    ``Manifest.plist`` side by side."""
    found = {name for name, st in entries if not isinstance(st, OSError) and stat.S_ISREG(st.st_mode)}
    return MANIFEST_DB in found and MANIFEST_PLIST in found


class ManifestError(Exception):
    """The backup's manifest cannot be used; the message says why, for the backup's fact record.

    Internal: recorded as a fact of the evidence, never raised to a user.
    """


@dataclass(frozen=True, slots=True)
class Row:
    """One file of the phone as ``Manifest.db`` names it."""

    domain: str
    relative_path: str
    flags: int | None
    detail: dict[str, JsonScalar] = field(default_factory=dict)
    """What the row's archived metadata says (phone times, size), and whether its text was cut."""
    key: bytes | None = field(default=None, repr=False)
    """The file's wrapped key in an encrypted backup (``EncryptionKey``: protection class, then the key)."""

    @property
    def phone_path(self) -> str:
        """Domain and relative path, as iOS forensic tools write them."""
        return f"{self.domain}/{self.relative_path}" if self.relative_path else self.domain


@dataclass(frozen=True, slots=True)
class Manifest:
    """The rows read, by fileID, and whether there were more than the bound allowed."""

    rows: dict[str, Row]
    more: bool


class IosBackup:
    """One backup folder being listed: its manifest, and the names given out so far.

    Args:
        fs_dir: the backup folder on the examiner's machine.
        rel_dir: its path inside the evidence root ("" when the backup is the evidence root).
        entries: its listing.
    """

    def __init__(self, fs_dir: str, rel_dir: str, entries: Listing) -> None:
        self.rel_dir = rel_dir
        self.facts: list[Item] = []
        self.manifest: Manifest | None = None
        self._top = {name for name, _ in entries}
        self._taken: set[str] = set()
        self._seen: set[str] = set()
        status = {name: st for name, st in entries if not isinstance(st, OSError)}
        prefix = (Step("file", rel_dir, {"format": FORMAT}),) if rel_dir else ()
        self._prefix: tuple[Step, ...] = prefix
        self.encrypted = False
        """Whether ``Manifest.plist`` opens the backup with its password (:mod:`.ios_encrypted`)."""
        why = _encrypted(os.path.join(fs_dir, MANIFEST_PLIST), status[MANIFEST_PLIST])
        if why is not None:
            self.encrypted = why == ""
            if why:
                self._fact(why)
            return
        max_rows = settings.get_int(settings.MAX_MEMBERS)
        seconds = settings.get_int(settings.MAX_CONTAINER_SECONDS)
        try:
            self.manifest = read_manifest(
                os.path.join(fs_dir, MANIFEST_DB), status[MANIFEST_DB], max_rows, seconds
            )
        except ManifestError as error:
            self._fact(
                f"{MANIFEST_DB} cannot be read as an iOS backup manifest: {error}; the backup's files are "
                "listed by their stored names, without their paths on the phone"
            )
            return
        if self.manifest.more:
            self._fact(
                f"{MANIFEST_DB} names more than {max_rows} files (the max_members limit, setting "
                "WARDEN_MAX_MEMBERS): the files past it are listed by their stored names, without their "
                "paths on the phone"
            )

    def relabel(self, item: Item) -> Item:
        """A file of the backup folder as listed plainly: named by its phone path when the manifest names
        its stored name, otherwise as it is. The ``Manifest.plist`` of an encrypted backup is marked as
        the backup's (detail ``format: ios-backup``), for :mod:`.ios_encrypted` to open the backup from."""
        if (self.manifest is None and not self.encrypted) or not item.steps:
            return item
        inner = item.steps[-1].name
        if self.rel_dir:
            if not inner.startswith(self.rel_dir + "/"):
                return item
            inner = inner[len(self.rel_dir) + 1 :]
        if self.manifest is None:
            if inner != MANIFEST_PLIST or len(item.steps) != 1:
                return item
            mark = {**item.steps[-1].detail, "format": FORMAT, "encrypted": True}
            return replace(item, steps=(replace(item.steps[-1], detail=mark),))
        stored = _STORED.fullmatch(inner)
        if stored is None or stored.group(1) != stored.group(2)[:2]:
            return item
        row = self.manifest.rows.get(stored.group(2))
        if row is None:
            return item
        self._seen.add(stored.group(2))
        return replace(item, steps=(*self._prefix, self._phone_step(stored.group(2), row, inner)))

    def missing(self) -> Iterator[Item]:
        """A fact for each file the manifest names that is not stored in the backup, in phone-path order."""
        if self.manifest is None:
            return
        absent = [
            (row.phone_path, file_id, row)
            for file_id, row in self.manifest.rows.items()
            if file_id not in self._seen and row.flags in (_FILE, None)
        ]
        for _, file_id, row in sorted(absent):
            step = self._phone_step(file_id, row, f"{file_id[:2]}/{file_id}")
            yield Item(
                steps=(*self._prefix, step),
                problem=f"named in {MANIFEST_DB} but not stored in the backup: nothing to read",
                not_examined=True,
            )

    def _phone_step(self, file_id: str, row: Row, stored: str) -> Step:
        name, detail = phone_detail(file_id, row, f"{self.rel_dir}/{stored}" if self.rel_dir else stored)
        return Step("phone", self._unique(name), detail)

    def _unique(self, name: str) -> str:
        # With the backup as the evidence root, a plainly listed file (``ab/<fileID>``, ``Manifest.db``)
        # shares the phone names' level: a phone name starting with one of those names is marked apart.
        clash = not self._prefix and name.split("/", 1)[0] in self._top
        candidate, copy = name, 1
        while candidate in self._taken or (clash and candidate == name):
            copy += 1
            candidate = repeated(name, copy)
        self._taken.add(candidate)
        return candidate

    def _fact(self, reason: str) -> None:
        name = f"({FORMAT})"
        if not self._prefix and name in self._top:
            name = repeated(name, 2)  # a file of that name in a backup given as the evidence root
        step = Step("error", name, {"container": FORMAT})
        self.facts.append(Item(steps=(*self._prefix, step), problem=reason, not_examined=True))


def phone_detail(file_id: str, row: Row, stored_as: str) -> tuple[str, dict[str, JsonScalar]]:
    """A stored file's item name (its phone path, made safe) and its step's detail.

    Args:
        file_id: its fileID.
        row: its manifest row.
        stored_as: the stored file's path in the evidence.
    """
    name, unsafe = safe_name(row.phone_path)
    detail: dict[str, JsonScalar] = {
        "format": FORMAT,
        "phone_path": row.phone_path,
        "domain": row.domain,
        "relative_path": row.relative_path,
        "file_id": file_id,
        "stored_as": stored_as,
    }
    detail.update(row.detail)
    if unsafe:
        detail["unsafe_name"] = True
    if name != row.phone_path:
        detail["original_name"] = repr(row.phone_path)
    return name, detail


def encrypted_manifest(head: bytes) -> bool:
    """Whether ``head`` (a file's first bytes) is an encrypted backup's ``Manifest.plist``: a property list
    (binary, as iOS writes it, or XML) holding ``BackupKeyBag`` and ``ManifestKey``, the keys to the backup.

    A binary property list keeps the top dictionary's key names near its start, so they are in the head."""
    plist = head.startswith(b"bplist00") or b"<plist" in head[:1024]
    return plist and b"BackupKeyBag" in head and b"ManifestKey" in head


def _encrypted(path: str, status: os.stat_result) -> str | None:
    """Why the backup's files cannot be named (an encrypted backup), or None; "" for an encrypted backup
    whose ``Manifest.plist`` opens it with the password (:mod:`.ios_encrypted` says the rest)."""
    try:
        with open_evidence(path, (status.st_dev, status.st_ino)) as stream:
            data = stream.read(_PLIST_BYTES + 1)
        if len(data) > _PLIST_BYTES:
            return None
        plist = plistlib.loads(data)
    except Exception:  # an unreadable Manifest.plist only means encryption is not known
        return None
    if isinstance(plist, dict) and plist.get("IsEncrypted") is True:
        if encrypted_manifest(data[:HEAD_BYTES]):
            return ""
        return (
            f"encrypted iOS backup whose {MANIFEST_PLIST} holds no BackupKeyBag and ManifestKey that Warden "
            "can find (the keys that the backup password opens, iOS 10 and later): not decrypted; the stored "
            "files are listed by their stored names"
        )
    return None


def read_manifest(path: str, status: os.stat_result, max_rows: int, seconds: float) -> Manifest:
    """The rows of a ``Manifest.db``, read-only, bounded.

    Args:
        path: the file.
        status: its status as listed: the file opened must be that one.
        max_rows: most rows read; ``more`` says whether there were others.
        seconds: most seconds the reading may take.

    Raises:
        ManifestError: not an SQLite database, no ``Files`` table, damaged, or over the time.
    """
    try:
        with open_evidence(path, (status.st_dev, status.st_ino)) as stream:
            if stream.read(len(_SQLITE)) != _SQLITE:
                raise ManifestError("not an SQLite database")
            return _rows(_uri(path, stream.fileno()), max_rows, seconds)
    except OSError as error:
        raise ManifestError(f"cannot be read: {error}") from error


def read_decrypted_manifest(path: str, max_rows: int, seconds: float) -> Manifest:
    """The rows of a ``Manifest.db`` decrypted into a temporary file of Warden's own, bounded as
    :func:`read_manifest` bounds them.

    Raises:
        ManifestError: no ``Files`` table, damaged, or over the time.
    """
    return _rows(f"{Path(path).as_uri()}?mode=ro&immutable=1", max_rows, seconds)


def _uri(path: str, descriptor: int) -> str:
    # The descriptor opened without following links and checked against the listing, where the system shows
    # it as a path; SQLite then reads exactly the file that was checked.
    through = f"/proc/self/fd/{descriptor}"
    target = through if os.path.exists(through) else os.path.abspath(path)
    return f"{Path(target).as_uri()}?mode=ro&immutable=1"


def _rows(uri: str, max_rows: int, seconds: float) -> Manifest:
    deadline = time.monotonic() + seconds
    query = (
        "SELECT fileID, substr(domain, 1, ?), substr(relativePath, 1, ?), length(domain), "
        "length(relativePath), flags, CASE WHEN length(file) <= ? THEN file END FROM Files LIMIT ?"
    )
    rows: dict[str, Row] = {}
    more = False
    try:
        connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
    except sqlite3.Error as error:
        raise ManifestError(f"SQLite cannot open it: {error}") from error
    try:
        # A hostile database cannot hold the walk: SQLite is interrupted past the deadline.
        connection.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
        cursor = connection.execute(query, (_TEXT_CHARS, _TEXT_CHARS, _BLOB_BYTES, max_rows + 1))
        for record in cursor:
            if len(rows) >= max_rows:
                more = True
                break
            row = _row(record)
            if row is not None:
                rows[row[0]] = row[1]
    except sqlite3.Error as error:
        if time.monotonic() > deadline:
            raise ManifestError(
                f"reading it took over {seconds:g} seconds (max_container_seconds)"
            ) from error
        raise ManifestError(f"SQLite cannot read its Files table: {error}") from error
    finally:
        connection.close()
    return Manifest(rows, more)


def _row(record: tuple[Any, ...]) -> tuple[str, Row] | None:
    """One row as (fileID, Row); None for a row whose fileID cannot name a stored file."""
    file_id, domain, relative, domain_length, relative_length, flags, blob = record
    if not isinstance(file_id, str) or _FILE_ID.fullmatch(file_id.lower()) is None:
        return None
    detail: dict[str, JsonScalar] = {}
    if (isinstance(domain_length, int) and domain_length > _TEXT_CHARS) or (
        isinstance(relative_length, int) and relative_length > _TEXT_CHARS
    ):
        detail["cut"] = f"domain or relative path over {_TEXT_CHARS} characters, cut"
    archived = _archived(blob) if isinstance(blob, bytes) else None
    key = None
    if archived is not None:
        detail.update(_metadata(archived))
        key = _file_key(archived)
    row = Row(
        domain=_text(domain),
        relative_path=_text(relative),
        flags=flags if isinstance(flags, int) else None,
        detail=detail,
        key=key,
    )
    return file_id.lower(), row


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return "" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class _Archived:
    """A row's ``file`` column unarchived: the root object and the archive's object table."""

    record: dict[str, Any]
    objects: list[Any]


def _archived(blob: bytes) -> _Archived | None:
    """A row's ``file`` column (an NSKeyedArchiver binary plist of an ``MBFile``), or None if unreadable."""
    try:
        archive = plistlib.loads(blob)
        objects = archive["$objects"]
        top = archive["$top"]["root"]
        record = objects[top.data if isinstance(top, plistlib.UID) else int(top)]
    except Exception:  # hostile or unusual metadata only means the times (or the key) are unknown
        return None
    if not isinstance(record, dict) or not isinstance(objects, list):
        return None
    return _Archived(record, objects)


def _file_key(archived: _Archived) -> bytes | None:
    """The file's wrapped key (``EncryptionKey``, an ``NSData`` object: protection class and wrapped key)."""
    reference = archived.record.get("EncryptionKey")
    if not isinstance(reference, plistlib.UID) or not 0 <= reference.data < len(archived.objects):
        return None
    data = archived.objects[reference.data]
    key = data.get("NS.data") if isinstance(data, dict) else None
    return key if isinstance(key, bytes) else None


def _metadata(archived: _Archived) -> dict[str, JsonScalar]:
    """The phone's times and size from a row's unarchived ``file`` column, where it gives them."""
    record = archived.record
    found: dict[str, JsonScalar] = {}
    for key, name in _TIMES.items():
        value = record.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                found[name] = from_timestamp(value)
            except (ValueError, OverflowError, OSError):
                continue
    size = record.get("Size")
    if isinstance(size, int) and not isinstance(size, bool):
        found["phone_size"] = size
    return found
