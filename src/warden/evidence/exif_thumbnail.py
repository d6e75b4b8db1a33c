"""EXIF thumbnails: the small JPEG a camera or editor stores inside a photo, scanned as an item of its own.

An edited or cropped photo often keeps the thumbnail of the original, so the thumbnail can match a known
image when the photo does not. EXIF data is a TIFF structure: a byte-order mark, IFD0 (the main image's
tags) and IFD1 (the thumbnail's), whose tags 0x0201 (JPEGInterchangeFormat: offset from the TIFF header)
and 0x0202 (JPEGInterchangeFormatLength) locate the thumbnail (Exif, CIPA DC-008).
In a JPEG the TIFF structure sits in an APP1 segment after ``Exif\\0\\0``; a TIFF file (and the raw formats
built on it) is the structure itself.

The tags are read from the first :data:`~warden.evidence.base.HEAD_BYTES` without an image library. Every
offset is checked against the bytes at hand and only IFD0 and the IFD1 it names are read, so hostile EXIF
data (offsets out of range, an IFD pointing at itself, absurd counts) can neither crash nor loop.
HEIC/AVIF thumbnails (separate items of the HEIF container) are not extracted.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from warden.evidence.base import HEAD_BYTES, ContainerError, Item, Limits, Step
from warden.evidence.limits import over_size
from warden.model.states import State

MAX_THUMBNAIL = 64 << 20
"""Largest thumbnail given out; a larger declared length is recorded as a problem."""

_JPEG_OFFSET, _JPEG_LENGTH = 0x0201, 0x0202
_SHORT, _LONG = 3, 4
_STANDALONE = frozenset([0x01, *range(0xD0, 0xD8)])


def _tiff_thumbnail(data: bytes, base: int, end: int) -> tuple[int, int] | None:
    """The (offset from ``base``, length) that IFD1 of the TIFF structure at ``base`` declares, or None.

    Only ``data[base:end]`` is read.
    """
    if end - base < 8:
        return None
    order = {b"II": "<", b"MM": ">"}.get(data[base : base + 2])
    if order is None or struct.unpack_from(order + "H", data, base + 2)[0] != 42:
        return None
    ifd0 = struct.unpack_from(order + "I", data, base + 4)[0]
    ifd1 = _next_ifd(data, base, end, order, ifd0)
    if not ifd1 or ifd1 == ifd0:
        return None
    tags = _short_tags(data, base, end, order, ifd1)
    if tags is None or _JPEG_OFFSET not in tags or not tags.get(_JPEG_LENGTH):
        return None
    return tags[_JPEG_OFFSET], tags[_JPEG_LENGTH]


def _entries(data: bytes, base: int, end: int, order: str, ifd: int) -> tuple[int, int] | None:
    """Where the IFD at ``ifd`` (from ``base``) keeps its entries, and how many, if all are in range."""
    at = base + ifd
    if ifd < 8 or at + 2 > end:
        return None
    count: int = struct.unpack_from(order + "H", data, at)[0]
    if at + 2 + 12 * count + 4 > end:
        return None
    return at + 2, count


def _next_ifd(data: bytes, base: int, end: int, order: str, ifd: int) -> int | None:
    found = _entries(data, base, end, order, ifd)
    if found is None:
        return None
    at, count = found
    offset: int = struct.unpack_from(order + "I", data, at + 12 * count)[0]
    return offset


def _short_tags(data: bytes, base: int, end: int, order: str, ifd: int) -> dict[int, int] | None:
    """The single SHORT or LONG values of the IFD's tags."""
    found = _entries(data, base, end, order, ifd)
    if found is None:
        return None
    at, count = found
    tags: dict[int, int] = {}
    for entry in range(at, at + 12 * count, 12):
        tag, kind, number = struct.unpack_from(order + "HHI", data, entry)
        if number != 1:
            continue
        if kind == _LONG:
            tags[tag] = struct.unpack_from(order + "I", data, entry + 8)[0]
        elif kind == _SHORT:
            tags[tag] = struct.unpack_from(order + "H", data, entry + 8)[0]
    return tags


def locate(head: bytes) -> tuple[int, int] | None:
    """Where in the file the EXIF thumbnail lies, as (offset, length), from the file's first bytes; or None.

    Args:
        head: the first bytes of a JPEG or TIFF file.
    """
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return _tiff_thumbnail(head, 0, len(head))
    if not head.startswith(b"\xff\xd8"):
        return None
    pos = 2
    while pos + 4 <= len(head):
        if head[pos] != 0xFF:
            return None
        marker = head[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in _STANDALONE:
            pos += 2
            continue
        if marker in (0xD8, 0xD9, 0xDA):  # metadata comes before the first scan
            return None
        size: int = struct.unpack_from(">H", head, pos + 2)[0]
        if size < 2:
            return None
        if marker == 0xE1 and head[pos + 4 : pos + 10] == b"Exif\x00\x00":
            base = pos + 10
            found = _tiff_thumbnail(head, base, min(pos + 2 + size, len(head)))
            if found is not None:
                return base + found[0], found[1]
        pos += 2 + size
    return None


class ExifThumbnailContainer:
    """A JPEG (or TIFF) photo whose EXIF data holds a thumbnail: the thumbnail, as one item."""

    name = "exif-thumbnail"

    def sniff(self, head: bytes, size: int | None) -> bool:
        """A JPEG or TIFF whose EXIF IFD1 declares a JPEG thumbnail within its first bytes."""
        return locate(head) is not None

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Iterator[Item]:
        """The thumbnail, or an item with the problem when it is not where IFD1 says or not a JPEG.

        Raises:
            ContainerError: the photo declares no thumbnail.
        """
        stream.seek(0)
        found = locate(stream.read(HEAD_BYTES))
        if found is None:
            raise ContainerError("no EXIF thumbnail declared")
        offset, length = found
        step = Step("thumbnail", "exif-thumbnail", {"offset": offset, "length": length, "source": "exif"})
        steps = (*container.steps, step)
        size = stream.seek(0, os.SEEK_END)
        largest = min(limits.member_bytes, MAX_THUMBNAIL)
        if length > largest:
            what = f"EXIF thumbnail of {length} bytes, over {largest}"
            yield Item(steps, state=State.THUMBNAIL, problem=over_size(limits, MAX_THUMBNAIL, what))
            return
        if offset + length > size:
            problem = (
                f"EXIF thumbnail at {offset:#x} of {length} bytes runs past the end of the file ({size})"
            )
            yield Item(steps, state=State.THUMBNAIL, problem=problem)
            return
        stream.seek(offset)
        data = stream.read(length)
        if not data.startswith(b"\xff\xd8"):
            yield Item(steps, state=State.THUMBNAIL, size=length, problem="EXIF thumbnail is not a JPEG")
            return
        yield Item(steps, state=State.THUMBNAIL, size=length, opener=lambda: io.BytesIO(data))
