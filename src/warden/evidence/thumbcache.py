"""Windows Vista to 11 thumbnail caches (``thumbcache_*.db``): every cached thumbnail as an item of its own.

Explorer keeps a thumbnail of each picture it has shown, and keeps it after the picture is deleted, so a
cache can be the only trace of an image. A cache file is a header (``CMMM``, format version, cache type)
and a run of entries, each ``CMMM``, its size, a 64-bit entry hash, the sizes of an identifier string, of
padding and of the data, CRC-64 checksums of the data and of the entry header, then the identifier
(UTF-16), the padding and the image (BMP, JPEG or PNG).

Layouts by format version, from Joachim Metz's libwtcdb documentation and Eric Kutcher's Thumbcache Viewer:

=========  =====================  ===========  ============  ==========================================
version    Windows                file header  entry header  fields after the entry hash
=========  =====================  ===========  ============  ==========================================
0x14 (20)  Vista                  24           56            extension (4 UTF-16 chars), sizes, checksums
0x15 (21)  7                      24           48            sizes, one unknown, checksums
0x1A (26)  8                      24           56            sizes, width, height, unknown, checksums
0x1C (28)  8 (second build)       28           56            as 0x1A
0x1E (30)  8 (third build)        24           56            as 0x1A
0x1F (31)  8.1                    24           56            as 0x1A
0x20 (32)  10 and 11              24           56            as 0x1A
=========  =====================  ===========  ============  ==========================================

Entries are walked by their size fields, every size checked against the file. Where the bytes at the next
position are not an entry, and inside the free-space entry (an entry without data that may span the rest
of the file), the walk searches forward for the next ``CMMM``: entries found there are remnants of older
thumbnails and are marked ``in_free_space``. A file whose format version is not listed above is carved
instead (:mod:`warden.evidence.carving`), which finds its JPEG and PNG thumbnails but not BMP ones.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from warden.evidence.base import ContainerError, Item, JsonScalar, Limits, Step
from warden.evidence.carving import carved_items
from warden.evidence.limits import over_size, refusal
from warden.model.states import State

MAX_THUMBNAIL = 64 << 20
"""Largest cached image given out; a larger data size is taken for damage and recorded as a problem."""

_SIGNATURE = b"CMMM"
_SEARCH_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class _Layout:
    windows: str
    file_header: int
    entry_header: int
    sizes_at: int  # offset of the identifier size; padding and data sizes follow
    checksums_at: int  # offset of the data checksum; the header checksum follows
    dimensions: bool  # width and height follow the data size
    extension: bool = False  # the original file's extension follows the entry hash (Vista)


LAYOUTS: dict[int, _Layout] = {
    0x14: _Layout("Windows Vista", 24, 56, 24, 40, dimensions=False, extension=True),
    0x15: _Layout("Windows 7", 24, 48, 16, 32, dimensions=False),
    0x1A: _Layout("Windows 8", 24, 56, 16, 40, dimensions=True),
    0x1C: _Layout("Windows 8", 28, 56, 16, 40, dimensions=True),
    0x1E: _Layout("Windows 8", 24, 56, 16, 40, dimensions=True),
    0x1F: _Layout("Windows 8.1", 24, 56, 16, 40, dimensions=True),
    0x20: _Layout("Windows 10 or 11", 24, 56, 16, 40, dimensions=True),
}
"""Known format versions and their layouts."""


def _crc64_table() -> tuple[int, ...]:
    # A reflected CRC-64 whose table thumbcache.dll holds; its entry 128 is the reflected polynomial.
    poly = 0x92C64265D32139A4
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC64 = _crc64_table()


def crc64(data: bytes, crc: int) -> int:
    """The thumbcache CRC-64 of ``data`` from initial value ``crc`` (no final inversion)."""
    for byte in data:
        crc = _CRC64[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


def data_checksum(data: bytes) -> int:
    """An entry's data checksum: the CRC of the first 1 KiB, XOR the CRC of 4 bytes of every 400 after it."""
    if len(data) <= 1024:
        return crc64(data, 0)
    rest = memoryview(data)[1024:]
    sampled = b"".join(rest[at : at + 4] for at in range(0, len(rest), 400))
    return crc64(data[:1024], 0) ^ crc64(sampled, 0)


def _image_format(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"BM"):
        return "bmp"
    return None


def _read_at(stream: BinaryIO, offset: int, length: int) -> bytes:
    stream.seek(offset)
    return stream.read(length)


def _find(stream: BinaryIO, start: int, end: int) -> int | None:
    """Where the next entry signature lies in ``[start, end)``, or None."""
    while start < end:
        chunk = _read_at(stream, start, min(_SEARCH_CHUNK, end - start))
        if not chunk:
            return None
        found = chunk.find(_SIGNATURE)
        if found >= 0:
            return start + found
        if start + len(chunk) >= end:
            return None
        start += len(chunk) - len(_SIGNATURE) + 1
    return None


class ThumbcacheContainer:
    """A ``thumbcache_*.db`` file: each cached thumbnail, named by its entry hash."""

    name = "thumbcache"

    def sniff(self, head: bytes, size: int | None) -> bool:
        """A file that starts with ``CMMM`` and a file header."""
        return head.startswith(_SIGNATURE) and len(head) >= 24

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Iterator[Item]:
        """The cached thumbnails in file order, problems as items; a file of unknown layout is carved.

        Raises:
            ContainerError: the file has no thumbcache header.
        """
        size = stream.seek(0, os.SEEK_END)
        header = _read_at(stream, 0, 28)
        if len(header) < 24 or not header.startswith(_SIGNATURE):
            raise ContainerError("no thumbcache header")
        version, cache_type = struct.unpack_from("<II", header, 4)
        layout = LAYOUTS.get(version)
        if layout is None:
            yield Item(
                (*container.steps, Step("thumbnail", "(layout)")),
                state=State.THUMBNAIL,
                problem=f"thumbcache format version {version:#x} is not known: its JPEG and PNG images were "
                "carved, BMP images not recovered",
            )
            yield from carved_items(
                container.steps,
                lambda offset, length: _read_at(stream, offset, length),
                [(0, size, "thumbcache")],
                state=State.THUMBNAIL,
            )
            return
        yield from _Walk(stream, size, container, limits, version, cache_type, layout).items()


class _Walk:
    """One walk over the entries of a cache file."""

    def __init__(
        self,
        stream: BinaryIO,
        size: int,
        container: Item,
        limits: Limits,
        version: int,
        cache_type: int,
        layout: _Layout,
    ) -> None:
        self.stream = stream
        self.size = size
        self.container = container
        self.limits = limits
        self.layout = layout
        self.common: dict[str, JsonScalar] = {
            "source": "thumbcache",
            "format_version": version,
            "windows": layout.windows,
            "cache_type": cache_type,
        }
        self.names: set[str] = set()
        self.largest = min(limits.member_bytes, MAX_THUMBNAIL)

    def items(self) -> Iterator[Item]:
        layout = self.layout
        pos = layout.file_header
        free_until = 0  # end of the free-space entry the walk is inside
        given = total = 0
        while pos + layout.entry_header <= self.size:
            if given >= self.limits.members:
                what = f"more cache entries not read: over {self.limits.members} items"
                yield self._problem("(more)", refusal(self.limits, "members", what))
                return
            head = _read_at(self.stream, pos, layout.entry_header)
            if len(head) < layout.entry_header:
                return
            if not head.startswith(_SIGNATURE):
                found = _find(self.stream, pos + 1, self.size)
                if found is None:
                    return
                pos = found
                continue
            entry_size, entry_hash = struct.unpack_from("<IQ", head, 4)
            id_size, padding, data_size = struct.unpack_from("<III", head, layout.sizes_at)
            if entry_size < layout.entry_header or pos + entry_size > self.size:
                given += 1
                yield self._problem(
                    self._unique(f"entry@{pos:#x}", pos),
                    f"cache entry at {pos:#x} declares {entry_size} bytes, not within the file",
                )
                pos += len(_SIGNATURE)
                continue
            if entry_hash == 0 or data_size == 0:
                # Free space, or an entry without a thumbnail: older entries may survive inside it.
                free_until = max(free_until, pos + entry_size)
                pos += layout.entry_header
                continue
            if total + data_size > self.limits.total_bytes:
                what = f"more cache entries not read: over {self.limits.total_bytes} bytes"
                yield self._problem("(more)", refusal(self.limits, "total_bytes", what))
                return
            item = self._entry(
                pos, head, entry_size, entry_hash, id_size, padding, data_size, pos < free_until
            )
            given += 1
            total += data_size if item.readable else 0
            yield item
            pos += entry_size

    def _entry(
        self,
        pos: int,
        head: bytes,
        entry_size: int,
        entry_hash: int,
        id_size: int,
        padding: int,
        data_size: int,
        in_free_space: bool,
    ) -> Item:
        layout = self.layout
        label = f"{entry_hash:016x}"
        if layout.entry_header + id_size + padding + data_size > entry_size:
            return self._problem(
                self._unique(label, pos), f"cache entry at {pos:#x}: its parts are larger than the entry"
            )
        if data_size > self.largest:
            what = f"thumbnail of {data_size} bytes, over the limit of {self.largest}"
            return self._problem(self._unique(label, pos), over_size(self.limits, MAX_THUMBNAIL, what))
        data_at = pos + layout.entry_header + id_size + padding
        data = _read_at(self.stream, data_at, data_size)
        identifier = _read_at(self.stream, pos + layout.entry_header, min(id_size, 1024))
        stored_data, stored_header = struct.unpack_from("<QQ", head, layout.checksums_at)
        detail: dict[str, JsonScalar] = {
            "offset": data_at,
            "length": data_size,
            **self.common,
            "cache_entry_hash": label,
            "entry_offset": pos,
            "identifier": identifier.decode("utf-16-le", "replace").rstrip("\x00"),
            "header_checksum_ok": crc64(head[: layout.checksums_at + 8], 0xFFFFFFFFFFFFFFFF) == stored_header,
            "data_checksum_ok": data_checksum(data) == stored_data,
            "in_free_space": in_free_space,
        }
        if layout.dimensions:
            width, height = struct.unpack_from("<II", head, layout.sizes_at + 12)
            detail.update(width=width, height=height)
        if layout.extension:
            detail["extension"] = head[16:24].decode("utf-16-le", "replace").split("\x00")[0]
        kind = _image_format(data)
        if kind is None:
            return self._problem(
                self._unique(label, pos), "cached data is not a BMP, JPEG or PNG image", detail
            )
        step = Step("thumbnail", self._unique(f"{label}.{kind}", pos), detail)
        return Item(
            (*self.container.steps, step),
            state=State.THUMBNAIL,
            size=data_size,
            opener=lambda: io.BytesIO(data),
        )

    def _unique(self, name: str, pos: int) -> str:
        # The same hash can appear twice (a remnant beside the current entry); names must stay unique.
        if name in self.names:
            stem, dot, ext = name.partition(".")
            name = f"{stem}@{pos:#x}{dot}{ext}"
        self.names.add(name)
        return name

    def _problem(self, name: str, problem: str, detail: dict[str, JsonScalar] | None = None) -> Item:
        step = Step("thumbnail", name, detail or {**self.common})
        return Item((*self.container.steps, step), state=State.THUMBNAIL, problem=problem)
