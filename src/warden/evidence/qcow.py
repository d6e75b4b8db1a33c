"""QEMU copy-on-write disk images (QCOW version 1, QCOW2, QCOW3), via libqcow.

Recognised by the signature ``QFI\\xfb`` and a version of 1 to 3; the media is read through ``pyqcow``
(PyPI ``libqcow-python``, in ``warden[vdisk]``). An image backed by another (a snapshot overlay) holds only
the changes to that image, and an encrypted image needs its key: both are recorded "not examined" with the
reason.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any, BinaryIO

from warden.evidence.base import ContainerError, Item
from warden.evidence.virtual_disk import (
    Media,
    OpenedFiles,
    VirtualDiskContainer,
    binding,
    own_stream,
    reason,
)

SIGNATURE = b"QFI\xfb"


class _Qcow:
    """An open libqcow file as :class:`~warden.evidence.virtual_disk.Media`."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.size = int(handle.get_media_size())

    def read(self, offset: int, length: int) -> bytes:
        data: bytes = self.handle.read_buffer_at_offset(length, offset)
        return data


class QcowContainer(VirtualDiskContainer):
    """A QCOW, QCOW2 or QCOW3 image."""

    name = "qcow"
    label = "QCOW image"

    def sniff(self, head: bytes, size: int | None) -> bool:
        """``QFI\\xfb`` and a big-endian version of 1, 2 or 3."""
        return head.startswith(SIGNATURE) and int.from_bytes(head[4:8], "big") in (1, 2, 3)

    def open_media(
        self, stack: ExitStack, stream: BinaryIO | None, container: Item, files: OpenedFiles
    ) -> Media:
        pyqcow = binding("pyqcow", "libqcow-python", self.label)
        source = own_stream(stack, stream, container)
        files.names.append(container.steps[-1].name)
        files.streams.append(source)
        handle = pyqcow.file()
        try:
            handle.open_file_object(source)
        except (OSError, ValueError, MemoryError) as error:
            raise ContainerError(f"{self.label} header is damaged: {reason(error)}") from None
        stack.callback(handle.close)
        backing = handle.get_backing_filename()
        if backing:
            raise ContainerError(
                f"a {self.label} backed by another image ({backing}): it holds only the changes to it; "
                "backed images are not supported yet"
            )
        if handle.is_locked():
            raise ContainerError(f"an encrypted {self.label}: encrypted images are not supported yet")
        return _Qcow(handle)
