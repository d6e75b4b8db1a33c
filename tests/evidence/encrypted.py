"""Encrypted test volumes, built here: a LUKS1 volume holding the FAT16 test image, and key files.

``cryptsetup luksFormat`` on a plain file (Debian package ``cryptsetup-bin``; no device mapper, no root)
writes a LUKS1 header whose volume key we choose; the payload is the FAT16 image of
:func:`tests.evidence.images.fat16` encrypted here with AES-XTS and plain64 IVs (the 512-byte sector number
from the payload's start), as the kernel's dm-crypt would have written it. BitLocker and FileVault 2
volumes, which no Linux tool makes, are written from their published formats by bitlocker_volume.py and
filevault_volume.py.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.evidence import images

PASSWORD = "luks-TEST correct horse"
"""The LUKS volume's passphrase (in key slot 0)."""

VOLUME_KEY = bytes(range(64))
"""The LUKS volume's master key: AES-256-XTS (two 256-bit keys)."""

SECTOR = 512


@dataclass(frozen=True)
class LuksVolume:
    """A built LUKS1 volume: its file, and the plain FAT16 image it holds (with that image's facts)."""

    path: Path
    plain: images.DiskImage


def xts_plain64(data: bytes, key: bytes) -> bytes:
    """``data`` encrypted as dm-crypt's ``aes-xts-plain64`` does: each sector with its number as the tweak."""
    out = bytearray()
    for sector in range(len(data) // SECTOR):
        tweak = sector.to_bytes(16, "little")
        encryptor = Cipher(algorithms.AES(key), modes.XTS(tweak)).encryptor()
        out += encryptor.update(data[sector * SECTOR : (sector + 1) * SECTOR]) + encryptor.finalize()
    return bytes(out)


def luks_volume(folder: Path, password: str = PASSWORD) -> LuksVolume:
    """Build ``folder/secret.img``: a LUKS1 header (``password`` in slot 0) and the FAT16 image, encrypted."""
    if shutil.which("cryptsetup") is None and not Path("/usr/sbin/cryptsetup").exists():
        pytest.skip("cryptsetup is not installed (Debian package cryptsetup-bin)")
    tool = shutil.which("cryptsetup") or "/usr/sbin/cryptsetup"
    plain = images.fat16()
    payload = plain.path.read_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    key_file, pass_file, volume = folder / "volume.key", folder / "pass", folder / "secret.img"
    key_file.write_bytes(VOLUME_KEY)
    pass_file.write_text(password)
    with volume.open("wb") as handle:
        handle.truncate((4 << 20) + len(payload))
    images.run(
        tool, "luksFormat", "-q", "--type", "luks1", "--cipher", "aes-xts-plain64", "--key-size", "512",
        "--hash", "sha256", "--iter-time", "1",
        "--volume-key-file", key_file, "--key-file", pass_file, volume,
    )  # fmt: skip
    key_file.unlink()
    pass_file.unlink()
    header = volume.read_bytes()[:SECTOR]
    offset = int.from_bytes(header[104:108], "big") * SECTOR  # the payload offset, in sectors
    with volume.open("r+b") as handle:
        handle.truncate(offset + len(payload))
        handle.seek(offset)
        handle.write(xts_plain64(payload, VOLUME_KEY))
    return LuksVolume(volume, plain)
