"""A BitLocker volume built here: the FAT16 test image encrypted as Windows 7 and later do it.

Windows cannot run here and no public specimen is at hand, so the volume is written from the public format
description: libyal's "BitLocker Drive Encryption (BDE) format" (``documentation/BitLocker Drive Encryption
(BDE) format.asciidoc`` in https://github.com/libyal/libbde, GNU FDL 1.3), read to learn the layout; no code
of libbde's is used, and libbde-python (``pybde``) only checks the result. The volume, for a plain volume
``P`` (the FAT16 image of :func:`tests.evidence.images.fat16`, then 256 KiB of zeros):

- sector 0: a BitLocker boot sector (``\\xeb\\x58\\x90-FVE-FS-``, the BitLocker GUID at byte 160, the three
  FVE metadata block offsets at byte 176, and the total sector count, which Windows leaves 0 for libbde to
  read from the decrypted NTFS boot sector: ours is FAT), sectors 1-15 zeros;
- every other sector: ``P``'s sector encrypted with AES-XTS-128 (the Windows 10 default, method 0x8004) under
  the full volume encryption key (FVEK), the sector number as the tweak;
- after the FAT image: the original first 16 sectors of ``P`` (its boot sector and FATs), encrypted in place
  with that place's sector numbers (the "volume header" block), then three identical 64 KiB FVE metadata
  blocks (version 2): a block header, a metadata header, and entries:

  - a volume master key (VMK) protected by the password: a stretch key entry (salt) and the VMK encrypted by
    AES-CCM under the stretched password: SHA-256 of SHA-256 of the UTF-16LE password, then 2^20 rounds of
    SHA-256 over (last hash, that hash, salt, round number);
  - a VMK protected by a 48-digit recovery password, stretched the same way from SHA-256 of its 16-byte key
    (each 6-digit group is 11 times one 16-bit word of the key);
  - the FVEK, encrypted by AES-CCM under the VMK;
  - the volume header block entry: where the original first 16 sectors were moved (offset and size).

AES-CCM as BitLocker stores it: a 12-byte nonce (a FILETIME and a counter), then the 16-byte MAC, then the
ciphertext of a key entry (size, type 0, value type 1 "key", version 1, method, key bytes). Left out, as
libbde does not read them: the description (drive label) entry, and the AES-CCM entry Windows nests in a
stretch key entry.
"""

from __future__ import annotations

import functools
import hashlib
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from tests.evidence import images

PASSWORD = "bde-TEST correct horse"
"""The volume's made-up password (its password protector)."""

RECOVERY_KEY = bytes(range(0x10, 0x20))
"""The 16 bytes the recovery password stands for."""

RECOVERY_PASSWORD = "-".join(
    f"{word * 11:06d}" for word in struct.unpack("<8H", RECOVERY_KEY)
)  # 193336-215930-238524-261118-283712-306306-328900-351494
"""The volume's made-up 48-digit recovery password."""

FVEK = bytes(range(0xA0, 0xC0))
"""The full volume encryption key: AES-XTS-128, two 128-bit keys."""

VMK = bytes(range(0x40, 0x60))
"""The volume master key (256 bits), which encrypts the FVEK."""

BITLOCKER_GUID = uuid.UUID("4967d63b-2e29-4ad8-8399-f6a339e3d001")
SECTOR = 512
HEADER_SECTORS = 16
"""The original volume's first sectors BitLocker moves (8 KiB)."""
METADATA_SIZE = 64 << 10
FILETIME = 132_683_184_300_000_000  # 2021-06-15T10:20:30Z, for every timestamp and nonce
AES_XTS_128 = 0x8004
STRETCH_KEY, VMK_KEY = 0x1001, 0x2000
PROTECTED_BY_RECOVERY_PASSWORD, PROTECTED_BY_PASSWORD = 0x0800, 0x2000


@dataclass(frozen=True)
class BitLockerVolume:
    """A built BitLocker volume: its file, the plain FAT16 image it holds, and where its parts lie.

    Attributes:
        path: the volume file.
        plain: the FAT16 image inside (and its facts).
        metadata_offsets: the three FVE metadata blocks' byte offsets.
    """

    path: Path
    plain: images.DiskImage
    metadata_offsets: tuple[int, int, int]


@functools.cache
def stretch(initial: bytes, salt: bytes) -> bytes:
    """The AES-CCM key from a password's or recovery key's hash: 2^20 SHA-256 rounds (about a second, once
    per test process for each secret)."""
    last = bytes(32)
    for count in range(1 << 20):
        last = hashlib.sha256(last + initial + salt + count.to_bytes(8, "little")).digest()
    return last


def password_hash(password: str) -> bytes:
    """SHA-256 of SHA-256 of the UTF-16LE password (no terminator)."""
    return hashlib.sha256(hashlib.sha256(password.encode("utf-16-le")).digest()).digest()


def entry(kind: int, value_type: int, data: bytes) -> bytes:
    """One FVE metadata entry (or property): size, entry type, value type, version 1, data."""
    return struct.pack("<4H", 8 + len(data), kind, value_type, 1) + data


def ccm(key: bytes, counter: int, method: int, secret: bytes) -> bytes:
    """An AES-CCM encrypted key (value type 5): nonce, MAC, then the encrypted key entry."""
    nonce = struct.pack("<QI", FILETIME, counter)
    sealed = AESCCM(key, tag_length=16).encrypt(nonce, entry(0, 1, struct.pack("<I", method) + secret), None)
    return nonce + sealed[-16:] + sealed[:-16]


def vmk_entry(protection: int, stretched: bytes, salt: bytes, counter: int) -> bytes:
    """A VMK entry (type 2, value type 8) protected by a stretched password or recovery key."""
    properties = entry(0, 3, struct.pack("<I", STRETCH_KEY) + salt) + entry(
        0, 5, ccm(stretched, counter, VMK_KEY, VMK)
    )
    key_id = uuid.UUID(int=protection).bytes_le
    return entry(2, 8, key_id + struct.pack("<QHH", FILETIME, 0, protection) + properties)


def xts(data: bytes, first_sector: int) -> bytes:
    """``data`` encrypted with the FVEK, each 512-byte sector with its sector number as the XTS tweak."""
    out = bytearray()
    for index in range(len(data) // SECTOR):
        tweak = (first_sector + index).to_bytes(16, "little")
        encryptor = Cipher(algorithms.AES(FVEK), modes.XTS(tweak)).encryptor()
        out += encryptor.update(data[index * SECTOR : (index + 1) * SECTOR]) + encryptor.finalize()
    return bytes(out)


def metadata_block(size: int, offsets: tuple[int, int, int], header_offset: int) -> bytes:
    """One 64 KiB FVE metadata block (version 2), the same at each of the three offsets."""
    salts = (b"password salt 16", b"recovery salt 16")
    entries = (
        vmk_entry(PROTECTED_BY_PASSWORD, stretch(password_hash(PASSWORD), salts[0]), salts[0], 1)
        + vmk_entry(
            PROTECTED_BY_RECOVERY_PASSWORD,
            stretch(hashlib.sha256(RECOVERY_KEY).digest(), salts[1]),
            salts[1],
            2,
        )
        + entry(3, 5, ccm(VMK, 3, AES_XTS_128, FVEK))
        + entry(0x000F, 0x000F, struct.pack("<QQ", header_offset, HEADER_SECTORS * SECTOR))
    )
    length = 48 + len(entries)
    # Signature, (unknown) size, version 2, state 4 and 4 (encrypted), bytes still encrypted, (unknown),
    # sectors moved, the three block offsets, where the moved sectors are.
    block_header = b"-FVE-FS-" + struct.pack(
        "<4HQII4Q", 0, 2, 4, 4, size, 0, HEADER_SECTORS, *offsets, header_offset
    )
    volume_id = uuid.UUID("0badc0de-0000-4000-8000-00000000b14e").bytes_le
    # Metadata size (twice), version 1, header size, volume id, next nonce counter, method, creation time.
    header = (
        struct.pack("<4I", length, 1, 48, length) + volume_id + struct.pack("<IIQ", 4, AES_XTS_128, FILETIME)
    )
    return (block_header + header + entries).ljust(METADATA_SIZE, b"\0")


def boot_sector(size: int, offsets: tuple[int, int, int]) -> bytes:
    """The BitLocker volume header (Windows 7 and later) that replaces the original boot sector."""
    sector = bytearray(SECTOR)
    sector[0:11] = b"\xeb\x58\x90-FVE-FS-"
    struct.pack_into("<HB", sector, 11, SECTOR, 8)  # bytes per sector, sectors per cluster
    struct.pack_into("<B", sector, 21, 0xF8)  # media descriptor: fixed disk
    struct.pack_into("<HHII", sector, 24, 0x3F, 0xFF, 0, size // SECTOR)  # geometry, total sectors
    sector[160:176] = BITLOCKER_GUID.bytes_le
    struct.pack_into("<3Q", sector, 176, *offsets)
    sector[510:512] = b"\x55\xaa"
    return bytes(sector)


def build(plain: bytes) -> tuple[bytes, tuple[int, int, int]]:
    """The BitLocker volume holding ``plain`` (a whole number of 64 KiB), and its metadata block offsets."""
    header_offset = len(plain)
    offsets = (
        header_offset + METADATA_SIZE,
        header_offset + 2 * METADATA_SIZE,
        header_offset + 3 * METADATA_SIZE,
    )
    size = header_offset + 4 * METADATA_SIZE
    volume = bytearray(xts(plain.ljust(size, b"\0"), 0))
    moved = HEADER_SECTORS * SECTOR
    volume[header_offset : header_offset + moved] = xts(plain[:moved], header_offset // SECTOR)
    volume[0:moved] = boot_sector(size, offsets).ljust(moved, b"\0")
    block = metadata_block(size, offsets, header_offset)
    for offset in offsets:
        volume[offset : offset + METADATA_SIZE] = block
    return bytes(volume), offsets


def bitlocker_volume(folder: Path) -> BitLockerVolume:
    """Build ``folder/bitlocker.img``: the FAT16 test image in a BitLocker volume opened by :data:`PASSWORD`
    or :data:`RECOVERY_PASSWORD`."""
    plain = images.fat16()
    volume, offsets = build(plain.path.read_bytes())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bitlocker.img"
    path.write_bytes(volume)
    return BitLockerVolume(path, plain, offsets)
