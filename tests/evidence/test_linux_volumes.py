"""Issue 14: XFS file systems and LVM2 physical volumes, built here from benign photos.

An XFS image (``mkfs.xfs -p``) and an LVM2 physical volume (its label and metadata written from the on-disk
format around FAT and XFS volumes) give each photo with its MD5, as evidence, in a partition of a disk, and
(XFS) inside a logical volume; a damaged header of each is "not examined" with the reason, never a crash.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.evidence import images, volumes
from tests.evidence.images import file_item, photo_bytes
from warden.evidence.base import Limits
from warden.evidence.containers import register_built_in
from warden.evidence.walk import Found, walk

for _module in ("pyfsxfs", "pyvslvm"):
    pytest.importorskip(_module, reason="XFS and LVM2 need pip install 'warden[forensics]'")

XFS_PHOTOS = {"photos/lynx.jpg": "lynx", "photos/2021/shark.jpg": "shark", "tench.jpg": "tench"}
FAT_PHOTOS = {"GOLDFISH.JPG": "goldfish", "DANE.JPG": "dane"}


def photos(names: dict[str, str]) -> dict[str, bytes]:
    return {path: photo_bytes(name) for path, name in names.items()}


def md5s(names: dict[str, str]) -> dict[str, str]:
    return {path: hashlib.md5(photo_bytes(name)).hexdigest() for path, name in names.items()}


def found_in(path: Path) -> list[tuple[Found, bytes | None]]:
    register_built_in()
    out = []
    for found in walk([file_item(path)], Limits()):
        data = None
        if found.item.readable:
            with found.item.open() as stream:
                data = stream.read()
        out.append((found, data))
    return out


def files(found: list[tuple[Found, bytes | None]], below: str) -> dict[str, str]:
    """The MD5 of each readable item directly below ``below`` (a path ending in ``//``), by its path."""
    return {
        f.item.path.removeprefix(below): hashlib.md5(data).hexdigest()
        for f, data in found
        if data is not None and f.item.path.startswith(below) and "//" not in f.item.path.removeprefix(below)
    }


def not_examined(found: list[tuple[Found, bytes | None]]) -> list[Found]:
    return [f for f, _ in found if f.item.not_examined]


@pytest.fixture(scope="module")
def xfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return volumes.xfs_image(tmp_path_factory.mktemp("xfs") / "server.xfs", photos(XFS_PHOTOS))


@pytest.fixture(scope="module")
def fat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return volumes.fat_volume(tmp_path_factory.mktemp("fat") / "fat.img", photos(FAT_PHOTOS))


@pytest.fixture(scope="module")
def pv(xfs: Path, fat: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lvm") / "pv.img"
    path.write_bytes(volumes.physical_volume({"camera": fat.read_bytes(), "home": xfs.read_bytes()}))
    return path


def test_an_xfs_file_system_gives_every_photo(xfs: Path) -> None:
    found = found_in(xfs)
    assert found[0][0].container == "xfs"
    assert files(found, "server.xfs//") == md5s(XFS_PHOTOS)
    [lynx] = [f for f, _ in found if f.item.path == "server.xfs//photos/lynx.jpg"]
    assert lynx.item.steps[-1].detail["file_system"] == "xfs"
    assert isinstance(lynx.item.steps[-1].detail["inode"], int)
    assert lynx.item.mtime is not None
    assert not not_examined(found)


def test_an_xfs_partition_of_a_gpt_disk_is_walked(xfs: Path, tmp_path: Path) -> None:
    disk = volumes.gpt_disk(tmp_path / "disk.img", xfs.read_bytes(), "8300", "data")
    found = found_in(disk)
    assert files(found, "disk.img//p1//") == md5s(XFS_PHOTOS)
    assert not not_examined(found)


def test_each_logical_volume_is_walked_under_its_name(pv: Path) -> None:
    found = found_in(pv)
    assert found[0][0].container == "lvm2"
    assert files(found, "pv.img//camera//") == md5s(FAT_PHOTOS)
    assert files(found, "pv.img//home//") == md5s(XFS_PHOTOS)
    [dane] = [f for f, _ in found if f.item.path == "pv.img//camera//DANE.JPG"]
    step = dane.item.steps[1]
    assert (step.kind, step.detail["volume_group"]) == ("logical-volume", "evidence")
    assert not not_examined(found)


def test_an_lvm_partition_of_an_mbr_disk_is_walked(pv: Path, tmp_path: Path) -> None:
    data = pv.read_bytes()
    disk = tmp_path / "disk.img"
    sectors = len(data) // 512
    with disk.open("wb") as handle:
        handle.truncate((2048 + sectors + 2048) * 512)
    images.run("sfdisk", "-q", disk, stdin=f"label: dos\nstart=2048, size={sectors}, type=8e\n")
    with disk.open("r+b") as handle:
        handle.seek(2048 * 512)
        handle.write(data)
    found = found_in(disk)
    assert files(found, "disk.img//p1//camera//") == md5s(FAT_PHOTOS)
    assert files(found, "disk.img//p1//home//") == md5s(XFS_PHOTOS)


def test_a_damaged_xfs_superblock_is_not_examined_with_the_reason(xfs: Path, tmp_path: Path) -> None:
    data = bytearray(xfs.read_bytes())
    data[4:512] = b"\xff" * 508  # the signature stays; block size, counts and root inode do not
    damaged = tmp_path / "damaged.xfs"
    damaged.write_bytes(bytes(data))
    found = found_in(damaged)
    assert found[0][0].container == "xfs"
    [fact] = not_examined(found)
    assert fact.item.path == "damaged.xfs//(unreadable)"
    assert "cannot be read as xfs: XFS file system superblock is damaged" in str(fact.item.problem)


def test_damaged_lvm_metadata_is_not_examined_with_the_reason(pv: Path, tmp_path: Path) -> None:
    data = bytearray(pv.read_bytes())
    data[4096 + 512 : 4096 + 1024] = b"\xff" * 512  # the metadata text, under its checksum
    damaged = tmp_path / "damaged.img"
    damaged.write_bytes(bytes(data))
    found = found_in(damaged)
    assert found[0][0].container == "lvm2"
    [fact] = not_examined(found)
    assert "cannot be read as lvm2: LVM2 physical volume label or metadata is damaged" in str(
        fact.item.problem
    )


def test_a_volume_group_on_several_physical_volumes_is_not_examined(fat: Path, tmp_path: Path) -> None:
    data = volumes.physical_volume({"camera": fat.read_bytes()})
    second = b'pv1 {\nid = "BBBBBB-BBBB-BBBB-BBBB-BBBB-BBBB-BBBBBB"\ndevice = "/dev/sdc"\n'
    second += b'status = ["ALLOCATABLE"]\nflags = []\ndev_size = 4096\npe_start = 2048\npe_count = 1\n}\n'
    text_at = 4096 + 512
    end = data.index(b"\0", text_at)
    text = data[text_at:end].replace(b"\n}\n}\nlogical_volumes", b"\n}\n" + second + b"}\nlogical_volumes")
    rebuilt = bytearray(data)
    rebuilt[text_at : text_at + len(text) + 1] = text + b"\0"
    header = bytearray(rebuilt[4096 : 4096 + 512])
    header[40 + 8 : 40 + 16] = (len(text) + 1).to_bytes(8, "little")
    header[40 + 16 : 40 + 20] = volumes.lvm_crc(text + b"\0").to_bytes(4, "little")
    header[0:4] = volumes.lvm_crc(bytes(header[4:])).to_bytes(4, "little")
    rebuilt[4096 : 4096 + 512] = header
    path = tmp_path / "half.img"
    path.write_bytes(bytes(rebuilt))
    [fact] = not_examined(found_in(path))
    assert "spans 2 physical volumes" in str(fact.item.problem)
