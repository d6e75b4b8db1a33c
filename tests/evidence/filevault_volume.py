"""A FileVault 2 test volume, built here: a Core Storage physical volume with one encrypted logical volume.

Written from libyal's public description of the format ("FileVault Drive Encryption (FVDE)", libfvde's
``documentation/``) and checked against libfvde itself (``pyfvde`` opens it, unlocks it with the password
and reads the logical volume back byte for byte: tests/evidence/test_filevault.py). Only what libfvde reads
is written; every other field is zero. The physical volume, in 4096-byte blocks:

- block 0: the physical volume header (``CS`` at byte 88, CRC-32C of bytes 8-511, the 16-byte key that
  encrypts the metadata, the physical volume and volume group UUIDs);
- blocks 1-2: the metadata (one 8192-byte block of type 0x0011, which all four metadata pointers of the
  header name): where the encrypted metadata lies, and an XML dict naming the volume group and its one
  physical volume;
- blocks 3-10: the encrypted metadata, four 8192-byte blocks each encrypted with AES-XTS-128 (key: the
  header's key; tweak key: the physical volume UUID; tweak: the block's index): 0x0105 (the logical volume's
  object), 0x0305 (its one extent on this physical volume), 0x001a (its XML dict: name, size, UUID, family
  UUID) and 0x0019 (the encryption context: two crypto users, the password's and the recovery key's, each
  wrapping the key-encrypting key, and the key-encrypting key wrapping the volume key);
- from block 16: the logical volume, each 512-byte sector encrypted with AES-XTS-128 (key: the volume key;
  tweak key: the first 16 bytes of SHA-256(volume key + family UUID); tweak: the sector's number).

The password (or the recovery key) unwraps as on a Mac: PBKDF2-HMAC-SHA256 (the user's salt and iterations)
gives a 16-byte key that unwraps (RFC 3394) the key-encrypting key, which unwraps the volume key.

libfvde takes a logical volume as unlocked only when its decrypted byte 1024 starts an HFS+ volume header
(``H+``: on a Mac a Core Storage logical volume always holds HFS+). No tool here writes files into HFS+, so
the logical volume holds a small partitioned disk instead: an MBR naming one FAT16 partition at sector 8, the
``H+`` signature at byte 1024 in the gap before it (nothing reads the gap), and the FAT16 image of
:func:`tests.evidence.images.fat16` (benign photos), byte for byte, as the partition.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

from tests.evidence import images

PASSWORD = "filevault-TEST correct horse"
"""The made-up password of the volume's one user."""

RECOVERY_KEY = "WRDN-TEST-4C0F-FEE5-AB12-CD34"
"""The volume's made-up FileVault recovery key (a second crypto user, as on a Mac)."""

BLOCK = 4096
SECTOR = 512
METADATA_BLOCK = 8192
LEAD = 8 * SECTOR
"""Where the FAT16 partition starts inside the logical volume."""
FIRST_LV_BLOCK = 16
ITERATIONS = 1000

PV_UUID = uuid.UUID("1F5C3D2A-0B4E-4C6D-8E7F-90A1B2C3D4E5")
GROUP_UUID = uuid.UUID("2A6D4E3B-1C5F-4D7E-9F80-A1B2C3D4E5F6")
LV_UUID = uuid.UUID("3B7E5F4C-2D60-4E8F-A091-B2C3D4E5F607")
FAMILY_UUID = uuid.UUID("4C8F6051-3E71-4F90-B1A2-C3D4E5F60718")
METADATA_KEY = bytes(range(0x10, 0x20))
VOLUME_KEY = bytes(range(0x20, 0x30))
KEY_ENCRYPTING_KEY = bytes(range(0x30, 0x40))
SALT = bytes(range(0x40, 0x50))
RECOVERY_SALT = bytes(range(0x50, 0x60))
LV_OBJECT = 0x100
EXTENT_OBJECT = 0x200


@dataclass(frozen=True)
class FileVaultVolume:
    """A built volume: its file, the decrypted logical volume, and the plain FAT16 image inside it."""

    path: Path
    logical_volume: bytes
    plain: images.DiskImage


def crc32c(data: bytes) -> int:
    """Core Storage's "weak" CRC-32C: Castagnoli polynomial, initial value 0xffffffff, no final XOR."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc


def xts(key: bytes, tweak_key: bytes, unit: int, data: bytes) -> bytes:
    """``data`` encrypted with AES-XTS-128 as one unit whose number is ``unit`` (little-endian tweak)."""
    mode = modes.XTS(unit.to_bytes(16, "little"))
    encryptor = Cipher(algorithms.AES(key + tweak_key), mode).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def metadata_block(kind: int, object_id: int, body: bytes) -> bytes:
    """An 8192-byte metadata block: the 64-byte header (with its CRC-32C) and ``body``."""
    header = struct.pack("<IIHHIQQQQII8x", 0, 0xFFFFFFFF, 1, kind, 1, 1, object_id, 0, 0, METADATA_BLOCK, 0)
    block = bytearray((header + body).ljust(METADATA_BLOCK, b"\0"))
    struct.pack_into("<I", block, 0, crc32c(bytes(block[8:])))
    return bytes(block)


def with_xml(fields: bytes, xml_at: int, xml: str) -> tuple[bytes, int]:
    """A block body: ``fields``, then ``xml`` (NUL-terminated) at ``xml_at`` bytes from the block's start."""
    data = xml.encode() + b"\0"
    return fields.ljust(xml_at - 64, b"\0") + data, len(data)


def plist(**entries: str) -> str:
    """An XML dict of ``entries`` (values already XML), keyed ``com.apple.corestorage.<key>``."""
    items = "".join(f"<key>com.apple.corestorage.{k.replace('_', '.')}</key>{v}" for k, v in entries.items())
    return f"<dict>{items}</dict>"


def string(value: object) -> str:
    """A plist string; a UUID in capitals, as Core Storage writes it."""
    return f"<string>{str(value).upper() if isinstance(value, uuid.UUID) else value}</string>"


def data(value: bytes) -> str:
    """Plist data, in base64."""
    return f"<data>{base64.b64encode(value).decode()}</data>"


def physical_volume_header(size: int) -> bytes:
    """The physical volume header of a volume of ``size`` bytes."""
    header = bytearray(SECTOR)
    struct.pack_into("<IIHHI", header, 0, 0, 0xFFFFFFFF, 1, 0x0010, 1)
    struct.pack_into("<I", header, 48, SECTOR)
    struct.pack_into("<Q", header, 64, size)
    struct.pack_into("<2sIHII", header, 88, b"CS", 1, 4, BLOCK, METADATA_BLOCK)
    struct.pack_into("<4Q", header, 104, 1, 1, 1, 1)  # the four metadata copies: all the one at block 1
    struct.pack_into("<II16s", header, 168, 16, 2, METADATA_KEY)  # AES-XTS
    header[304:336] = PV_UUID.bytes + GROUP_UUID.bytes
    struct.pack_into("<I", header, 0, crc32c(bytes(header[8:])))
    return bytes(header)


def metadata(encrypted_at: int, encrypted_blocks: int) -> bytes:
    """The plain metadata (type 0x0011): where the encrypted metadata is, and the volume group."""
    descriptor_at, xml_at = 256, 304
    xml = plist(
        lvg_uuid=string(GROUP_UUID),
        lvg_name=string("Warden test"),
        lvg_physicalVolumes=f"<array>{string(PV_UUID)}</array>",
    )
    fields = bytearray(descriptor_at - 64 + 48)
    struct.pack_into("<I", fields, 0, METADATA_BLOCK)
    struct.pack_into("<II", fields, 156, descriptor_at, xml_at)
    # The volume group descriptor: encrypted metadata size (blocks), primary and secondary copy (block,
    # physical volume 0): one copy, named twice.
    struct.pack_into("<Q", fields, descriptor_at - 64 + 8, encrypted_blocks)
    struct.pack_into("<QQ", fields, descriptor_at - 64 + 32, encrypted_at, encrypted_at)
    body, size = with_xml(bytes(fields), xml_at, xml)
    body = body[:164] + struct.pack("<II", size, size) + body[172:]
    return metadata_block(0x0011, 1, body)


def passphrase_wrapped_kek(passphrase: str, salt: bytes) -> bytes:
    """A PassphraseWrappedKEKStruct: the key-encrypting key wrapped with PBKDF2-SHA256 of ``passphrase``."""
    passphrase_key = PBKDF2HMAC(SHA256(), 16, salt, ITERATIONS).derive(passphrase.encode())
    wrapped = bytearray(284)
    struct.pack_into(
        "<II16sII24s", wrapped, 0, 3, 16, salt, 0x10, 24, aes_key_wrap(passphrase_key, KEY_ENCRYPTING_KEY)
    )
    struct.pack_into("<I", wrapped, 168, ITERATIONS)
    return bytes(wrapped)


def encryption_context(password: str) -> str:
    """The logical volume family's XML dict: two crypto users (the password's, the recovery key's) and the
    volume key wrapped with the key-encrypting key (the second of the wrapped volume keys, as on a Mac)."""
    users = "".join(
        f"<dict><key>PassphraseWrappedKEKStruct</key>{data(passphrase_wrapped_kek(secret, salt))}"
        f"<key>UserIdent</key>{string(uuid.UUID(int=n))}</dict>"
        for n, (secret, salt) in enumerate(((password, SALT), (RECOVERY_KEY, RECOVERY_SALT)), 1)
    )
    volume_key = bytearray(256)  # KEKWrappedVolumeKeyStruct
    struct.pack_into("<II24s", volume_key, 0, 2, 24, aes_key_wrap(KEY_ENCRYPTING_KEY, VOLUME_KEY))
    context = (
        f"<dict><key>CryptoUsers</key><array>{users}</array>"
        "<key>WrappedVolumeKeys</key><array>"
        f"<dict><key>BlockAlgorithm</key><string>None</string><key>KEKWrappedVolumeKeyStruct</key>{data(b'')}</dict>"
        f"<dict><key>BlockAlgorithm</key><string>AES-XTS</string>"
        f"<key>KEKWrappedVolumeKeyStruct</key>{data(bytes(volume_key))}</dict>"
        "</array></dict>"
    )
    return plist(
        lvf_encryption_context=context, lvf_uuid=string(FAMILY_UUID), lvf_groupUUID=string(GROUP_UUID)
    )


def encrypted_metadata(password: str, lv_size: int) -> bytes:
    """The four metadata blocks describing the logical volume, encrypted."""
    # 0x0105: one logical volume, by its object identifier.
    objects = struct.pack("<I4xQ8x", 1, LV_OBJECT)
    # 0x0305: one extent: logical block 0, its length in blocks, its first block on physical volume 0.
    extent = struct.pack("<I4x8xQI12xQ", 1, 0, lv_size // BLOCK, FIRST_LV_BLOCK)
    lv_xml = plist(
        lv_familyUUID=string(FAMILY_UUID),
        lv_name=string("Untitled"),
        lv_size=f'<integer size="64">{lv_size}</integer>',
        lv_uuid=string(LV_UUID),
    )
    # 0x001a: the logical volume's object, its extent's object, the XML's size (stored = plain, not
    # compressed), offset and size.
    lv_body, lv_xml_size = with_xml(b"", 136, lv_xml)
    lv_body = (
        struct.pack("<QQ40xIIII", LV_OBJECT, EXTENT_OBJECT, lv_xml_size, lv_xml_size, 136, lv_xml_size)
        + lv_body[72:]
    )
    # 0x0019: no continuation block, the XML's size (stored = plain), offset and size.
    context_body, context_size = with_xml(b"", 144, encryption_context(password))
    context_body = (
        struct.pack("<32xQIIII", 0, context_size, context_size, 144, context_size) + context_body[56:]
    )
    blocks = [
        metadata_block(0x0105, 0x105, objects),
        metadata_block(0x0305, EXTENT_OBJECT, extent),
        metadata_block(0x001A, 0x300, lv_body),
        metadata_block(0x0019, 0x400, context_body),
    ]
    return b"".join(xts(METADATA_KEY, PV_UUID.bytes, n, block) for n, block in enumerate(blocks))


def logical_volume(fat: bytes) -> bytes:
    """A partitioned disk: MBR (one FAT16 partition at sector 8), ``H+`` at byte 1024, the FAT16 image."""
    lead = bytearray(LEAD)
    lead[446:462] = struct.pack(
        "<B3sB3sII", 0, b"\0\2\0", 0x06, b"\xfe\xff\xff", LEAD // SECTOR, len(fat) // SECTOR
    )
    lead[510:512] = b"\x55\xaa"
    lead[1024:1028] = b"H+\x00\x04"
    return bytes(lead) + fat


def filevault_volume(folder: Path, password: str = PASSWORD) -> FileVaultVolume:
    """Build ``folder/filevault.img``: a Core Storage volume whose logical volume ``password`` unlocks."""
    plain = images.fat16()
    volume = logical_volume(plain.path.read_bytes())
    assert len(volume) % BLOCK == 0
    tweak_key = hashlib.sha256(VOLUME_KEY + FAMILY_UUID.bytes).digest()[:16]
    sectors = b"".join(
        xts(VOLUME_KEY, tweak_key, n, volume[n * SECTOR : (n + 1) * SECTOR])
        for n in range(len(volume) // SECTOR)
    )
    encrypted = encrypted_metadata(password, len(volume))
    size = FIRST_LV_BLOCK * BLOCK + len(volume)
    image = bytearray(size)
    image[:SECTOR] = physical_volume_header(size)
    image[BLOCK : BLOCK + METADATA_BLOCK] = metadata(3, len(encrypted) // BLOCK)
    image[3 * BLOCK : 3 * BLOCK + len(encrypted)] = encrypted
    image[FIRST_LV_BLOCK * BLOCK :] = sectors
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "filevault.img"
    path.write_bytes(bytes(image))
    return FileVaultVolume(path, volume, plain)
