"""Issue 14 point 2 for BitLocker: a volume built here (:mod:`tests.evidence.bitlocker_volume`) opened with
its password or recovery password from a key file gives the files of the FAT image inside with the same
MD5s; without a secret that opens it, or with its metadata damaged, it is "not examined", never silent,
never a crash."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import pytest

from tests.evidence import images
from tests.evidence.bitlocker_volume import (
    PASSWORD,
    RECOVERY_PASSWORD,
    BitLockerVolume,
    bitlocker_volume,
)
from tests.evidence.images import file_item, read_all
from warden.evidence.base import Limits
from warden.evidence.bitlocker import BitLockerContainer
from warden.evidence.containers import register_built_in
from warden.evidence.disk import disk_items
from warden.evidence.keys import Keys, Secret
from warden.evidence.walk import Found, walk

pybde = pytest.importorskip("pybde", reason="pip install 'warden[vdisk]'")
pytestmark = pytest.mark.slow  # libbde stretches each password tried with 2^20 SHA-256 rounds per FVE copy


@pytest.fixture(scope="module")
def volume(tmp_path_factory: pytest.TempPathFactory) -> BitLockerVolume:
    register_built_in()
    return bitlocker_volume(tmp_path_factory.mktemp("bitlocker"))


def keys(*secrets: tuple[str, str]) -> Keys:
    return Keys(
        tuple(Secret(kind, value, f"keys.txt line {n}") for n, (kind, value) in enumerate(secrets, 1))
    )


def md5s(found: dict[str, images.Read]) -> dict[str, str | None]:
    return {path: read.data and hashlib.md5(read.data).hexdigest() for path, read in found.items()}


def plain_md5s(plain: images.DiskImage) -> dict[str, str | None]:
    data = plain.path.read_bytes()
    items = disk_items(lambda o, n: data[o : o + n], len(data), file_item(plain.path), Limits())
    return md5s(read_all(items))


def walked(path: Path, given: Keys) -> list[Found]:
    return list(walk([file_item(path)], Limits(keys=given)))


def damaged_copy(volume: BitLockerVolume, folder: Path, offset: int, data: bytes) -> Path:
    copy = folder / "damaged.img"
    raw = bytearray(volume.path.read_bytes())
    raw[offset : offset + len(data)] = data
    copy.write_bytes(raw)
    return copy


def test_libbde_opens_the_built_volume_and_reads_the_fat_image_back_byte_for_byte(
    volume: BitLockerVolume,
) -> None:
    plain = volume.plain.path.read_bytes()
    handle = pybde.volume()
    handle.set_password(PASSWORD)
    handle.open(str(volume.path))
    try:
        assert not handle.is_locked()
        decrypted = handle.read_buffer_at_offset(handle.get_size(), 0)
    finally:
        handle.close()
    # The FAT image, then the space that holds BitLocker's own blocks, which a reader shows as zeros.
    assert decrypted[: len(plain)] == plain
    assert decrypted[len(plain) :] == bytes(len(decrypted) - len(plain))
    # On disk, neither the FAT boot sector nor a photo is in the clear.
    raw = volume.path.read_bytes()
    assert raw[3:11] == b"-FVE-FS-" and b"WARDEN" not in raw[:8192]
    assert images.photo_bytes("tench")[:4096] not in raw


@pytest.mark.parametrize(
    ("secret", "line"),
    [(("password", PASSWORD), 2), (("recovery-key", RECOVERY_PASSWORD), 2)],
    ids=["password", "recovery password"],
)
def test_with_its_secret_the_volume_gives_the_fat_images_files_and_md5s(
    secret: tuple[str, str], line: int, volume: BitLockerVolume
) -> None:
    given = keys(("password", "not the password"), secret)
    with volume.path.open("rb") as stream:
        found = read_all(BitLockerContainer().expand(stream, file_item(volume.path), Limits(keys=given)))
    assert md5s(found) == plain_md5s(volume.plain)
    tench = found["DCIM/100CANON/IMG_0001.JPG"]
    assert hashlib.md5(tench.data or b"").hexdigest() == hashlib.md5(images.photo_bytes("tench")).hexdigest()
    # The photo written into free space is carved from the decrypted volume too.
    assert any(path.startswith("unallocated@") for path in found)
    # Which key-file line opened it is in every item's provenance; the secret is nowhere.
    assert tench.item.steps[0].detail == {"unlocked_with": f"keys.txt line {line}"}
    assert secret[1] not in repr(tench.item)


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        (Keys(), "encrypted (BitLocker volume): no key given"),
        (keys(("password", "not it")), "encrypted (BitLocker volume): the one key given does not open it"),
        (
            keys(("password", "not it"), ("recovery-key", "111111-" * 7 + "111111")),
            "encrypted (BitLocker volume): none of the 2 keys given opens it",
        ),
        (keys(("key", "00" * 32)), "no key given (warden scan --key-file) (1 given, none a password or"),
    ],
    ids=["no key", "wrong password", "two wrong", "raw key only"],
)
def test_without_a_working_secret_the_volume_is_not_examined(
    given: Keys, reason: str, volume: BitLockerVolume
) -> None:
    found = walked(volume.path, given)
    assert [f.container for f in found] == ["bitlocker", None]
    fact = found[1].item
    assert fact.not_examined and fact.path == "bitlocker.img//(unreadable)"
    assert reason in str(fact.problem)


def test_a_bitlocker_partition_of_a_disk_image_is_opened_with_its_key_and_named_without(
    volume: BitLockerVolume, tmp_path: Path
) -> None:
    # A disk image whose first partition (type 7, as Windows marks it) is the BitLocker volume: The Sleuth
    # Kit finds no file system there, and the volume's own reader opens it with the scan's keys.
    disk = tmp_path / "disk.img"
    raw = volume.path.read_bytes()
    sectors = len(raw) // 512
    with disk.open("wb") as handle:
        handle.truncate((2048 + sectors + 2048) * 512)
        handle.seek(2048 * 512)
        handle.write(raw)
    images.run("sfdisk", "-q", disk, stdin=f"label: dos\nstart=2048, size={sectors}, type=7\n")
    found = walked(disk, keys(("password", PASSWORD)))
    inside = {
        item.path.split("//p1//", 1)[1]: item for item in (f.item for f in found) if "//p1//" in item.path
    }
    assert set(plain_md5s(volume.plain)) <= set(inside)
    assert inside["DCIM/new.jpg"].steps[1].detail["unlocked_with"] == "keys.txt line 1"
    [locked] = [f.item for f in walked(disk, Keys()) if f.item.path.startswith("disk.img//p1")]
    assert locked.not_examined and "encrypted (BitLocker volume): no key given" in str(locked.problem)


@pytest.mark.parametrize(
    ("where", "data", "reason"),
    [
        ("block", b"-FVE-XX-", "invalid metadata block signature"),
        ("entries", b"\xff\xff", "FVE metadata entry size value out of bounds"),
    ],
    ids=["signature", "entry size"],
)
def test_a_damaged_fve_metadata_block_is_not_examined_never_a_crash(
    where: str, data: bytes, reason: str, volume: BitLockerVolume, tmp_path: Path
) -> None:
    # The first of the three copies only: libbde reads all three and refuses the volume if one is damaged.
    offset = volume.metadata_offsets[0] + (0 if where == "block" else 64 + 48)
    damaged = damaged_copy(volume, tmp_path, offset, data)
    found = walked(damaged, keys(("password", PASSWORD)))
    assert [f.container for f in found] == ["bitlocker", None]
    fact = found[1].item
    assert fact.not_examined and fact.path == "damaged.img//(unreadable)"
    assert f"BitLocker volume header is damaged: {reason}" in str(fact.problem)


def test_a_truncated_volume_is_not_examined_never_a_crash(volume: BitLockerVolume, tmp_path: Path) -> None:
    cut = tmp_path / "cut.img"
    cut.write_bytes(volume.path.read_bytes()[: 4 << 20])
    found = walked(cut, keys(("password", PASSWORD)))
    assert found[0].container == "bitlocker"
    [fact] = [f.item for f in found if f.item.problem]
    assert fact.not_examined and "BitLocker volume header is damaged" in str(fact.problem)


def test_damaged_key_material_gives_no_files_and_says_so(volume: BitLockerVolume, tmp_path: Path) -> None:
    # libbde does not check the AES-CCM MAC: a damaged encrypted FVEK (in all three copies) unlocks the volume
    # with a wrong key, and what comes out is named unreadable, never taken for an empty volume.
    raw = bytearray(volume.path.read_bytes())
    fvek_entry = struct.pack("<4H", 80, 3, 5, 1)
    for offset in volume.metadata_offsets:
        at = raw.index(fvek_entry, offset, offset + 4096) + 8 + 12 + 16 + 12  # the key bytes
        raw[at] ^= 0xFF
    damaged = tmp_path / "damaged.img"
    damaged.write_bytes(raw)
    found = walked(damaged, keys(("password", PASSWORD)))
    assert not any(f.item.path.endswith(".JPG") for f in found)
    problems = [str(f.item.problem) for f in found if f.item.problem]
    assert any("neither a partition table nor a file system" in problem for problem in problems)


def test_a_volume_declaring_more_than_the_image_holds_is_not_examined(
    volume: BitLockerVolume, tmp_path: Path
) -> None:
    # The boot sector's sector count (BitLocker keeps that sector plain) made 50 times what the file holds.
    data = bytearray(volume.path.read_bytes())
    struct.pack_into("<I", data, 32, struct.unpack_from("<I", data, 32)[0] * 50)
    grown = tmp_path / "grown.img"
    grown.write_bytes(bytes(data))
    found = walked(grown, keys(("password", PASSWORD)))
    [fact] = [f.item for f in found if f.item.problem]
    assert fact.not_examined and f"more than the {len(data)} holding it" in str(fact.problem)
