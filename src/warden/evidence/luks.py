"""LUKS (Linux Unified Key Setup) encrypted volumes, version 1, unlocked with a passphrase, via libluksde.

Recognised by the header's magic (``LUKS\\xba\\xbe``). Before the reader sees it, the LUKS1 header is read
here to bound what a hostile one could cost: the PBKDF2 iterations of the master-key digest and of every
key slot in use (a passphrase is tried against each) and the anti-forensic stripes (memory per slot).
LUKS2 (JSON metadata, Argon2) is recognised and recorded "not examined": libluksde reads LUKS1 only.
A raw master key (``key:`` in a key file) is not taken: libluksde-python's ``set_key`` passes the key's
length in bits where the library expects bytes, so no key of a real size gets through.
"""

from __future__ import annotations

import struct
from contextlib import ExitStack
from typing import Any, BinaryIO

from warden.evidence.base import ContainerError
from warden.evidence.encrypted_volume import EncryptedVolumeContainer, Volume, open_handle

MAGIC = b"LUKS\xba\xbe"
MAX_ITERATIONS = 50_000_000
"""Most PBKDF2 iterations one passphrase may cost on a volume, over its master-key digest and every key slot
in use (cryptsetup picks about 2 seconds' worth: a few million); a header asking more is refused unread."""
MAX_STRIPES_BYTES = 64 << 20
"""Most bytes of anti-forensic key material per key slot (cryptsetup writes 4000 stripes of the key)."""

_HEADER = struct.Struct(">6sH32s32s32sII20s32sI40s")
_SLOT = struct.Struct(">II32sII")
_SLOT_ACTIVE = 0x00AC71F3


def header_facts(header: bytes) -> tuple[str, int]:
    """The cipher (``aes-xts-plain64``) of a LUKS1 header and the PBKDF2 iterations one passphrase costs.

    Raises:
        ContainerError: it is LUKS2, truncated, or past the bounds above.
    """
    version = int.from_bytes(header[6:8], "big") if len(header) >= 8 else 0
    if version == 2:
        raise ContainerError("encrypted (LUKS2 volume): recognised, not opened: libluksde reads LUKS1 only")
    if version != 1 or len(header) < _HEADER.size + 8 * _SLOT.size:
        raise ContainerError(f"LUKS header of version {version} is not one Warden opens")
    fields = _HEADER.unpack_from(header)
    cipher = f"{_text(fields[2])}-{_text(fields[3])}"
    key_bytes, digest_iterations = fields[6], fields[9]
    iterations = digest_iterations
    for slot in range(8):
        active, slot_iterations, _salt, _offset, stripes = _SLOT.unpack_from(
            header, _HEADER.size + slot * _SLOT.size
        )
        if active != _SLOT_ACTIVE:
            continue
        iterations += slot_iterations
        if stripes * key_bytes > MAX_STRIPES_BYTES:
            raise ContainerError(
                f"LUKS key slot {slot} declares {stripes} stripes of {key_bytes} bytes (a damaged or hostile "
                f"header; at most {MAX_STRIPES_BYTES} bytes are read)"
            )
    if iterations > MAX_ITERATIONS:
        raise ContainerError(
            f"LUKS header asks {iterations} PBKDF2 iterations per passphrase (a damaged or hostile header; "
            f"at most {MAX_ITERATIONS} are run)"
        )
    return cipher, iterations


def _text(field: bytes) -> str:
    return field.split(b"\x00", 1)[0].decode("ascii", "replace")


class LuksContainer(EncryptedVolumeContainer):
    """A LUKS1 volume, unlocked with a passphrase (``password:`` in a key file)."""

    name = "luks"
    label = "LUKS volume"
    module = "pyluksde"
    package = "libluksde-python"
    kinds = ("password",)

    def sniff(self, head: bytes, size: int | None) -> bool:
        """The magic at byte 0, in an item of at least one 4 KiB block."""
        return head.startswith(MAGIC) and (size is None or size >= 4096)

    def check(self, source: BinaryIO) -> None:
        """The header's version, iterations and stripes (:func:`header_facts`)."""
        source.seek(0)
        header_facts(source.read(_HEADER.size + 8 * _SLOT.size))

    def open_volumes(self, stack: ExitStack, reader: Any, source: BinaryIO) -> list[Volume]:
        """The one volume."""
        return [Volume(None, open_handle(stack, reader.volume(), source, self.label))]


luks_items = LuksContainer.volume_reader
"""The volume reader :mod:`warden.evidence.volumes` names for a partition or logical volume of this format."""
