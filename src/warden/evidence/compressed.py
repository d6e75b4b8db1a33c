"""Single-file compression (gzip, bzip2, xz) as a container of one item, or of a tar's members.

A compressed tar (``.tar.gz``, ``.tgz``, ``.tar.bz2``, ``.tar.xz``) comes out as one level: the decompressed
head is looked at, and when it is a tar header the tar's members are yielded directly, each step saying
``"archive": "tar"`` and ``"compression": "gzip"`` (or ``bzip2``, ``xz``). Anything else compressed comes
out as one member, named after the gzip header's original file name when it has one, else after the
container's name without its compression suffix (``photo.jpg.gz`` gives ``photo.jpg``).

Decompressed sizes are unknown until everything is decompressed, so the whole decompressed stream is
bounded by the limits as it is read: ``ratio`` times the compressed size (at least
:data:`~warden.evidence.members.RATIO_FLOOR`), ``member_bytes`` for a single item, ``total_bytes`` for a tar.
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

from warden.evidence.base import ContainerError, Item, JsonScalar, Limits
from warden.evidence.bounded import BoundedReader, Decoded, Window, cheaply_seekable
from warden.evidence.members import RATIO_FLOOR, Members, epoch_time
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

            def decompress(limit: int) -> BoundedReader:
                return BoundedReader(_DECOMPRESSORS[kind](Window.over(seekable)), limit, label)

            cap = min(limits.total_bytes, max(RATIO_FLOOR, limits.ratio * compressed))
            try:
                # Unbuffered, so that only the first block is decompressed: a truncated stream still
                # gives the members before the damage.
                with decompress(cap) as peek:
                    start = peek.read(512) or b""
            except OSError as exc:
                raise ContainerError(f"{label} cannot be decompressed: {exc}") from exc
            if looks_like_tar(start):
                yield from _tar(io.BufferedReader(decompress(cap)), container, limits, kind)
            else:
                yield _single(seekable, head, kind, compressed, container, limits)


def _tar(decompressed: BinaryIO, container: Item, limits: Limits, kind: str) -> Iterator[Item]:
    with decompressed:
        try:
            archive = tarfile.open(fileobj=decompressed, mode="r:")  # noqa: SIM115 - closed below
        except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
            raise ContainerError(f"tar inside {kind} data cannot be read: {exc}") from exc
        with archive:
            yield from tar_members(archive, Members(container, "tar", limits), compression=kind)


def _single(
    seekable: BinaryIO, head: bytes, kind: str, compressed: int, container: Item, limits: Limits
) -> Item:
    detail: dict[str, JsonScalar] = {"compressed_size": compressed, "method": _METHODS[kind]}
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

    def decode() -> Decoded:
        return _DECOMPRESSORS[kind](Window.over(seekable))

    return members.item(
        name or "decompressed",
        detail,
        size=None,
        compressed=compressed,
        decode=decode,
        times={"mtime": mtime},
    )


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
    base = container_name.rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    replacement = _SUFFIXES.get(f"{dot}{suffix}".lower()) if dot else None
    if replacement is None or not stem:
        return None
    return stem + replacement
