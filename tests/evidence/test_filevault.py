"""Issue 14 point 2: a FileVault 2 (Core Storage) volume built here (tests/evidence/filevault_volume.py) is
unlocked with the password from a key file and gives every file of the FAT16 image it holds, with the same
MD5s; without a working password its logical volume is "not examined: encrypted"; a damaged volume is "not
examined", never a crash."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from tests.evidence import images
from tests.evidence.filevault_volume import LEAD, PASSWORD, RECOVERY_KEY, FileVaultVolume, filevault_volume
from tests.evidence.images import file_item, read_all
from warden.evidence.base import Item, Limits, Step
from warden.evidence.containers import register_built_in
from warden.evidence.disk import disk_items
from warden.evidence.filevault import FileVaultContainer
from warden.evidence.keys import Keys, Secret, load_keys
from warden.evidence.walk import Found, walk

pyfvde = pytest.importorskip("pyfvde", reason="pip install 'warden[vdisk]'")

LABEL = "encrypted (Core Storage volume (FileVault 2))"


@pytest.fixture(scope="module")
def filevault(tmp_path_factory: pytest.TempPathFactory) -> FileVaultVolume:
    register_built_in()
    return filevault_volume(tmp_path_factory.mktemp("filevault"))


def md5s(found: dict[str, images.Read]) -> dict[str, str | None]:
    return {
        path: None if read.data is None else hashlib.md5(read.data).hexdigest()
        for path, read in found.items()
    }


def plain_md5s(data: bytes) -> dict[str, str | None]:
    """What a disk or volume gives when walked as it is, unencrypted."""
    item = Item((Step("file", "plain.img"),), size=len(data))
    return md5s(
        read_all(disk_items(lambda offset, length: data[offset : offset + length], len(data), item, Limits()))
    )


def walked(path: Path, given: Keys) -> list[Found]:
    return list(walk([file_item(path)], Limits(keys=given)))


def passwords(*values: str) -> Keys:
    return Keys(tuple(Secret("password", v, f"keys.txt line {n}") for n, v in enumerate(values, 1)))


def test_libfvde_unlocks_the_built_volume_with_its_password_and_reads_back_the_fat_image(
    filevault: FileVaultVolume,
) -> None:
    # The generator's oracle: libfvde itself, without Warden.
    volume = pyfvde.volume()
    with filevault.path.open("rb") as stream:
        volume.open_file_object(stream)
        volume.open_physical_volume_files_as_file_objects([stream])
        group = volume.get_volume_group()
        assert group.get_number_of_logical_volumes() == 1
        logical = group.get_logical_volume(0)
        assert logical.is_locked()
        logical.set_password(PASSWORD)
        assert logical.unlock() and not logical.is_locked()
        data = logical.read_buffer_at_offset(logical.get_size(), 0)
        volume.close()
    assert data == filevault.logical_volume
    assert data[LEAD:] == filevault.plain.path.read_bytes()


def test_with_the_password_in_a_key_file_the_volume_gives_every_file_with_its_md5(
    filevault: FileVaultVolume, tmp_path: Path
) -> None:
    key_file = tmp_path / "keys.txt"
    key_file.write_text(f"# exhibit 7\npassword: not this one\npassword: {PASSWORD}\n")
    with filevault.path.open("rb") as stream:
        found = read_all(
            FileVaultContainer().expand(stream, file_item(filevault.path), Limits(keys=load_keys(key_file)))
        )
    inside = {path.removeprefix("lv1//"): read for path, read in found.items()}
    # The same files, at the same paths, as the decrypted logical volume walked plain; and the same MD5s as
    # the FAT16 image it holds (a carved photo is named by its offset in the logical volume, not the image).
    assert md5s(inside) == plain_md5s(filevault.logical_volume)
    fat = plain_md5s(filevault.plain.path.read_bytes())
    assert sorted(map(str, md5s(inside).values())) == sorted(map(str, fat.values()))
    assert {f"p1//{path}" for path in fat if "@" not in path} <= set(inside)
    tench = inside["p1//DCIM/100CANON/IMG_0001.JPG"]
    assert hashlib.md5(tench.data or b"").hexdigest() == hashlib.md5(images.photo_bytes("tench")).hexdigest()
    # The logical volume's step names it and the key-file line that opened it; the password is nowhere.
    assert tench.item.steps[1].detail == {
        "name": "Untitled",
        "identifier": "3b7e5f4c-2d60-4e8f-a091-b2c3d4e5f607",
        "unlocked_with": "keys.txt line 3",
    }
    assert PASSWORD not in repr(tench.item)


def test_the_recovery_key_opens_it_too(filevault: FileVaultVolume) -> None:
    given = Keys(
        (
            Secret("password", "not it", "keys.txt line 1"),
            Secret("recovery-key", RECOVERY_KEY, "keys.txt line 2"),
        )
    )
    found = {f.item.path: f.item for f in walked(filevault.path, given)}
    photo = found["filevault.img//lv1//p1//Pictures/holiday at sea.jpg"]
    assert photo.steps[1].detail["unlocked_with"] == "keys.txt line 2"
    assert not any(item.not_examined for item in found.values())


def test_a_core_storage_partition_of_a_disk_image_is_opened_with_its_key_and_named_without(
    filevault: FileVaultVolume, tmp_path: Path
) -> None:
    # A disk image whose first partition is the Core Storage volume: The Sleuth Kit finds no file system
    # there, and the volume's own reader (warden.evidence.volumes) opens it with the scan's keys.
    disk = tmp_path / "disk.img"
    volume = filevault.path.read_bytes()
    sectors = len(volume) // 512
    with disk.open("wb") as handle:
        handle.truncate((2048 + sectors + 2048) * 512)
        handle.seek(2048 * 512)
        handle.write(volume)
    images.run("sfdisk", "-q", disk, stdin=f"label: dos\nstart=2048, size={sectors}, type=af\n")
    found = {f.item.path: f.item for f in walked(disk, passwords(PASSWORD))}
    tench = found["disk.img//p1//lv1//p1//DCIM/100CANON/IMG_0001.JPG"]
    assert tench.steps[2].detail["unlocked_with"] == "keys.txt line 1"
    [locked] = [f.item for f in walked(disk, Keys()) if f.item.path.startswith("disk.img//p1//")]
    assert locked.not_examined and f"{LABEL}: no key given" in str(locked.problem)


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        (Keys(), f"{LABEL}: no key given (warden scan --key-file)"),
        (passwords("not it"), f"{LABEL}: the one key given does not open it"),
        (passwords("not it", PASSWORD.upper()), f"{LABEL}: none of the 2 keys given opens it"),
        (
            Keys((Secret("key", "00" * 16, "k line 1"),)),
            "no key given (warden scan --key-file) (1 given, none a password or recovery-key)",
        ),
    ],
)
def test_without_a_working_password_the_logical_volume_is_not_examined(
    given: Keys, reason: str, filevault: FileVaultVolume
) -> None:
    found = walked(filevault.path, given)
    assert [f.container for f in found] == ["corestorage", None]
    fact = found[1].item
    assert fact.not_examined and fact.path == "filevault.img//lv1"
    assert reason in str(fact.problem)


@pytest.mark.parametrize(
    ("offset", "reason"),
    [
        (200, "Core Storage volume (FileVault 2) header is damaged: mismatch in checksum"),
        (4096 + 300, "header is damaged: mismatch in checksum"),  # the plain metadata
        (3 * 4096 + 8192 + 100, "metadata is damaged: mismatch in checksum"),  # an encrypted metadata block
        (None, "more than the 73728 holding it (a damaged header or a cut-off image)"),  # cut in the LV
    ],
)
def test_a_damaged_volume_is_not_examined_never_a_crash(
    offset: int | None, reason: str, filevault: FileVaultVolume, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.img"
    shutil.copy(filevault.path, damaged)
    with damaged.open("r+b") as handle:
        if offset is None:
            handle.truncate(16 * 4096 + 8192)
        else:
            handle.seek(offset)
            byte = handle.read(1)[0]
            handle.seek(offset)
            handle.write(bytes([byte ^ 0xFF]))
    found = walked(damaged, passwords(PASSWORD))
    assert found[0].container == "corestorage"
    [fact] = [f.item for f in found if f.item.path == "damaged.img//(unreadable)"]
    assert fact.not_examined and reason in str(fact.problem)
