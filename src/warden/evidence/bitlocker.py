"""BitLocker encrypted volumes, unlocked with a password or recovery key, via libbde.

Recognised by the boot sector's signature (``-FVE-FS-`` at byte 3, as :mod:`warden.evidence.unopened`
declares it); a BitLocker To Go volume, whose boot sector is a FAT one, is not recognised yet.
A password is stretched by the format's fixed 2^20 SHA-256 rounds (libbde repeats them once for each of the
three FVE metadata copies when a password fails), so a hostile header cannot make one try cost more. libbde
reads all three copies and refuses the volume ("header is damaged") when any one of them is. A volume with
a clear key (suspended protection) opens without a secret. The raw full-volume encryption key (``key:``) is
not taken: libbde-python reads it as text and stops at its first zero byte.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any, BinaryIO

from warden.evidence.encrypted_volume import EncryptedVolumeContainer, Volume, open_handle
from warden.evidence.unopened import BITLOCKER


class BitLockerContainer(EncryptedVolumeContainer):
    """A BitLocker volume, unlocked with a password or a 48-digit recovery key."""

    name = "bitlocker"
    label = "BitLocker volume"
    module = "pybde"
    package = "libbde-python"
    kinds = ("password", "recovery-key")

    def sniff(self, head: bytes, size: int | None) -> bool:
        """``-FVE-FS-`` at byte 3 (Windows Vista and later; a To Go volume's FAT boot sector is not taken)."""
        return BITLOCKER.sniff(head, size)

    def open_volumes(self, stack: ExitStack, reader: Any, source: BinaryIO) -> list[Volume]:
        """The one volume."""
        return [Volume(None, open_handle(stack, reader.volume(), source, self.label))]


bitlocker_items = BitLockerContainer.volume_reader
"""The volume reader :mod:`warden.evidence.volumes` names for a partition or logical volume of this format."""
