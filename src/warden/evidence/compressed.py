"""Single-file compression (gzip, bzip2, xz) as a container of one item, or of a tar's members.

A compressed tar (``.tar.gz``, ``.tgz``, ``.tar.bz2``, ``.tar.xz``) comes out as one level: the decompressed
head is looked at, and when it is a tar header the tar's members are yielded directly, each step saying
``"archive": "tar"`` and ``"compression": "gzip"`` (or ``bzip2``, ``xz``). Anything else compressed comes
out as one member, named after the gzip header's original file name when it has one, else after the
container's name without its compression suffix (``photo.jpg.gz`` gives ``photo.jpg``).

Decompressed sizes are unknown until everything is decompressed, so the whole decompressed stream is
bounded by the limits as it is read: ``ratio`` times the compressed size (at least
:data:`~warden.evidence.members.RATIO_FLOOR`), ``member_bytes`` for a single item, ``total_bytes`` for a tar.
A compressed disk image or file system (recognised in its first decompressed bytes by a registered disk-image
format) is not held to the ratio: the zeros of empty media legitimately compress more than a thousand times,
so it is bounded by bytes and time alone. The single item is copied into a spool as it is decompressed, so
that the hashers, and a disk-image reader that seeks back and forth, decompress it once.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import struct
import tarfile
from collections.abc import Callable, Generator, Iterator
from typing import BinaryIO

from warden.evidence.base import CONTAINERS, HEAD_BYTES, ContainerError, Item, JsonScalar, Limits
from warden.evidence.bounded import BoundedReader, Decoded, Spool, Window, cheaply_seekable
from warden.evidence.limits import exceeded
from warden.evidence.members import RATIO_FLOOR, Members, epoch_time
from warden.evidence.names import name_text
from warden.evidence.tar import looks_like_tar, tar_members

_GZIP = b"\x1f\x8b\x08"
_BZIP2_BLOCK = b"\x31\x41\x59\x26\x53\x59"  # the digits of pi: every bzip2 block starts with them
_BZIP2_EMPTY = b"\x17\x72\x45\x38\x50\x90"  # sqrt(pi): the end-of-stream marker of an empty stream
_XZ = b"\xfd7zXZ\x00"

_SUFFIXES = {
    ".gz": "",
    ".gzip": "",
    ".z": "",
    ".bz2": "",
    ".bz": "",
    ".xz": "",
    ".tgz": ".tar",
    ".taz": ".tar",
    ".tbz": ".tar",
    ".tbz2": ".tar",
    ".txz": ".tar",
}

_METHODS = {"gzip": "deflate", "bzip2": "bzip2", "xz": "lzma2"}

_SPOOL_MEMORY = 1 << 20

_DECOMPRESSORS: dict[str, Callable[[BinaryIO], Decoded]] = {
    "gzip": lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"),
    "bzip2": lambda raw: bz2.BZ2File(raw),
    "xz": lambda raw: lzma.LZMAFile(raw),  # noqa: SIM115 - the caller closes it
}


def compression_of(head: bytes) -> str | None:
    """``gzip``, ``bzip2`` or ``xz`` when ``head`` starts such a stream, else None."""
    if head.startswith(_GZIP):
        return "gzip"
    if head[:3] == b"BZh" and head[3:4] in b"123456789" and head[4:10] in (_BZIP2_BLOCK, _BZIP2_EMPTY):
        return "bzip2"
    if head.startswith(_XZ):
        return "xz"
    return None


class CompressedContainer:
    """A gzip, bzip2 or xz stream: one decompressed item, or the members of the tar inside."""

    name = "compressed"

    def sniff(self, head: bytes, size: int | None) -> bool:
        """A gzip (deflate), bzip2 or xz header."""
        return compression_of(head) is not None

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Generator[Item, None, None]:
        """The tar's members when the content is a tar, else the one decompressed item.

        Raises:
            ContainerError: the compressed data is damaged or truncated (for a tar, after the members
                listed), or decompresses past the limits.
        """
        with cheaply_seekable(stream) as seekable:
            compressed = seekable.seek(0, os.SEEK_END)
            seekable.seek(0)
            head = seekable.read(512)
            kind = compression_of(head)
            if kind is None:
                raise ContainerError("not gzip, bzip2 or xz data")
            label = f"{kind} data"

            cap, field = min(
                (limits.total_bytes, "total_bytes"), (max(RATIO_FLOOR, limits.ratio * compressed), "ratio")
            )
            over = exceeded(
                limits, field, f"{label} goes past {cap} bytes: over the limit, possible decompression bomb"
            )

            def decompress() -> BoundedReader:
                return BoundedReader(_DECOMPRESSORS[kind](Window.over(seekable)), cap, label, over=over)

            try:
                # Unbuffered, so that only the first blocks are decompressed: a truncated stream still
                # gives the members before the damage.
                with decompress() as peek:
                    start = _read_head(peek)
            except OSError as exc:
                raise ContainerError(f"{label} cannot be decompressed: {exc}") from exc
            if looks_like_tar(start):
                yield from _tar(io.BufferedReader(decompress()), container, limits, kind)
            else:
                yield from _single(seekable, head, kind, compressed, container, limits, _is_disk(start))


def _tar(decompressed: BinaryIO, container: Item, limits: Limits, kind: str) -> Iterator[Item]:
    with decompressed:
        try:
            archive = tarfile.open(fileobj=decompressed, mode="r:")  # noqa: SIM115 - closed below
        except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
            raise ContainerError(f"tar inside {kind} data cannot be read: {exc}") from exc
        with archive:
            yield from tar_members(archive, Members(container, "tar", limits), compression=kind)


def _read_head(stream: BoundedReader) -> bytes:
    """The first :data:`HEAD_BYTES` decompressed (fewer if the stream is shorter or damaged sooner).

    Raises:
        OSError: not even the first block decompresses.
    """
    head = b""
    while len(head) < HEAD_BYTES:
        try:
            block = stream.read(HEAD_BYTES - len(head))
        except OSError:
            # Damage after the first block is met again, and recorded, when the members are read.
            if not head:
                raise
            break
        if not block:
            break
        head += block
    return head


def _is_disk(head: bytes) -> bool:
    """Whether decompressed bytes start a disk image or file system, by a registered disk-image format
    (the formats that describe themselves as a whole, see ``VerifiableContainer``)."""
    for container in CONTAINERS:
        try:
            if hasattr(container, "describe") and container.sniff(head, None):
                return True
        except Exception:  # noqa: S112 - a sniffer failing on hostile bytes just does not claim them
            continue
    return False


def _single(
    seekable: BinaryIO,
    head: bytes,
    kind: str,
    compressed: int,
    container: Item,
    limits: Limits,
    disk: bool,
) -> Iterator[Item]:
    detail: dict[str, JsonScalar] = {"compressed_size": compressed, "method": _METHODS[kind]}
    if disk:
        detail["disk_image"] = True
    mtime: str | None = None
    name: str | None = None
    if kind == "gzip":
        name, stamp = _gzip_header(head)
        mtime = epoch_time(stamp) if stamp else None
    if name is not None:
        detail["name_from"] = "gzip header"
    else:
        name = _name_without_suffix(container.steps[-1].name if container.steps else "")
        detail["name_from"] = "container name" if name is not None else "none"
    members = Members(container, kind, limits)
    # A disk image is not held to the ratio (see the module's docstring).
    ratio_of = None if disk else compressed
    label = f"{kind} member {name or 'decompressed'!r}"
    limit, over = members.read_limit(ratio_of, label)
    shared: list[Spool] = []

    def decode() -> Decoded:
        # One spool for every opening: the decompressed bytes are made once, bounded once.
        if not shared:
            source = BoundedReader(_DECOMPRESSORS[kind](Window.over(seekable)), limit, label, over=over)
            # Whatever it decompresses to (often a disk image) goes to a file early: memory stays small.
            shared.append(Spool(source, memory=_SPOOL_MEMORY))
        return shared[0].view()

    try:
        yield members.item(
            name or "decompressed",
            detail,
            size=None,
            compressed=ratio_of,
            decode=decode,
            cheap_seek=True,
            times={"mtime": mtime},
        )
    finally:
        for spool in shared:
            spool.close()


def _gzip_header(head: bytes) -> tuple[str | None, int]:
    """The original file name (FNAME, ISO 8859-1 by RFC 1952) and modification time a gzip header holds."""
    if len(head) < 10:
        return None, 0
    flags = head[3]
    (stamp,) = struct.unpack("<L", head[4:8])
    at = 10
    if flags & 0x04 and len(head) >= at + 2:
        (extra,) = struct.unpack("<H", head[at : at + 2])
        at += 2 + extra
    if not flags & 0x08:
        return None, stamp
    end = head.find(b"\0", at)
    if end <= at:
        return None, stamp
    return head[at:end].decode("latin-1"), stamp


def _name_without_suffix(container_name: str) -> str | None:
    base = name_text(container_name.rsplit("/", 1)[-1])  # its bytes: the member's name is escaped again
    stem, dot, suffix = base.rpartition(".")
    replacement = _SUFFIXES.get(f"{dot}{suffix}".lower()) if dot else None
    if replacement is None or not stem:
        return None
    return stem + replacement
