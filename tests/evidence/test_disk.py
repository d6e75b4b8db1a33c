"""Partitions and file systems in disk images: every photo found where it is, deleted and carved marked."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.evidence import images
from tests.evidence.images import MTIME, DiskImage, Read, file_item, photo_bytes, read_all
from warden.clock import from_timestamp
from warden.evidence.base import Item, Limits, Step
from warden.evidence.disk import disk_items, mbr_partitions
from warden.model.states import State

STAMP = from_timestamp(MTIME)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """FAT keeps local wall-clock time, which The Sleuth Kit reads in the process's time zone: the images
    were written in UTC, so read them in UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def scan(path: Path, limits: Limits | None = None, *, carve: bool = True) -> dict[str, Read]:
    """Everything in the image at ``path``, read as the walk reads it."""
    with path.open("rb") as image:

        def read(offset: int, length: int) -> bytes:
            image.seek(offset)
            return image.read(length)

        size = path.stat().st_size
        return read_all(disk_items(read, size, file_item(path), limits or Limits(), carve_unallocated=carve))


def photos(found: dict[str, Read]) -> dict[str, bytes]:
    """The readable items' bytes by path."""
    return {path: read.data for path, read in found.items() if read.data is not None}


@pytest.fixture(scope="module")
def fat16() -> DiskImage:
    return images.fat16()


@pytest.fixture(scope="module")
def fat16_found(fat16: DiskImage) -> dict[str, Read]:
    return scan(fat16.path)


def test_every_live_photo_is_found_at_its_path_with_its_times(
    fat16: DiskImage, fat16_found: dict[str, Read]
) -> None:
    for path, name in fat16.facts["live"].items():
        read = fat16_found[path]
        assert read.data == photo_bytes(name), path
        assert read.item.state is State.LIVE
        assert read.item.mtime == STAMP
        assert read.item.crtime == STAMP
        assert read.item.steps[-1].kind == "file"
        assert read.item.steps[-1].detail["file_system"] == "fat16"
        assert isinstance(read.item.steps[-1].detail["inode"], int)


def test_a_deleted_photo_is_marked_deleted_and_reads_back_byte_for_byte(
    fat16: DiskImage, fat16_found: dict[str, Read]
) -> None:
    for path, name in fat16.facts["deleted"].items():
        read = fat16_found[path]
        assert read.item.state is State.DELETED
        assert read.data == photo_bytes(name)
        assert read.item.mtime == STAMP


def test_a_deleted_file_whose_clusters_were_reused_is_recorded_not_read(
    fat16: DiskImage, fat16_found: dict[str, Read]
) -> None:
    read = fat16_found[fat16.facts["overwritten"]]
    assert read.item.state is State.DELETED
    assert read.data is None
    assert "now belong to other files" in (read.item.problem or "")


def test_a_photo_in_free_space_is_carved_at_its_exact_offset(
    fat16: DiskImage, fat16_found: dict[str, Read]
) -> None:
    offset = fat16.facts["embedded"]["offset"]
    read = fat16_found[f"unallocated@{offset:#x}.jpeg"]
    assert read.item.state is State.CARVED
    assert read.data == photo_bytes("dane")
    assert read.item.steps[-1].detail == {
        "offset": offset,
        "length": len(read.data),
        "area": "unallocated",
        "format": "jpeg",
    }
    # The deleted photo is read through its entry, so its clusters are not carved again (one copy, counted
    # once); live files' clusters are never carved either.
    carved = {read.data for read in fat16_found.values() if read.item.state is State.CARVED}
    assert photo_bytes("pinscher") not in carved
    assert not carved & {photo_bytes(name) for name in fat16.facts["live"].values()}


def test_carving_can_be_turned_off(fat16: DiskImage) -> None:
    found = scan(fat16.path, carve=False)
    assert not [read for read in found.values() if read.item.state is State.CARVED]
    assert fat16.facts["overwritten"] in found


def test_items_come_in_the_same_order_every_run(fat16: DiskImage, fat16_found: dict[str, Read]) -> None:
    assert list(scan(fat16.path)) == list(fat16_found)
    files = [path for path, read in fat16_found.items() if read.item.steps[-1].kind == "file"]
    assert files == sorted(files, key=lambda path: path.split("/"))


def test_the_member_limit_sums_up_the_rest_in_one_item(fat16: DiskImage) -> None:
    found = scan(fat16.path, Limits(members=2), carve=False)
    assert len(found) == 3
    assert "4 more files not listed" in (found["(more)"].item.problem or "")


def test_a_file_over_the_size_limit_is_recorded_not_read(fat16: DiskImage) -> None:
    found = scan(fat16.path, Limits(member_bytes=50_000), carve=False)
    big = found["DCIM/100CANON/IMG_0001.JPG"]
    assert big.data is None
    assert "over the member size limit" in (big.item.problem or "")
    assert found["DCIM/100CANON/IMG_0002.JPG"].data == photo_bytes("goldfish")


def test_fat32_and_fat12_are_read() -> None:
    for image in (images.fat32(), images.fat_loop()):
        found = photos(scan(image.path))
        for path, name in image.facts["live"].items():
            assert found[path] == photo_bytes(name)


def test_a_folder_that_contains_itself_is_a_problem_item_not_a_hang() -> None:
    image = images.fat_loop()
    found = scan(image.path)
    loops = [read for read in found.values() if "folder loop" in (read.item.problem or "")]
    assert [read.item.path.split("//")[1] for read in loops] == ["A/B/B"]
    assert len(found) < 10


def test_ext4_live_deleted_orphaned_and_linked_files() -> None:
    image = images.ext4()
    found = scan(image.path)
    for path, name in image.facts["live"].items():
        assert found[path].data == photo_bytes(name)
        assert found[path].item.mtime == STAMP
        assert found[path].item.steps[-1].detail["file_system"] == "ext4"
    for path, name in image.facts["deleted"].items():
        assert found[path].item.state is State.DELETED
        assert found[path].data == photo_bytes(name)
    # A deleted file no name points to any more: found all the same, named by its inode.
    orphans = {path: read for path, read in found.items() if path.startswith("$OrphanFiles/")}
    assert len(orphans) == 1
    ((path, orphan),) = orphans.items()
    assert path == f"$OrphanFiles/OrphanFile-{orphan.item.steps[-1].detail['inode']}"
    assert orphan.item.state is State.DELETED
    assert orphan.data == photo_bytes(image.facts["orphan"])
    link = found[image.facts["link"]]
    assert link.data is None
    assert link.item.problem == "symbolic link to 'photos/tench.jpg', not followed"


@pytest.mark.parametrize("kind", ["ext2", "ext3"])
def test_older_ext_file_systems_are_read(kind: str, tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "a.jpg").write_bytes(photo_bytes("tench"))
    image = tmp_path / f"{kind}.img"
    images.run("mke2fs", "-q", "-F", "-t", kind, "-d", source, image, "2M")
    found = scan(image)
    assert found["a.jpg"].data == photo_bytes("tench")
    assert found["a.jpg"].item.steps[-1].detail["file_system"] == kind


def test_a_deleted_file_whose_extents_were_cleared_is_not_recoverable_but_carved(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "a.jpg").write_bytes(photo_bytes("tench"))
    image = tmp_path / "ext4.img"
    images.run("mke2fs", "-q", "-F", "-t", "ext4", "-d", source, image, "2M")
    # As the ext4 driver deletes: inode and blocks freed, the extent tree in the inode wiped, name unlinked.
    wipe = "".join(f"sif /a.jpg block[{index}] 0\n" for index in range(3))
    script = f"kill_file /a.jpg\n{wipe}unlink /a.jpg\n"
    images.run("debugfs", "-w", "-f", "-", image, stdin=script)
    found = scan(image)
    assert found["a.jpg"].item.state is State.DELETED
    assert "not recoverable" in (found["a.jpg"].item.problem or "")
    assert photo_bytes("tench") in [read.data for read in found.values() if read.item.state is State.CARVED]


def test_ntfs_streams_deleted_files_and_system_files() -> None:
    image = images.ntfs()
    found = scan(image.path)
    for path, name in image.facts["live"].items():
        assert found[path].data == photo_bytes(name), path
    stream = found["goldfish.jpg:hidden"].item.steps[-1].detail
    assert stream["stream"] == "hidden"
    assert stream["inode"] == found["goldfish.jpg"].item.steps[-1].detail["inode"]
    assert found["tench.jpg"].item.mtime == STAMP
    for path, name in image.facts["deleted"].items():
        assert found[path].item.state is State.DELETED
        assert found[path].data == photo_bytes(name)
    # NTFS's metadata files are files; its own streams ($BadClus:$Bad, as big as the volume) are not listed.
    assert found["$MFT"].item.state is State.LIVE
    assert not [path for path in found if ":$" in path]
    assert not [path for path in found if path.startswith("$OrphanFiles/")]


def test_exfat_is_read_and_its_free_space_carved() -> None:
    image = images.exfat()
    found = scan(image.path)
    offset = image.facts["embedded"]["offset"]
    assert found[f"unallocated@{offset:#x}.jpeg"].data == photo_bytes("dane")
    files = [read.item for read in found.values() if read.item.steps[-1].kind == "file"]
    assert {item.steps[-1].detail["file_system"] for item in files} == {"exfat"}


def test_mbr_partitions_are_described_and_the_gap_between_them_carved() -> None:
    image = images.mbr_disk()
    found = scan(image.path)
    for partition in image.facts["partitions"]:
        name, facts = partition["name"], partition["facts"]
        for path, photo in facts["live"].items():
            read = found[f"{name}//{path}"]
            assert read.data == photo_bytes(photo)
            step = read.item.steps[1]
            assert step.kind == "partition"
            assert step.name == name
            assert step.detail["start"] == partition["start"]
            assert step.detail["length"] == partition["length"]
            assert step.detail["scheme"] == "mbr"
    assert found["p1//DCIM/new.jpg"].item.steps[1].detail["description"] == "DOS FAT16 (0x06)"
    assert found["p2//photos/tench.jpg"].item.steps[1].detail["description"] == "Linux (0x83)"
    gap = image.facts["unpartitioned"]["offset"]
    read = found[f"unpartitioned@{gap:#x}.jpeg"]
    assert read.data == photo_bytes("volcano")
    assert [step.kind for step in read.item.steps] == ["file", "carved"]
    assert read.item.steps[-1].detail["area"] == "unpartitioned"
    # Carved offsets are in the image, not in the partition.
    embedded = (
        image.facts["partitions"][0]["start"] + image.facts["partitions"][0]["facts"]["embedded"]["offset"]
    )
    assert found[f"p1//unallocated@{embedded:#x}.jpeg"].data == photo_bytes("dane")


def test_gpt_partitions_carry_their_names() -> None:
    image = images.gpt_disk()
    found = scan(image.path)
    assert found["p1//DCIM/new.jpg"].item.steps[1].detail["description"] == "camera"
    assert found["p1//DCIM/new.jpg"].item.steps[1].detail["scheme"] == "gpt"
    assert found["p2//goldfish.jpg:hidden"].data == photo_bytes("shark")
    assert found["p2//goldfish.jpg:hidden"].item.steps[1].detail["description"] == "windows"


def test_a_corrupt_partition_table_falls_back_to_the_mbr_entries_and_carves_the_rest(tmp_path: Path) -> None:
    image = images.mbr_disk()
    broken = tmp_path / "broken.img"
    data = bytearray(image.path.read_bytes())
    data[446 + 8 : 446 + 12] = (10**8).to_bytes(4, "little")  # p1 now starts far beyond the end
    broken.write_bytes(bytes(data))
    found = scan(broken)
    assert "partition table unreadable" in (found["table"].item.problem or "")
    assert "beyond the end of the image" in (found["p1"].item.problem or "")
    for path, name in image.facts["partitions"][1]["facts"]["live"].items():
        assert found[f"p2//{path}"].data == photo_bytes(name)
    # p1's FAT is no longer a partition: its photos are carved from unpartitioned space.
    carved = {read.data for path, read in found.items() if path.startswith("unpartitioned@")}
    for name in image.facts["partitions"][0]["facts"]["live"].values():
        assert photo_bytes(name) in carved


def test_bytes_with_no_partition_table_or_file_system_are_carved_whole() -> None:
    rng = random.Random(7)
    blob = bytearray(rng.randbytes(1 << 20))
    blob[300_001 : 300_001 + len(photo_bytes("lynx"))] = photo_bytes("lynx")

    def read(offset: int, length: int) -> bytes:
        return bytes(blob[offset : offset + length])

    found = read_all(disk_items(read, len(blob), Item((Step("file", "blob"),)), Limits()))
    assert "neither a partition table nor a file system" in (found["table"].item.problem or "")
    assert found["unpartitioned@0x493e1.jpeg"].data == photo_bytes("lynx")


def test_a_partition_without_a_readable_file_system_is_carved_whole(tmp_path: Path) -> None:
    disk = tmp_path / "disk.img"
    with disk.open("wb") as handle:
        handle.truncate(4 << 20)
    images.run("sfdisk", "-q", disk, stdin="label: dos\nstart=2048, size=4096, type=83\n")
    with disk.open("r+b") as handle:
        handle.seek(2048 * 512 + 1234)
        handle.write(photo_bytes("yorkie"))
    found = scan(disk)
    assert "no file system The Sleuth Kit reads" in (found["p1"].item.problem or "")
    assert found[f"p1//unallocated@{2048 * 512 + 1234:#x}.jpeg"].data == photo_bytes("yorkie")


def test_items_of_a_deleted_container_are_deleted(fat16: DiskImage) -> None:
    container = Item(file_item(fat16.path).steps, state=State.DELETED, fs_path=str(fat16.path))
    with fat16.path.open("rb") as image:

        def read(offset: int, length: int) -> bytes:
            image.seek(offset)
            return image.read(length)

        states = {item.state for item in disk_items(read, os.path.getsize(fat16.path), container, Limits())}
    assert State.LIVE not in states


def test_mbr_sanity_rejects_random_sectors_and_boot_sectors(fat16: DiskImage) -> None:
    rng = random.Random(11)
    for _ in range(2000):
        sector = bytearray(rng.randbytes(512))
        sector[510:512] = b"\x55\xaa"
        assert mbr_partitions(bytes(sector)) is None
    assert mbr_partitions(fat16.path.read_bytes()[:512]) is None
    disk = images.mbr_disk()
    entries = mbr_partitions(disk.path.read_bytes()[:512])
    expected = [(p["start"] // 512, p["length"] // 512) for p in disk.facts["partitions"]]
    assert entries is not None
    assert [(start, count) for _, _, start, count in entries] == expected
    assert [kind for _, kind, _, _ in entries] == [0x06, 0x83]


def test_an_image_left_in_file_slack_is_carved_from_there(tmp_path: Path) -> None:
    import io

    import pytsk3
    from PIL import Image

    volume = tmp_path / "slack.img"
    images.run("mkfs.fat", "-C", "-F", "12", "-s", "32", volume, "8192")  # 16 KiB clusters
    note = tmp_path / "note.txt"
    note.write_bytes(b"shopping: bread, milk\n" * 5)
    images.run("mcopy", "-i", volume, note, "::/NOTE.TXT")
    fs = pytsk3.FS_Info(pytsk3.Img_Info(str(volume)))
    first_cluster = next(iter(next(iter(fs.open("/NOTE.TXT"))))).addr
    small = io.BytesIO()
    with Image.open(images.photo("tench")) as opened:
        opened.convert("RGB").resize((120, 90)).save(small, "JPEG", quality=80)
    hidden = small.getvalue()
    assert len(hidden) < 30_000
    offset = first_cluster * fs.info.block_size + 1000  # past the note's 110 bytes, inside its cluster
    with volume.open("r+b") as handle:
        handle.seek(offset)
        handle.write(hidden)
    found = scan(volume)
    slack = {path: read for path, read in found.items() if read.item.steps[-1].detail.get("area") == "slack"}
    assert [read.data for read in slack.values()] == [hidden]
    (read,) = slack.values()
    assert read.item.state is State.CARVED
    assert read.item.steps[-1].detail["offset"] == offset
    assert found["NOTE.TXT"].data == note.read_bytes()
