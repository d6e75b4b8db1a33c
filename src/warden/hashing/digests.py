"""MD5, SHA-1 and SHA-256 of a file from one streaming read, keeping its bytes only when asked to."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from warden.hashing.sniff import HEAD_BYTES

CHUNK_BYTES = 1 << 20


Identity = tuple[int, int]
"""A file's ``(st_dev, st_ino)``: which file a path named when it was listed."""


class NotRegularFileError(OSError):
    """The path is a pipe, socket, device or folder: reading it could block forever or read a live device.

    Internal: recorded as the item's error, never raised to a user.
    """


class ReplacedFileError(OSError):
    """The path no longer names the file that was listed: it became a link, or another file took its place.

    Internal: recorded as the item's error, never raised to a user.
    """


class ListedPath(str):
    """A path to a file of evidence, with the identity it had when the evidence was listed.

    A plain ``str`` to whatever does not know it (JSON, ``os`` functions), so it can travel to a hashing
    worker as a path; :func:`listed_identity` reads the identity back.
    """

    identity: Identity | None

    def __new__(cls, path: str, identity: Identity | None) -> ListedPath:
        made = super().__new__(cls, path)
        made.identity = identity
        return made


def listed_identity(path: object) -> Identity | None:
    """The identity a :class:`ListedPath` carries; None for any other path."""
    return path.identity if isinstance(path, ListedPath) else None


def open_evidence(path: str | os.PathLike[str], identity: Identity | None = None) -> BinaryIO:
    """Open a file of evidence for reading, leaving it as it was found.

    Read-only, without updating its access time where the system allows (``O_NOATIME``), and without
    blocking on a named pipe: anything but a regular file is refused before a byte is read. A symbolic
    link is never followed (``O_NOFOLLOW``), and when ``identity`` is given the file opened must be the one
    listed (same device and inode): a file swapped for a link, or for another file, between listing and
    reading is refused, not read.

    Raises:
        NotRegularFileError: not a regular file.
        ReplacedFileError: a symbolic link now, or not the file that was listed.
        OSError: it cannot be opened.
    """
    base = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    noatime = getattr(os, "O_NOATIME", 0)
    try:
        try:
            descriptor = os.open(path, base | noatime)
        except PermissionError:
            # O_NOATIME is allowed only to the file's owner (or root); without it the read is still read-only.
            descriptor = os.open(path, base)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ReplacedFileError(errno.ELOOP, "a symbolic link (not followed)", str(path)) from None
        raise
    try:
        status = os.fstat(descriptor)
        if identity is not None and (status.st_dev, status.st_ino) != tuple(identity):
            raise ReplacedFileError(
                errno.ESTALE, "not the file that was listed (replaced since): not read", str(path)
            )
        if not stat.S_ISREG(status.st_mode):
            raise NotRegularFileError(f"not a regular file: {path}")
        flags = fcntl.fcntl(descriptor, fcntl.F_GETFL)
        fcntl.fcntl(descriptor, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


@dataclass(frozen=True, slots=True)
class Digests:
    """The cryptographic digests (lower-case hex) and the size in bytes of what was read."""

    md5: str
    sha1: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What one pass over a file gives: its digests, its first bytes, and its bytes if they were kept."""

    digests: Digests
    head: bytes
    data: bytes | None


def read_and_digest(stream: BinaryIO, keep: Callable[[bytes], int]) -> ReadResult:
    """Digest ``stream`` to its end in one pass.

    Args:
        stream: an open binary file positioned at its start.
        keep: called once with the first bytes (up to :data:`~warden.hashing.sniff.HEAD_BYTES`; fewer
            only when the file is shorter); returns the most bytes worth keeping in memory, 0 for none.
            If the file turns out longer than that, nothing is kept.

    Returns:
        The digests, the first bytes, and the whole content when it was kept.
    """
    md5 = hashlib.md5(usedforsecurity=False)
    sha1 = hashlib.sha1(usedforsecurity=False)
    sha256 = hashlib.sha256()
    first = _read_at_least(stream, HEAD_BYTES)
    head = first[:HEAD_BYTES]
    limit = keep(head)
    kept: list[bytes] | None = [first] if limit > 0 and len(first) <= limit else None
    size = 0
    chunk = first
    while chunk:
        md5.update(chunk)
        sha1.update(chunk)
        sha256.update(chunk)
        size += len(chunk)
        chunk = stream.read(CHUNK_BYTES)
        if kept is not None and chunk:
            if size + len(chunk) > limit:
                kept = None
            else:
                kept.append(chunk)
    digests = Digests(md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest(), size)
    return ReadResult(digests, head, b"".join(kept) if kept is not None else None)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file Warden keeps or is given (a hash-set file, an index array), read in chunks."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _read_at_least(stream: BinaryIO, count: int) -> bytes:
    """A first chunk of at least ``count`` bytes unless the file ends sooner (pipes may return less)."""
    parts = [stream.read(max(count, CHUNK_BYTES))]
    total = len(parts[0])
    while parts[-1] and total < count:
        parts.append(stream.read(CHUNK_BYTES))
        total += len(parts[-1])
    return b"".join(parts)
