"""QEMU copy-on-write disk images (QCOW version 1, QCOW2, QCOW3), via libqcow.

Recognised by the signature ``QFI\\xfb`` and a version of 1 to 3; the media is read through ``pyqcow``
(PyPI ``libqcow-python``, in ``warden[vdisk]``). An image backed by another (a snapshot overlay) holds only
the changes to that image, and an encrypted image needs its key: both are recorded "not examined" with the
reason.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import BinaryIO

from warden.evidence.base import ContainerError, Item
from warden.evidence.virtual_disk import (
    LibyalMedia,
    Media,
    OpenedFiles,
    VirtualDiskContainer,
    binding,
    open_libyal,
)

SIGNATURE = b"QFI\xfb"


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
        source = files.own(stack, stream, container)
        handle = open_libyal(stack, pyqcow.file(), source, f"{self.label} header is damaged")
        backing = handle.get_backing_filename()
        if backing:
            raise ContainerError(
                f"a {self.label} backed by another image ({backing}): it holds only the changes to it; "
                "backed images are not supported yet"
            )
        if handle.is_locked():
            raise ContainerError(f"an encrypted {self.label}: encrypted images are not supported yet")
        return LibyalMedia(handle)
