"""VMware virtual disks (VMDK): sparse, stream-optimised, flat and split, via libvmdk.

Two kinds of file start a VMDK, both recognised by their bytes:

- a sparse extent (``KDMV``) with its descriptor embedded (``monolithicSparse``, ``streamOptimized``): the
  whole disk in one file;
- a descriptor file (text starting ``# Disk DescriptorFile``) naming its extents, each a file beside it:
  flat (``monolithicFlat``: ``disk-flat.vmdk``), split in 2 GB pieces (``twoGbMaxExtentSparse``:
  ``disk-s001.vmdk``...). Extents are opened only by plain names in the descriptor's own folder, never
  through a link, so a hostile descriptor cannot make Warden read another file of the examiner's machine.

A sparse extent of a split set (``KDMV`` without its descriptor) is recognised and recorded "not examined":
it is read through its descriptor. A descriptor inside another container (an archive) cannot reach its
extents and is recorded "not examined" with what to do. A flat extent is a raw disk and is recognised as
one (:mod:`warden.evidence.raw_image`) when scanned beside its descriptor: see ``docs/limits.md``. The media
is read through ``pyvmdk`` (PyPI ``libvmdk-python``, in ``warden[vdisk]``).
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any, BinaryIO

from warden.evidence.base import HEAD_BYTES, ContainerError, Item
from warden.evidence.virtual_disk import (
    LibyalMedia,
    Media,
    OpenedFiles,
    VirtualDiskContainer,
    binding,
    open_libyal,
    reason,
)
from warden.hashing.digests import open_evidence

SPARSE_SIGNATURE = b"KDMV"
DESCRIPTOR_SIGNATURE = b"# Disk DescriptorFile"
MAX_DESCRIPTOR_BYTES = 1 << 20
"""A descriptor file is a few hundred bytes of text; a larger "descriptor" is not read."""

_NO_PARENT = 0xFFFFFFFF
# libvmdk's extent types whose file it reads: FLAT, SPARSE, VMFS_FLAT (a ZERO extent has no file).
_READ_EXTENTS = {1: "flat", 2: "sparse", 3: "VMFS flat"}
_EXTENT_NAMES = {4: "VMFS sparse", 5: "VMFS raw", 6: "VMFS raw device mapping", 7: "zero"}


def _embedded_descriptor(head: bytes) -> bool:
    """Whether a sparse extent's header points at a descriptor that is there (a whole disk in one file)."""
    sector = int.from_bytes(head[28:36], "little")
    at = sector * 512
    return (
        sector > 0
        and at + len(DESCRIPTOR_SIGNATURE) <= len(head)
        and head[at:].startswith(DESCRIPTOR_SIGNATURE)
    )


class VmdkContainer(VirtualDiskContainer):
    """A VMDK: one sparse file, or a descriptor file and its extents."""

    name = "vmdk"
    label = "VMDK"

    def sniff(self, head: bytes, size: int | None) -> bool:
        """A sparse extent header (``KDMV``) or a descriptor file's first line."""
        return head.startswith(SPARSE_SIGNATURE) or head.startswith(DESCRIPTOR_SIGNATURE)

    def open_media(
        self, stack: ExitStack, stream: BinaryIO | None, container: Item, files: OpenedFiles
    ) -> Media:
        pyvmdk = binding("pyvmdk", "libvmdk-python", self.label)
        source = files.own(stack, stream, container)
        source.seek(0)
        head = source.read(HEAD_BYTES)
        sparse = head.startswith(SPARSE_SIGNATURE)
        if sparse and not _embedded_descriptor(head):
            raise ContainerError(
                "one extent of a split VMDK: it is read through the VMDK's descriptor file, not alone "
                "(scan the folder holding the descriptor and every extent)"
            )
        if not sparse and (container.size or 0) > MAX_DESCRIPTOR_BYTES:
            raise ContainerError(f"a VMDK descriptor of more than {MAX_DESCRIPTOR_BYTES} bytes: not read")
        source.seek(0)
        handle = open_libyal(stack, pyvmdk.handle(), source, f"{self.label} descriptor or header is damaged")
        if int(handle.get_parent_content_identifier()) != _NO_PARENT:
            parent = handle.get_parent_filename() or "unnamed"
            raise ContainerError(
                f"a differencing {self.label}: it holds only the changes to its parent image ({parent}); "
                "differencing disks are not supported yet"
            )
        extents = [source] if sparse else self._extents(stack, handle, container, files)
        try:
            handle.open_extent_data_files_as_file_objects(extents)
        except (OSError, ValueError, MemoryError) as error:
            raise ContainerError(f"{self.label} extent is damaged or missing: {reason(error)}") from None
        return LibyalMedia(handle)

    def _extents(self, stack: ExitStack, handle: Any, container: Item, files: OpenedFiles) -> list[BinaryIO]:
        """The extent files a descriptor names, opened from its own folder."""
        if container.fs_path is None:
            raise ContainerError(
                "a VMDK descriptor inside another container: its extents are separate files (extract the "
                "descriptor with every extent and scan the descriptor)"
            )
        folder = Path(container.fs_path).parent
        opened: list[BinaryIO] = []
        for index in range(int(handle.get_number_of_extents())):
            extent = handle.get_extent_descriptor(index)
            kind = int(extent.get_type())
            if kind not in _READ_EXTENTS:
                what = _EXTENT_NAMES.get(kind, f"type {kind}")
                raise ContainerError(f"a VMDK with a {what} extent: such extents are not supported yet")
            name = str(extent.get_filename() or "")
            if not name or "/" in name or "\\" in name or name in (".", ".."):
                raise ContainerError(
                    f"a VMDK extent named {name!r}: only extents beside the descriptor are read"
                )
            try:
                opened.append(stack.enter_context(open_evidence(folder / name)))
            except OSError as error:
                raise ContainerError(f"VMDK extent {name} cannot be opened: {error}") from None
            files.names.append(name)
            files.streams.append(opened[-1])
        return opened
