"""VirtualBox disk images (VDI), read by Warden itself: no maintained Python reader for VDI exists.

The format is small: a header (signature ``0xBEDA107F`` at byte 64, version 1.1), a block map of 32-bit
entries and the blocks they point to. An entry of ``0xFFFFFFFF`` (never written) or ``0xFFFFFFFE`` (zeroed)
reads as zeros. Dynamic and fixed images are read; a differencing or undo image holds only the changes to
its parent and is recorded "not examined", as is a header of another version. Every value of the header is
checked against the file's size before anything is read, so a hostile header cannot make Warden allocate or
read more than the file holds. Layout as VirtualBox's ``VDICore.h`` (``VDIHEADER1``) and QEMU's
``block/vdi.c`` write it.
"""

from __future__ import annotations

import struct
from contextlib import ExitStack
from typing import BinaryIO

from warden.evidence.base import ContainerError, Item
from warden.evidence.virtual_disk import MAX_MEDIA_BYTES, Media, OpenedFiles, VirtualDiskContainer

SIGNATURE = 0xBEDA107F
_SIGNATURE_AT = 64
_HEADER = struct.Struct("<IIII")  # signature, version, header size, image type (at byte 64)
_TYPES = {1: "dynamic", 2: "fixed", 3: "undo", 4: "differencing"}
_UNALLOCATED = 0xFFFFFFFE
"""Map entries from here up read as zeros (``0xFFFFFFFE`` zeroed, ``0xFFFFFFFF`` never written)."""
_MAX_BLOCKS = 1 << 24
"""Most entries a block map may have (64 MiB of map: 16 TiB of 1 MiB blocks)."""


class _Vdi:
    """An open VDI: its block map, read once, and its blocks, read on demand."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        stream.seek(0, 2)
        length = stream.tell()
        stream.seek(0)
        header = stream.read(512)
        if len(header) < 0x188:
            raise ContainerError("VDI header is truncated")
        signature, version, _size, kind = _HEADER.unpack_from(header, _SIGNATURE_AT)
        if signature != SIGNATURE:
            raise ContainerError("VDI header is damaged: no signature")
        if version >> 16 != 1:
            major, minor = version >> 16, version & 0xFFFF
            raise ContainerError(f"VDI header version {major}.{minor} is not supported yet")
        if kind not in (1, 2):
            what = _TYPES.get(kind, f"of type {kind}")
            raise ContainerError(
                f"a VDI image {what}: it holds only the changes to its parent image; not supported yet"
            )
        self.map_at, self.data_at = struct.unpack_from("<II", header, 0x154)
        self.size = struct.unpack_from("<Q", header, 0x170)[0]
        self.block, extra, blocks = struct.unpack_from("<III", header, 0x178)
        sane = (
            512 <= self.block <= 1 << 28
            and not self.block & (self.block - 1)
            and extra < self.block
            and 0 < blocks <= _MAX_BLOCKS
            and 0 < self.size <= min(MAX_MEDIA_BYTES, blocks * self.block)
            and self.map_at >= 0x188
            and self.map_at + 4 * blocks <= length
            and self.data_at <= length
        )
        if not sane:
            raise ContainerError("VDI header is damaged: its sizes and offsets do not fit the file")
        self.extra = extra
        self.length = length
        stream.seek(self.map_at)
        raw = stream.read(4 * blocks)
        if len(raw) < 4 * blocks:
            raise ContainerError("VDI block map is truncated")
        self.map = struct.unpack(f"<{blocks}I", raw)

    def read(self, offset: int, length: int) -> bytes:
        """Media bytes at ``offset``: zeros where no block was written.

        Raises:
            OSError: a block the map points to lies past the end of the file.
        """
        parts = []
        end = min(offset + length, self.size)
        while offset < end:
            index, within = divmod(offset, self.block)
            wanted = min(end - offset, self.block - within)
            entry = self.map[index]
            if entry >= _UNALLOCATED:
                parts.append(bytes(wanted))
            else:
                at = self.data_at + entry * (self.block + self.extra) + self.extra + within
                data = b""
                if at + wanted <= self.length:
                    self.stream.seek(at)
                    data = self.stream.read(wanted)
                if len(data) < wanted:
                    raise OSError(f"VDI block {index} lies past the end of the file (truncated image)")
                parts.append(data)
            offset += wanted
        return b"".join(parts)


class VdiContainer(VirtualDiskContainer):
    """A VirtualBox VDI, dynamic or fixed."""

    name = "vdi"
    label = "VDI"

    def sniff(self, head: bytes, size: int | None) -> bool:
        """The signature ``0xBEDA107F`` at byte 64 (after the text banner)."""
        return len(head) >= 72 and int.from_bytes(head[64:68], "little") == SIGNATURE

    def open_media(
        self, stack: ExitStack, stream: BinaryIO | None, container: Item, files: OpenedFiles
    ) -> Media:
        source = files.own(stack, stream, container)
        return _Vdi(source)
