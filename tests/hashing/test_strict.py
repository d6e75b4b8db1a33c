"""A damaged still is an error naming the damage, never a black or grey image hashed as if it were whole."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from tests.hashing.damaged import damaged_pngs, damaged_stills, sound_stills
from tests.media import media
from warden.hashing.decode import DecodeError, decode_still
from warden.hashing.item import DECODE, hash_file
from warden.hashing.pdq import FAST_MIN_SIDE
from warden.hashing.sniff import sniff

DAMAGED = damaged_stills()
SOUND = sound_stills()
WORDS = ("truncated", "damaged", "corrupt")


def _decode(data: bytes, reduce_to: int | None) -> object:
    return decode_still(data, sniff(data[:65536]).format, max_pixels=250_000_000, reduce_to=reduce_to)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.slow) if name.startswith("lying-15000") else name
        for name in sorted(DAMAGED)
    ],
)
@pytest.mark.parametrize("reduce_to", [None, FAST_MIN_SIDE], ids=["exact", "fast"])
def test_every_damaged_still_is_an_error_that_says_so(name: str, reduce_to: int | None) -> None:
    with pytest.raises(DecodeError) as raised:
        _decode(DAMAGED[name], reduce_to)
    assert any(word in str(raised.value).lower() for word in WORDS), str(raised.value)


@pytest.mark.parametrize("name", sorted(SOUND))
@pytest.mark.parametrize("reduce_to", [None, FAST_MIN_SIDE], ids=["exact", "fast"])
def test_sound_stills_of_every_mode_still_decode(name: str, reduce_to: int | None) -> None:
    decoded = _decode(SOUND[name], reduce_to)
    assert np.asarray(decoded.pixels).shape == (120, 160, 3)  # type: ignore[attr-defined]


def test_a_library_that_pads_truncated_images_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # WeasyPrint, on import, tells Pillow to pad truncated images with grey for the whole process.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    for name in ("cut.png", "cut.jpg", "cut.gif", "lying-15000.png", "lying-15000.gif"):
        with pytest.raises(DecodeError):
            _decode(DAMAGED[name], None)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as the other library set it


@pytest.mark.parametrize("name", ["damaged-idat.png", "lying-15000.jpg"])
def test_the_issues_files_are_decode_errors_with_their_digests(name: str, tmp_path: Path) -> None:
    # Issue 8, point 5: a PNG whose IDAT is damaged decoded to black (getexif() loaded it and swallowed the
    # failure), and a JPEG whose SOF claims 15000 x 15000 decoded to grey; both were hashed into PDQ.
    path = tmp_path / name
    path.write_bytes(DAMAGED[name])
    hashes = hash_file(path)
    assert [error.stage for error in hashes.errors] == [DECODE]
    assert hashes.pdq is None and hashes.pdq_variants == []
    assert hashes.sha256 is not None and hashes.size == len(DAMAGED[name])


def test_a_damaged_png_with_an_exif_block_is_still_an_error() -> None:
    # getexif() loads a PNG to find an eXIf chunk after the image data; the load must fail loudly first.
    image = Image.open(io.BytesIO(SOUND["rgb.png"]))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, "PNG", exif=exif.tobytes())
    data = bytearray(buffer.getvalue())
    start = data.index(b"IDAT") + 4
    data[start + 100 : start + 120] = bytes(20)
    with pytest.raises(DecodeError, match="CRC"):
        _decode(bytes(data), FAST_MIN_SIDE)


def test_each_png_damage_is_named() -> None:
    messages = {}
    for name, data in damaged_pngs().items():
        with pytest.raises(DecodeError) as raised:
            _decode(data, None)
        messages[name] = str(raised.value)
    assert "IDAT chunk at byte 33 fails its CRC check" in messages["damaged-idat.png"]
    assert "compressed image data is corrupt" in messages["corrupt-deflate.png"]
    assert "is cut off after" in messages["cut.png"]
    assert "ends after 57720 of the 675015000 bytes" in messages["lying-15000.png"]


@pytest.mark.parametrize(
    "photo", ["n01530575_brambling.jpg", "n01440764_tench.jpg", "n01443537_goldfish.jpg"]
)
def test_the_strict_jpeg_decoder_gives_pillows_pixels(photo: str) -> None:
    """JPEG pixels now come from libjpeg-turbo through simplejpeg: they must be Pillow's; PDQ is unchanged."""
    data = media("photos", photo).read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        full = np.asarray(image.convert("RGB"))
    assert np.array_equal(np.asarray(_decode(data, None).pixels), full)  # type: ignore[attr-defined]
    big = io.BytesIO()
    Image.fromarray(full).resize((full.shape[1] * 4, full.shape[0] * 4)).save(big, "JPEG", quality=90)
    with Image.open(io.BytesIO(big.getvalue())) as image:
        image.draft("L", (FAST_MIN_SIDE, FAST_MIN_SIDE))
        reduced = np.asarray(image.convert("L"))
    fast = np.asarray(_decode(big.getvalue(), FAST_MIN_SIDE).pixels)  # type: ignore[attr-defined]
    assert fast.shape[:2] == reduced.shape
    assert np.array_equal(fast[:, :, 0], reduced)
