"""EXIF thumbnails: the thumbnail in a photo comes out as an item of its own; hostile EXIF never breaks."""

from __future__ import annotations

import io
import random
import struct

import pytest
from PIL import Image

from tests.evidence.thumbnails import camera_jpeg, encode, ifd, photo
from warden.evidence.base import HEAD_BYTES, ContainerError, Item, Limits, Step
from warden.evidence.exif_thumbnail import ExifThumbnailContainer, locate
from warden.model.states import State

CONTAINER = ExifThumbnailContainer()
PHOTO = Item((Step("file", "DCIM/photo.jpg"),))
TIFF = 12  # where the TIFF header starts in camera_jpeg's files: SOI, APP1 marker and length, "Exif\0\0"


def expand(data: bytes, limits: Limits | None = None) -> list[Item]:
    return list(CONTAINER.expand(io.BytesIO(data), PHOTO, limits or Limits()))


@pytest.mark.parametrize("big_endian", [False, True], ids=["intel", "motorola"])
def test_the_thumbnail_comes_out_with_its_offset_and_bytes(big_endian: bool) -> None:
    jpeg, thumbnail, at = camera_jpeg(0, big_endian=big_endian)
    assert CONTAINER.sniff(jpeg[:HEAD_BYTES], len(jpeg))
    [item] = expand(jpeg)
    assert item.path == "DCIM/photo.jpg//exif-thumbnail"
    assert item.state is State.THUMBNAIL
    assert item.steps[-1] == Step(
        "thumbnail", "exif-thumbnail", {"offset": at, "length": len(thumbnail), "source": "exif"}
    )
    with item.open() as stream:
        data = stream.read()
    assert data == thumbnail
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (160, 120)


def test_a_tiff_file_with_a_thumbnail_is_read_too() -> None:
    thumbnail = encode(photo(1, (80, 60)), "JPEG")
    ifd1 = 8 + 18
    tiff = b"II*\x00" + struct.pack("<I", 8)
    tiff += ifd("<", [(0x0112, 3, 1, 1)], ifd1)
    tiff += ifd("<", [(0x0201, 4, 1, ifd1 + 30), (0x0202, 4, 1, len(thumbnail))], 0)
    tiff += thumbnail
    assert CONTAINER.sniff(tiff, len(tiff))
    [item] = expand(tiff)
    assert item.steps[-1].detail["offset"] == ifd1 + 30
    with item.open() as stream:
        assert stream.read() == thumbnail


def test_photos_without_a_thumbnail_are_not_claimed() -> None:
    plain = encode(photo(0, (64, 48)), "JPEG")
    assert not CONTAINER.sniff(plain, len(plain))
    jpeg, _, _ = camera_jpeg(0)
    no_ifd1 = bytearray(jpeg)
    struct.pack_into("<I", no_ifd1, TIFF + 22, 0)  # IFD0's link to IFD1
    assert not CONTAINER.sniff(bytes(no_ifd1), len(no_ifd1))
    with pytest.raises(ContainerError):
        expand(plain)


def _patched(offset: int, value: int) -> bytes:
    jpeg, _, _ = camera_jpeg(0)
    data = bytearray(jpeg)
    struct.pack_into("<I", data, TIFF + offset, value)
    return bytes(data)


def test_an_ifd_that_points_at_itself_is_no_thumbnail() -> None:
    looping = _patched(22, 8)  # IFD1 is IFD0
    assert locate(looping) is None
    absurd_count = bytearray(camera_jpeg(0)[0])
    struct.pack_into("<H", absurd_count, TIFF + 8, 0xFFFF)
    assert locate(bytes(absurd_count)) is None


def test_a_thumbnail_outside_the_file_is_a_problem_item() -> None:
    [item] = expand(_patched(48, 0x7FFF0000))  # JPEGInterchangeFormat far past the end
    assert item.problem is not None
    assert "past the end" in item.problem
    assert not item.readable


def test_an_absurd_thumbnail_length_is_a_problem_item() -> None:
    [item] = expand(_patched(60, 0xFFFFFFFF))
    assert item.problem is not None
    assert "over" in item.problem


def test_a_thumbnail_that_is_not_a_jpeg_is_a_problem_item() -> None:
    [item] = expand(_patched(48, 8))  # points at IFD0 instead of the JPEG
    assert item.problem == "EXIF thumbnail is not a JPEG"


def test_a_truncated_photo_gives_a_problem_item() -> None:
    jpeg, _, at = camera_jpeg(0)
    [item] = expand(jpeg[: at + 100])
    assert item.problem is not None


def test_mangled_exif_never_crashes() -> None:
    jpeg, _, _ = camera_jpeg(3, big_endian=True)
    rng = random.Random(5)
    for _ in range(1500):
        data = bytearray(jpeg)
        for _ in range(rng.randrange(1, 8)):
            data[rng.randrange(2, 120)] = rng.randrange(256)
        if not CONTAINER.sniff(bytes(data[:HEAD_BYTES]), len(data)):
            continue
        for item in expand(bytes(data)):
            assert item.readable or item.problem
