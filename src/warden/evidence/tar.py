"""Tar archives (POSIX ustar, GNU, pax and old v7 tar) as containers of members.

The members of a compressed tar (``.tar.gz``, ``.tar.bz2``, ``.tar.xz``) come out through
:class:`warden.evidence.compressed.CompressedContainer`, which uses :func:`tar_members` from here.
"""

from __future__ import annotations

import lzma
import os
import tarfile
import zlib
from collections.abc import Callable, Generator, Iterator
from typing import Any, BinaryIO, cast

from warden.evidence.base import ContainerError, Item, JsonScalar, Limits
from warden.evidence.bounded import Decoded, Spool, cheaply_seekable
from warden.evidence.members import Members, epoch_time

_BLOCK = 512

_TYPE_NAMES = {
    tarfile.REGTYPE: "file",
    tarfile.AREGTYPE: "file",
    tarfile.CONTTYPE: "contiguous file",
    tarfile.GNUTYPE_SPARSE: "sparse file",
    tarfile.LNKTYPE: "hard link",
    tarfile.SYMTYPE: "symbolic link",
    tarfile.CHRTYPE: "character device",
    tarfile.BLKTYPE: "block device",
    tarfile.FIFOTYPE: "named pipe",
}

_READ_ERRORS = (tarfile.TarError, OSError, EOFError, ValueError, lzma.LZMAError, zlib.error)


def looks_like_tar(head: bytes) -> bool:
    """Whether ``head`` starts with a tar header: ``ustar`` at 257, or an old v7 header whose checksum holds.

    A v7 header has no magic; its checksum (the byte sum of the header with the checksum field read as
    spaces) is what tells it from chance, together with a name and octal size and checksum fields.
    """
    if len(head) < _BLOCK:
        return False
    if head[257:262] == b"ustar":
        return True
    if head[0] == 0:
        return False
    stored = _octal(head[148:156])
    size = _octal(head[124:136])
    if stored is None or size is None:
        return False
    computed = sum(head[:148]) + 8 * 0x20 + sum(head[156:_BLOCK])
    return stored == computed


def _octal(field: bytes) -> int | None:
    digits = field.replace(b"\0", b" ").strip()
    if not digits or any(byte not in b"01234567" for byte in digits):
        return None
    return int(digits, 8)


class TarContainer:
    """An uncompressed tar archive."""

    name = "tar"

    def sniff(self, head: bytes, size: int | None) -> bool:
        """A ustar, GNU or pax header, or a v7 header whose checksum holds."""
        return looks_like_tar(head)

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Generator[Item, None, None]:
        """Every file in the archive, in archive order; directories are not items.

        Raises:
            ContainerError: not a readable tar, or damaged or truncated after the members listed.
        """
        with cheaply_seekable(stream) as seekable:
            end = seekable.seek(0, os.SEEK_END)
            seekable.seek(0)
            try:
                archive = tarfile.open(fileobj=seekable, mode="r:")  # noqa: SIM115 - closed below
            except _READ_ERRORS as exc:
                raise ContainerError(f"tar archive cannot be read: {exc}") from exc
            with archive:
                yield from tar_members(archive, Members(container, "tar", limits), end=end)


def tar_members(
    archive: tarfile.TarFile, members: Members, *, compression: str | None = None, end: int | None = None
) -> Iterator[Item]:
    """The members of an open tar archive, as items.

    Args:
        archive: the tar, opened for random access (``r:``) over a stream that is already bounded.
        members: names, limits and provenance for this archive's items.
        compression: ``gzip``, ``bzip2`` or ``xz`` when the tar is read through a decompressor; its
            members are then copied to a spool as they are read, because seeking back in a decompressed
            stream means decompressing again from the start.
        end: the archive's size when known, to tell a member cut short by truncation.

    Raises:
        ContainerError: the archive is damaged or truncated after the members yielded.
    """
    files: dict[str, tarfile.TarInfo] = {}
    spools: list[Spool] = []
    try:
        while True:
            try:
                info = archive.next()
            except _READ_ERRORS as exc:
                raise ContainerError(f"tar archive damaged after {members.listed} entries: {exc}") from exc
            _forget_headers(archive)
            if info is None:
                return
            if info.isdir():
                continue
            if members.full:
                yield members.overflow(_count_rest(archive))
                return
            yield _member(archive, info, members, files, spools, compression, end)
            for spool in spools:
                spool.close()
            spools.clear()
    finally:
        for spool in spools:
            spool.close()


def _forget_headers(archive: tarfile.TarFile) -> None:
    # TarFile keeps every header it has read (typeshed does not declare the list): forgetting them keeps a
    # huge archive from costing memory. Nothing here asks TarFile to look a member up by name.
    cast(Any, archive).members.clear()


def _count_rest(archive: tarfile.TarFile) -> int | None:
    count = 1
    try:
        while archive.next() is not None:
            _forget_headers(archive)
            count += 1
    except _READ_ERRORS:
        return None
    return count


def _member(
    archive: tarfile.TarFile,
    info: tarfile.TarInfo,
    members: Members,
    files: dict[str, tarfile.TarInfo],
    spools: list[Spool],
    compression: str | None,
    end: int | None,
) -> Item:
    detail: dict[str, JsonScalar] = {
        "offset": info.offset,
        "type": _TYPE_NAMES.get(info.type, f"type {info.type!r}"),
        "mode": f"{info.mode:04o}",
        "uid": info.uid,
        "gid": info.gid,
    }
    if compression is not None:
        detail["compression"] = compression
    if info.uname:
        detail["uname"] = info.uname
    if info.gname:
        detail["gname"] = info.gname
    times = {"mtime": epoch_time(info.mtime)}
    for key in ("atime", "ctime"):
        if key in info.pax_headers:
            times[key] = epoch_time(_float(info.pax_headers[key]))
    problem: str | None = None
    content = info
    if info.issym():
        problem = f"symbolic link to {info.linkname!r}, not followed"
    elif info.islnk():
        detail["link_target"] = info.linkname
        target = files.get(info.linkname)
        if target is None:
            problem = f"hard link to {info.linkname!r}, which is not among the files before it; not read"
        else:
            content = target
    elif info.ischr() or info.isblk() or info.isfifo():
        problem = f"a {_TYPE_NAMES[info.type]}, not read"
    else:
        files[info.name] = info
        stored = _stored_size(info)
        if info.issparse():
            # A sparse file (tar -S) keeps only its data; the holes read as zeros.
            detail["sparse"] = True
            detail["stored_size"] = stored
        if end is not None and info.offset_data + stored > end:
            problem = f"truncated: the archive ends {max(end - info.offset_data, 0)} bytes into it; not read"
    decode = _decoder(archive, content, spools) if compression else _direct(archive, content)
    return members.item(
        info.name, detail, size=content.size, decode=decode, cheap_seek=True, problem=problem, times=times
    )


def _stored_size(info: tarfile.TarInfo) -> int:
    """How many bytes of the member the archive holds: its size, or for a sparse file the sum of its data
    blocks (old GNU, and pax 0.0, 0.1 and 1.0 sparse formats alike; ``size`` is then the file's own)."""
    # typeshed says bytes; tarfile keeps a list of (offset, length) pairs there.
    chunks: list[tuple[int, int]] | None = cast(Any, info).sparse
    if chunks is not None:
        return sum(length for _, length in chunks)
    return info.size


def _direct(archive: tarfile.TarFile, info: tarfile.TarInfo) -> Callable[[], Decoded]:
    def decode() -> Decoded:
        stream = archive.extractfile(info)
        if stream is None:
            raise OSError("the member has no content")
        return stream

    return decode


def _decoder(archive: tarfile.TarFile, info: tarfile.TarInfo, spools: list[Spool]) -> Callable[[], Decoded]:
    """Opens the member through one spool shared by every opening, dropped when the walk moves on."""
    shared: list[Spool] = []

    def decode() -> Decoded:
        if not shared:
            shared.append(Spool(_direct(archive, info)()))
            spools.append(shared[0])
        return shared[0].view()

    return decode


def _float(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None
