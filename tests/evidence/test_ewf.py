"""E01 images: read like the disk they hold, their stored MD5 checked, damage reported clearly."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from tests.evidence import images
from tests.evidence.images import DiskImage, file_item, photo_bytes, read_all, sha256
from warden.evidence.base import HEAD_BYTES, ContainerError, Item, Limits, Step
from warden.evidence.ewf import EwfContainer
from warden.evidence.raw_image import RawImageContainer


@pytest.fixture(scope="module")
def e01() -> DiskImage:
    return images.e01()


def expand(item: Item) -> dict[str, images.Read]:
    with item.open() as stream:
        return read_all(EwfContainer().expand(stream, item, Limits()))


def segments(e01: DiskImage) -> list[Path]:
    return [e01.folder / name for name in e01.facts["segmented"]]


def test_only_the_first_segment_of_an_e01_is_recognised(e01: DiskImage) -> None:
    container = EwfContainer()
    first, second = segments(e01)[:2]
    assert container.sniff(first.read_bytes()[:HEAD_BYTES], first.stat().st_size)
    assert container.sniff(e01.path.read_bytes()[:HEAD_BYTES], e01.path.stat().st_size)
    assert not container.sniff(second.read_bytes()[:HEAD_BYTES], second.stat().st_size)
    assert not container.sniff(images.mbr_disk().path.read_bytes()[:HEAD_BYTES], None)
    assert not RawImageContainer().sniff(e01.path.read_bytes()[:HEAD_BYTES], e01.path.stat().st_size)


def test_an_e01_gives_the_same_items_as_the_raw_disk(e01: DiskImage) -> None:
    disk = images.mbr_disk()
    with disk.path.open("rb") as stream:
        raw = read_all(RawImageContainer().expand(stream, file_item(disk.path), Limits()))
    found = expand(file_item(e01.path))
    assert list(found) == list(raw)
    assert {path: read.data for path, read in found.items()} == {
        path: read.data for path, read in raw.items()
    }
    assert found["p1//_ONE.JPG"].data == photo_bytes("pinscher")


def test_the_stored_md5_is_verified_and_the_image_left_unchanged(e01: DiskImage) -> None:
    before = sha256(e01.path)
    facts = EwfContainer().describe(file_item(e01.path))
    assert sha256(e01.path) == before
    assert facts["format"] == "e01"
    assert facts["segments"] == 1
    assert facts["sha256"] == before
    assert facts["media_size"] == images.mbr_disk().path.stat().st_size
    assert facts["media_sha256"] == sha256(images.mbr_disk().path)
    assert facts["stored_md5"] == facts["computed_md5"] == e01.facts["md5"]
    assert facts["md5_verified"] is True
    assert json.loads(str(facts["header"]))["case_number"] == "case-42"


def test_every_segment_is_read_and_hashed(e01: DiskImage) -> None:
    first = segments(e01)[0]
    found = expand(file_item(first))
    assert found["DCIM/new.jpg"].data == photo_bytes("zucchini")
    facts = EwfContainer().describe(file_item(first))
    assert facts["segments"] == len(e01.facts["segmented"]) > 1
    listed = json.loads(str(facts["segment_sha256"]))
    assert [segment["name"] for segment in listed] == e01.facts["segmented"]
    assert listed[-1]["sha256"] == sha256(segments(e01)[-1])
    assert facts["md5_verified"] is True
    assert facts["computed_md5"] == e01.facts["segmented_md5"]


def test_a_changed_byte_of_media_fails_the_md5_check(e01: DiskImage, tmp_path: Path) -> None:
    copies = [Path(shutil.copy(segment, tmp_path)) for segment in segments(e01)]
    data = bytearray(copies[0].read_bytes())
    # The segments are uncompressed: this is a byte of the photos' clusters. (libewf gives a chunk that
    # fails its checksum as zeros, so a flipped byte among zeros would go unseen.)
    data[200_000] ^= 0xFF
    copies[0].write_bytes(bytes(data))
    facts = EwfContainer().describe(file_item(copies[0]))
    assert facts["md5_verified"] is False
    assert facts["stored_md5"] == e01.facts["segmented_md5"] != facts["computed_md5"]


def test_a_truncated_e01_is_a_clear_error(e01: DiskImage, tmp_path: Path) -> None:
    truncated = tmp_path / "cut.E01"
    truncated.write_bytes(e01.path.read_bytes()[: e01.path.stat().st_size // 2])
    with pytest.raises(ContainerError, match="E01 is truncated or corrupt"):
        expand(file_item(truncated))
    with pytest.raises(ContainerError, match="E01 is truncated or corrupt"):
        EwfContainer().describe(file_item(truncated))


def test_a_missing_segment_is_a_clear_error(e01: DiskImage, tmp_path: Path) -> None:
    copies = [Path(shutil.copy(segment, tmp_path)) for segment in segments(e01)]
    copies[-1].unlink()
    with pytest.raises(ContainerError, match="segment of its set is missing"):
        expand(file_item(copies[0]))


def test_an_e01_inside_another_container_is_read_alone(e01: DiskImage) -> None:
    data = e01.path.read_bytes()
    item = Item((Step("member", "disk.E01"),), size=len(data), opener=lambda: io.BytesIO(data))
    found = expand(item)
    assert found["p2//photos/tench.jpg"].data == photo_bytes("tench")
    assert EwfContainer().describe(item)["md5_verified"] is True
    # One segment of a set cannot be read alone: the message says what to do.
    first = segments(e01)[0].read_bytes()
    alone = Item((Step("member", "volume.E01"),), size=len(first), opener=lambda: io.BytesIO(first))
    with pytest.raises(ContainerError, match="extract every segment"):
        expand(alone)
