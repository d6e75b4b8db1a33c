"""FileVault 2 (Core Storage) volumes, unlocked with a password or recovery key, via libfvde.

Recognised by the Core Storage physical volume header (``CS`` at byte 88, as :mod:`warden.evidence.unopened`
declares it). Each logical volume of the volume group is walked under a ``volume`` step named ``lv1``,
``lv2``... (with its name and identifier); an encrypted one is unlocked with a password of one of the Mac's
users or the FileVault recovery key (``ABCD-...``), and one that stays locked is "not examined". A Core
Storage volume split over several physical volumes (a Fusion Drive) is read from this one only, and the
``EncryptedRoot.plist`` is read from the volume itself (not from a separate recovery partition). The raw
volume master key (``key:``) is not taken.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any, BinaryIO

from warden.evidence.base import ContainerError, Step
from warden.evidence.encrypted_volume import EncryptedVolumeContainer, Volume, open_handle
from warden.evidence.unopened import FILEVAULT
from warden.evidence.virtual_disk import reason

MAX_LOGICAL_VOLUMES = 64
"""Most logical volumes read from one volume group (a Mac has one or two)."""


class FileVaultContainer(EncryptedVolumeContainer):
    """A Core Storage physical volume: its logical volumes, unlocked where FileVault 2 encrypts them."""

    name = "corestorage"
    label = "Core Storage volume (FileVault 2)"
    module = "pyfvde"
    package = "libfvde-python"
    kinds = ("password", "recovery-key")

    def sniff(self, head: bytes, size: int | None) -> bool:
        """The physical volume header: version 1, block type 0x0010, ``CS`` at byte 88."""
        return FILEVAULT.sniff(head, size)

    def open_volumes(self, stack: ExitStack, reader: Any, source: BinaryIO) -> list[Volume]:
        """Every logical volume of the group."""
        volume = open_handle(stack, reader.volume(), source, self.label)
        try:
            source.seek(0)
            volume.open_physical_volume_files_as_file_objects([source])
            group = volume.get_volume_group()
            count = int(group.get_number_of_logical_volumes())
        except (OSError, ValueError, MemoryError) as error:
            raise ContainerError(f"{self.label} metadata is damaged: {reason(error)}") from None
        if not 0 < count <= MAX_LOGICAL_VOLUMES:
            raise ContainerError(f"{self.label} declares {count} logical volumes: none is read")
        volumes = []
        for index in range(count):
            try:
                logical = group.get_logical_volume(index)
                detail = {"name": str(logical.get_name() or ""), "identifier": str(logical.get_identifier())}
            except (OSError, ValueError, MemoryError) as error:
                raise ContainerError(f"{self.label} logical volume {index + 1}: {reason(error)}") from None
            volumes.append(Volume(Step("volume", f"lv{index + 1}", detail), logical))
        return volumes


corestorage_items = FileVaultContainer.volume_reader
"""The volume reader :mod:`warden.evidence.volumes` names for a partition or logical volume of this format."""
