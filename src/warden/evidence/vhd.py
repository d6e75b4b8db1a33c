"""Microsoft virtual disks, VHD (Virtual PC, Hyper-V) and VHDX (Hyper-V), via libvhdi.

Recognised by their signatures: a dynamic or differencing VHD starts with a copy of its footer
(``conectix``); a VHDX with its file type identifier (``vhdxfile``). A fixed VHD is the raw disk followed by
a 512-byte footer, so it is recognised and read as a raw image (:mod:`warden.evidence.raw_image`). The media
is read through ``pyvhdi`` (PyPI ``libvhdi-python``, in ``warden[vdisk]``). A differencing disk holds only
the changes to a parent image and is recorded "not examined", naming its parent.
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

VHD_SIGNATURE = b"conectix"
VHDX_SIGNATURE = b"vhdxfile"
_DIFFERENCING = 4
"""libvhdi's disk type of a differencing disk (``pyvhdi.disk_types.DIFFERENTIAL``)."""


class _VhdiContainer(VirtualDiskContainer):
    def open_media(
        self, stack: ExitStack, stream: BinaryIO | None, container: Item, files: OpenedFiles
    ) -> Media:
        pyvhdi = binding("pyvhdi", "libvhdi-python", self.label)
        source = files.own(stack, stream, container)
        handle = open_libyal(stack, pyvhdi.file(), source, f"{self.label} header is damaged")
        if int(handle.get_disk_type()) == _DIFFERENCING:
            parent = handle.get_parent_filename() or "unnamed"
            raise ContainerError(
                f"a differencing {self.label}: it holds only the changes to its parent image ({parent}); "
                "differencing disks are not supported yet"
            )
        return LibyalMedia(handle)


class VhdContainer(_VhdiContainer):
    """A dynamic VHD (a fixed one is read as a raw image)."""

    name = "vhd"
    label = "VHD"

    def sniff(self, head: bytes, size: int | None) -> bool:
        """The footer's copy at byte 0: ``conectix``."""
        return head.startswith(VHD_SIGNATURE)


class VhdxContainer(_VhdiContainer):
    """A VHDX (fixed or dynamic)."""

    name = "vhdx"
    label = "VHDX"

    def sniff(self, head: bytes, size: int | None) -> bool:
        """The file type identifier at byte 0: ``vhdxfile``."""
        return head.startswith(VHDX_SIGNATURE)
