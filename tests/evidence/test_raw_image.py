"""Raw and split raw disk images: recognised by their bytes, read whole, hashed, never changed."""

from __future__ import annotations

import hashlib
import io
import json
import random
from pathlib import Path

import pytest

from tests.evidence import images
from tests.evidence.images import DiskImage, file_item, photo_bytes, read_all, sha256
from tests.media import media
from warden.evidence.base import HEAD_BYTES, Item, JsonScalar, Limits, Step
from warden.evidence.raw_image import RawImageContainer, split_segments
from warden.evidence.walk import walk
from warden.hashing.digests import open_evidence
from warden.model.states import State


def head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(HEAD_BYTES)


def expand(container: RawImageContainer, item: Item) -> dict[str, images.Read]:
    with item.open() as stream:
        return read_all(container.expand(stream, item, Limits()))


@pytest.fixture(scope="module")
def disks() -> list[DiskImage]:
    return [
        images.fat16(),
        images.fat32(),
        images.fat_loop(),
        images.ext4(),
        images.ntfs(),
        images.exfat(),
        images.mbr_disk(),
        images.gpt_disk(),
    ]


def test_every_kind_of_disk_image_is_recognised(disks: list[DiskImage]) -> None:
    container = RawImageContainer()
    for disk in disks:
        assert container.sniff(head(disk.path), disk.path.stat().st_size), disk.path.name


def test_photos_and_random_bytes_are_never_taken_for_disk_images() -> None:
    container = RawImageContainer()
    for path in sorted(media("photos").iterdir()):
        assert not container.sniff(head(path), path.stat().st_size), path.name
    rng = random.Random(5)
    for _ in range(500):
        data = bytearray(rng.randbytes(4096))
        data[510:512] = b"\x55\xaa"
        assert not container.sniff(bytes(data), None)
    assert not container.sniff(bytes(HEAD_BYTES), HEAD_BYTES)


def test_a_boot_sector_alone_is_not_a_disk(disks: list[DiskImage]) -> None:
    container = RawImageContainer()
    ntfs, mbr = images.ntfs(), images.mbr_disk()
    # NTFS's $Boot file holds the volume's boot sector but not the volume; a saved MBR holds no partition.
    assert not container.sniff(head(ntfs.path)[:8192], 8192)
    assert not container.sniff(head(mbr.path)[:512], 512)
    # A FAT boot sector whose parameter block is not sane.
    fat = bytearray(head(images.fat16().path))
    fat[13] = 3  # sectors per cluster must be a power of two
    assert not container.sniff(bytes(fat), 8 << 20)


def test_a_raw_image_is_expanded_and_never_changed() -> None:
    disk = images.mbr_disk()
    before = sha256(disk.path)
    container = RawImageContainer()
    found = expand(container, file_item(disk.path))
    facts = container.describe(file_item(disk.path))
    assert sha256(disk.path) == before
    md5 = hashlib.md5(disk.path.read_bytes()).hexdigest()
    assert facts == {
        "format": "raw",
        "segments": 1,
        "size": disk.path.stat().st_size,
        "sha256": before,
        "md5": md5,
    }
    assert found["p1//DCIM/new.jpg"].data == photo_bytes("zucchini")


def test_numbered_segments_are_read_as_one_image() -> None:
    split, disk = images.split_raw(), images.mbr_disk()
    container = RawImageContainer()
    whole = expand(container, file_item(disk.path))
    parts = expand(container, file_item(split.path))
    assert list(parts) == list(whole)
    assert {path: read.data for path, read in parts.items()} == {
        path: read.data for path, read in whole.items()
    }
    facts = container.describe(file_item(split.path))
    assert facts["segments"] == 3
    assert facts["size"] == disk.path.stat().st_size
    assert facts["sha256"] == sha256(disk.path)
    assert facts["md5"] == hashlib.md5(disk.path.read_bytes()).hexdigest()
    segments = json.loads(str(facts["segment_sha256"]))
    assert [segment["name"] for segment in segments] == split.facts["numbered"]
    assert segments[1]["sha256"] == sha256(split.folder / "disk.002")


def test_lettered_segments_are_read_as_one_image() -> None:
    split = images.split_raw()
    first = split.folder / split.facts["lettered"][0]
    found = expand(RawImageContainer(), file_item(first))
    assert found["DCIM/new.jpg"].data == photo_bytes("zucchini")
    assert RawImageContainer().describe(file_item(first))["segments"] == 2


def test_segment_naming(tmp_path: Path) -> None:
    def make(*names: str, size: int = 4) -> None:
        for name in names:
            (tmp_path / name).write_bytes(b"x" * size)

    make("a.001", "a.002", "a.003", "a.005", "b.aa", "b.ab", "c.000", "c.001", "d.002", "d.003")
    make("e.001", "e.002", "e.003")
    (tmp_path / "e.002").write_bytes(b"short")  # not as long as the first: not a split image
    make("f.001")
    (tmp_path / "f.002").symlink_to(tmp_path / "a.002")

    def names(first: str) -> list[str]:
        return [path.name for path in split_segments(tmp_path / first)]

    assert names("a.001") == ["a.001", "a.002", "a.003"]
    assert names("b.aa") == ["b.aa", "b.ab"]
    assert names("c.000") == ["c.000", "c.001"]
    assert names("d.002") == ["d.002"]  # a later segment is read alone
    assert names("e.001") == ["e.001"]
    assert names("f.001") == ["f.001"]  # links are not followed
    assert names("a.jpg") == ["a.jpg"]


def test_an_image_inside_another_container_is_read_from_its_stream() -> None:
    data = images.fat16().path.read_bytes()
    item = Item((Step("member", "usb.img"),), size=len(data), opener=lambda: io.BytesIO(data))
    found = read_all(RawImageContainer().expand(io.BytesIO(data), item, Limits()))
    assert found["DCIM/new.jpg"].data == photo_bytes("zucchini")
    assert RawImageContainer().describe(item)["sha256"] == hashlib.sha256(data).hexdigest()


def test_the_walk_finds_every_copy_in_an_image_and_records_its_hash() -> None:
    disk = images.mbr_disk()
    described: dict[str, dict[str, JsonScalar]] = {}
    found = list(
        walk(
            [file_item(disk.path)],
            Limits(),
            describe=lambda item, facts: described.update({item.path: facts}),
            containers=[RawImageContainer()],
        )
    )
    assert described["mbr.img"]["sha256"] == sha256(disk.path)
    assert found[0].container == "raw-image"
    states = {f.item.path: f.item.state for f in found}
    assert states["mbr.img//p1//_ONE.JPG"] is State.DELETED
    assert states["mbr.img//p2//photos/tench.jpg"] is State.LIVE
    gap = disk.facts["unpartitioned"]["offset"]
    assert states[f"mbr.img//unpartitioned@{gap:#x}.jpeg"] is State.CARVED


def test_a_raw_image_opens_read_only() -> None:
    disk = images.fat16()
    with open_evidence(disk.path) as stream:
        items = RawImageContainer().expand(stream, file_item(disk.path), Limits())
        next(items)
        assert not stream.writable()
        items.close()
