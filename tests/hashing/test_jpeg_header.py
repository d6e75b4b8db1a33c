"""A common JPEG's header read without Pillow says what Pillow says; anything else is left to Pillow."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from tests.media import media
from warden.hashing.jpeg_header import read_header


def _pillow(data: bytes) -> tuple[tuple[int, int], str, int]:
    image = Image.open(io.BytesIO(data))
    orientation = image.getexif().get(0x0112, 1)
    return image.size, image.mode, orientation if isinstance(orientation, int) else 1


def _jpeg(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def _photo() -> Image.Image:
    return Image.open(media("photos", "n01443537_goldfish.jpg")).convert("RGB")


def test_the_shared_jpegs_read_as_pillow_reads_them() -> None:
    paths = sorted(media("photos").glob("*.jpg"))[::15] + sorted(media("pdq-reference").rglob("*.jp*g"))
    read = 0
    for path in paths:
        data = path.read_bytes()
        header = read_header(data)
        if header is not None:
            read += 1
            assert ((header.width, header.height), header.mode, header.orientation) == _pillow(data), (
                path.name
            )
    assert read >= len(paths) // 2


@pytest.mark.parametrize("orientation", range(10))
def test_every_exif_orientation_reads_as_pillow_reads_it(orientation: int) -> None:
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    data = _jpeg(_photo(), exif=exif.tobytes())
    header = read_header(data)
    assert header is not None
    assert ((header.width, header.height), header.mode, header.orientation) == _pillow(data)


def test_cmyk_and_multi_picture_files_are_left_to_pillow() -> None:
    assert read_header(_jpeg(_photo().convert("CMYK"))) is None
    photo = _photo()
    buffer = io.BytesIO()
    photo.save(buffer, "MPO", save_all=True, append_images=[photo.rotate(90)])
    assert read_header(buffer.getvalue()) is None


def test_damaged_headers_never_raise() -> None:
    data = _jpeg(_photo(), exif=Image.Exif().tobytes())
    rng = random.Random(7)
    for cut in (0, 1, 2, 3, 20, 100, 300):
        assert read_header(data[:cut]) is None
    for _ in range(200):
        damaged = bytearray(data)
        for _ in range(8):
            damaged[rng.randrange(2, 600)] = rng.randrange(256)
        header = read_header(bytes(damaged))  # None, or what Pillow says of it
        if header is not None:
            try:
                expected = _pillow(bytes(damaged))
            except Exception:  # Pillow refusing it is its own answer; the decode is tested elsewhere
                continue
            assert ((header.width, header.height), header.mode, header.orientation) == expected
