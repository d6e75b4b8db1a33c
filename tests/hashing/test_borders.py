"""Uniform bars are found whatever their colour and width, and plain parts of photos are left alone."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.media import media
from warden.hashing.borders import Borders, find_borders, trim
from warden.hashing.decode import Pixels, decode_still
from warden.hashing.pdq import FAST_MIN_SIDE, pdq_distance, pdq_hash

PHOTO = "n01530575_brambling.jpg"


def _decode(image: Image.Image, fmt: str = "JPEG") -> Pixels:
    buffer = io.BytesIO()
    image.save(buffer, fmt, quality=85)
    return decode_still(buffer.getvalue(), fmt.lower(), max_pixels=10**9, reduce_to=FAST_MIN_SIDE).pixels


def _framed(photo: Image.Image, bars: Borders, colour: str | tuple[int, int, int]) -> Image.Image:
    framed = Image.new(
        "RGB", (photo.width + bars.left + bars.right, photo.height + bars.top + bars.bottom), colour
    )
    framed.paste(photo, (bars.left, bars.top))
    return framed


def _close(found: Borders | None, expected: Borders, slack: int = 2) -> bool:
    if found is None:
        return False
    pairs = zip(
        (found.top, found.bottom, found.left, found.right),
        (expected.top, expected.bottom, expected.left, expected.right),
        strict=True,
    )
    return all(abs(a - b) <= slack for a, b in pairs)


BARS = {
    "black frame": (Borders(40, 40, 50, 50), (0, 0, 0)),
    "white frame": (Borders(20, 20, 25, 25), (255, 255, 255)),
    "red frame": (Borders(30, 30, 30, 30), (200, 30, 40)),
    "letterbox": (Borders(75, 75, 0, 0), (0, 0, 0)),
    "pillarbox": (Borders(0, 0, 125, 125), (16, 16, 16)),
    "uneven": (Borders(6, 56, 150, 12), (20, 90, 160)),
}


@pytest.mark.parametrize("case", list(BARS))
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_bars_of_any_colour_and_width_are_found(case: str, fmt: str) -> None:
    bars, colour = BARS[case]
    photo = Image.open(media("photos", PHOTO)).convert("RGB")
    assert _close(find_borders(_decode(_framed(photo, bars, colour), fmt)), bars), case


def test_trimmed_picture_hashes_like_the_photo() -> None:
    photo = Image.open(media("photos", PHOTO)).convert("RGB")
    expected = pdq_hash(_decode(photo, "PNG"))[0]
    for bars, colour in BARS.values():
        pixels = _decode(_framed(photo, bars, colour), "PNG")
        found = find_borders(pixels)
        assert found is not None
        assert pdq_distance(pdq_hash(trim(pixels, found))[0], expected) <= 8


@pytest.mark.slow
def test_few_photos_are_trimmed() -> None:
    # Measured: 24 of the 465 photos (5.2%) get a trimmed variant, about half of them with a real frame.
    photos = sorted(media("photos").glob("*.jpg"))
    trimmed = 0
    for path in photos:
        pixels = decode_still(path.read_bytes(), "jpeg", max_pixels=10**9, reduce_to=FAST_MIN_SIDE).pixels
        trimmed += find_borders(pixels) is not None
    assert trimmed / len(photos) <= 0.06


def test_subject_on_a_plain_backdrop_is_not_trimmed() -> None:
    backdrop = Image.new("RGB", (400, 300), "white")
    ys, xs = np.mgrid[0:300, 0:400]
    blob = ((xs - 200) ** 2 / 90**2 + (ys - 160) ** 2 / 110**2) <= 1
    pixels = np.asarray(backdrop).copy()
    pixels[blob] = [120, 60, 30]
    assert find_borders(_decode(Image.fromarray(pixels))) is None


def test_sky_gradient_is_not_a_bar() -> None:
    rows = np.linspace(120, 230, 300).astype(np.uint8)
    sky = np.stack([np.tile(rows[:, None], (1, 400))] * 3, axis=2)
    sky[200:] = np.random.default_rng(1).integers(0, 255, size=(100, 400, 3), dtype=np.uint8)
    assert find_borders(_decode(Image.fromarray(sky))) is None


@pytest.mark.parametrize("shape", [(1, 1), (3, 200), (200, 3), (40, 40)])
def test_plain_and_tiny_images_are_not_trimmed(shape: tuple[int, int]) -> None:
    assert find_borders(np.full((*shape, 3), 128, dtype=np.uint8)) is None


def test_borders_scale_to_the_full_image() -> None:
    assert Borders(10, 0, 5, 1).scaled(4.0, 2.0) == Borders(20, 0, 20, 4)
