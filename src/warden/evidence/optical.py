"""Optical disc images (ISO 9660, with Joliet and Rock Ridge names), read with The Sleuth Kit.

An ISO image is recognised by the standard identifier ``CD001`` of its first volume descriptor (byte 32769,
after the 32 KiB system area). The Sleuth Kit reads ISO 9660 as it reads any file system, so the image is
walked exactly like a raw disk (:func:`warden.evidence.disk.disk_items`): a hybrid ISO (a partition table in
its system area, as Linux live images have) gives its partitions, a plain one its files. A disc with only a
UDF file system (no ISO 9660 bridge) is recognised by :mod:`warden.evidence.unopened` and recorded "not
examined".
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import BinaryIO

from warden.evidence.base import ContainerError, Item
from warden.evidence.virtual_disk import Media, OpenedFiles, VirtualDiskContainer

IDENTIFIER = b"CD001"
IDENTIFIER_AT = 16 * 2048 + 1
"""The first volume descriptor is in sector 16 (of 2048 bytes); its identifier follows the type byte."""


class _Stream:
    """The image file itself as media."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.size = stream.seek(0, 2)

    def read(self, offset: int, length: int) -> bytes:
        self.stream.seek(offset)
        return self.stream.read(length)


class Iso9660Container(VirtualDiskContainer):
    """An ISO 9660 image (CD, DVD or Blu-ray, plain or hybrid)."""

    name = "iso9660"
    label = "ISO 9660 image"

    def sniff(self, head: bytes, size: int | None) -> bool:
        """``CD001`` in the first volume descriptor."""
        return head[IDENTIFIER_AT : IDENTIFIER_AT + len(IDENTIFIER)] == IDENTIFIER

    def open_media(
        self, stack: ExitStack, stream: BinaryIO | None, container: Item, files: OpenedFiles
    ) -> Media:
        source = files.own(stack, stream, container)
        media = _Stream(source)
        if media.size < IDENTIFIER_AT + 2048:
            raise ContainerError("ISO 9660 image is truncated: it ends inside its first volume descriptor")
        return media
