"""Decoding stills for PDQ: every pixel format, EXIF orientation, reduced scale, bombs and broken files."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from tests.media import media
from warden.hashing.decode import DecodeError, decode_still
from warden.hashing.pdq import pdq_distance, pdq_hash

BIG = 10**9
PHOTO = "n01530575_brambling.jpg"


def _photo() -> Image.Image:
    return Image.open(media("photos", PHOTO)).convert("RGB")


def _encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def _hash(data: bytes, fmt: str, reduce_to: int | None = None) -> tuple[str, int]:
    return pdq_hash(decode_still(data, fmt, max_pixels=BIG, reduce_to=reduce_to).pixels)


def _modes() -> dict[str, Image.Image]:
    photo = _photo()
    grey = photo.convert("L")
    alpha = Image.linear_gradient("L").resize(photo.size)
    rgba = photo.copy()
    rgba.putalpha(alpha)
    la = grey.copy()
    la.putalpha(alpha)
    palette_transparent = photo.convert("P", palette=Image.Palette.ADAPTIVE)
    palette_transparent.info["transparency"] = 0
    return {
        "L": grey,
        "LA": la,
        "RGBA": rgba,
        "P": photo.convert("P", palette=Image.Palette.ADAPTIVE),
        "P-transparency": palette_transparent,
        "CMYK": photo.convert("CMYK"),
    }


@pytest.mark.parametrize("mode", ["L", "LA", "RGBA", "P", "P-transparency", "CMYK"])
def test_every_pixel_format_hashes_close_to_the_rgb_photo(mode: str) -> None:
    image = _modes()[mode]
    fmt = "TIFF" if image.mode == "CMYK" else "PNG"
    expected, _ = _hash(_encode(_photo(), "PNG"), "png")
    actual, quality = _hash(_encode(image, fmt), fmt.lower())
    assert quality >= 50
    assert pdq_distance(expected, actual) <= 24, mode


def test_bilevel_and_16_bit_images_hash_without_error() -> None:
    bilevel = _photo().convert("1")
    assert _hash(_encode(bilevel, "PNG"), "png")[1] >= 0
    sixteen = Image.fromarray(np.asarray(_photo().convert("L")).astype(np.uint16) * 257)
    assert sixteen.mode == "I;16"
    # 16-bit values are clipped to 8 bits the way Pillow (and so the reference) converts them.
    assert _hash(_encode(sixteen, "PNG"), "png") == pdq_hash(np.asarray(sixteen.convert("RGB")))


@pytest.mark.parametrize("orientation", [2, 3, 4, 5, 6, 7, 8])
def test_exif_orientation_is_applied_before_hashing(orientation: int) -> None:
    upright = _photo()
    # Store the pixels so that the tag's turn brings back the upright photo.
    undo = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_90,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_270,
    }[orientation]
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = _encode(upright.transpose(undo), "JPEG", quality=95, exif=exif.tobytes())
    decoded = decode_still(data, "jpeg", max_pixels=BIG, reduce_to=None)
    assert (decoded.width, decoded.height) == upright.size
    reference = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"))
    assert np.array_equal(decoded.pixels, reference)
    assert pdq_distance(pdq_hash(decoded.pixels)[0], pdq_hash(np.asarray(upright))[0]) <= 10


@pytest.mark.parametrize(
    ("fmt", "orientation"), [("JPEG", 6), pytest.param("PNG", 8, marks=pytest.mark.slow)]
)
def test_exif_orientation_is_applied_to_reduced_decodes(fmt: str, orientation: int) -> None:
    upright = _photo().resize((1300, 1100))
    exif = Image.Exif()
    exif[0x0112] = orientation
    undo = Image.Transpose.ROTATE_90 if orientation == 6 else Image.Transpose.ROTATE_270
    data = _encode(upright.transpose(undo), fmt, exif=exif.tobytes())
    fast = decode_still(data, fmt.lower(), max_pixels=BIG, reduce_to=512)
    assert fast.reduced
    assert (fast.width, fast.height) == (1300, 1100)
    assert fast.pixels.shape == (550, 650, 3)
    assert pdq_distance(pdq_hash(fast.pixels)[0], pdq_hash(np.asarray(upright))[0]) <= 12


@pytest.mark.slow
def test_big_jpeg_is_decoded_at_reduced_scale_in_fast_mode() -> None:
    data = _encode(_photo().resize((4000, 3000)), "JPEG", quality=90)
    fast = decode_still(data, "jpeg", max_pixels=BIG, reduce_to=512)
    exact = decode_still(data, "jpeg", max_pixels=BIG, reduce_to=None)
    assert fast.reduced
    assert fast.pixels.shape == (750, 1000, 3)
    assert (fast.width, fast.height) == (exact.width, exact.height) == (4000, 3000)
    assert not exact.reduced
    assert exact.pixels.shape == (3000, 4000, 3)
    assert pdq_distance(pdq_hash(fast.pixels)[0], pdq_hash(exact.pixels)[0]) <= 10


@pytest.mark.slow
def test_big_png_is_box_reduced_in_fast_mode_and_small_images_never_are() -> None:
    big = decode_still(_encode(_photo().resize((2100, 1400)), "PNG"), "png", max_pixels=BIG, reduce_to=512)
    assert big.reduced
    assert big.pixels.shape == (700, 1050, 3)
    small = decode_still(_encode(_photo(), "JPEG"), "jpeg", max_pixels=BIG, reduce_to=512)
    assert not small.reduced


def test_first_frame_of_an_animated_gif_and_webp() -> None:
    first = Image.new("RGB", (64, 64), "white")
    first.paste((0, 0, 0), (0, 0, 32, 64))
    second = first.transpose(Image.Transpose.ROTATE_90)
    for fmt in ("GIF", "WEBP"):
        data = _encode(first, fmt, save_all=True, append_images=[second], lossless=True)
        decoded = decode_still(data, fmt.lower(), max_pixels=BIG, reduce_to=None)
        assert decoded.animated, fmt
        assert decoded.pixels[10, 5].tolist() == [0, 0, 0], fmt
        assert decoded.pixels[5, 50].tolist() == [255, 255, 255], fmt


@pytest.mark.slow
def test_heic_decodes_through_pillow_heif() -> None:
    pytest.importorskip("pillow_heif")
    import pillow_heif

    pillow_heif.register_heif_opener()
    photo = _photo()
    heic_hash, quality = _hash(_encode(photo, "HEIF", quality=90), "heic")
    assert quality >= 50
    assert pdq_distance(heic_hash, pdq_hash(np.asarray(photo))[0]) <= 16


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_declaring(width: int, height: int) -> bytes:
    """A small PNG file whose header claims a huge image."""
    header = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return (
        b"\x89PNG\r\n\x1a\n"
        + header
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _png_chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("pixels", [10**10, 300_000_000])
def test_decompression_bomb_is_refused(pixels: int) -> None:
    # 300 million is between the limit and twice the limit, where Pillow only warns.
    side = int(pixels**0.5)
    with pytest.raises(DecodeError, match="max_image_pixels"):
        decode_still(_png_declaring(side, side), "png", max_pixels=250_000_000, reduce_to=512)


def test_pixel_limit_comes_from_the_caller() -> None:
    data = _encode(_photo(), "PNG")
    with pytest.raises(DecodeError, match="max_image_pixels"):
        decode_still(data, "png", max_pixels=1000, reduce_to=None)


@pytest.mark.parametrize(
    "data",
    [
        _encode(Image.new("RGB", (300, 200), "red"), "JPEG")[:400],
        b"\xff\xd8\xff" + bytes(range(256)) * 20,
        b"",
    ],
    ids=["truncated", "garbage-after-magic", "empty"],
)
def test_broken_data_raises_decode_error(data: bytes) -> None:
    with pytest.raises(DecodeError):
        decode_still(data, "jpeg", max_pixels=BIG, reduce_to=512)


def test_only_the_sniffed_format_may_open_the_bytes() -> None:
    with pytest.raises(DecodeError):
        decode_still(_encode(_photo(), "PNG"), "jpeg", max_pixels=BIG, reduce_to=None)


def test_decoding_prints_nothing(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    image = _modes()["P-transparency"].convert("RGB").convert("P")
    image.info["transparency"] = b"\x00" * 10  # the byte form Pillow warns about on conversion
    decode_still(_encode(image, "PNG"), "png", max_pixels=BIG, reduce_to=None)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_format_is_sniffed_when_not_given_and_unknown_formats_are_refused() -> None:
    assert (
        decode_still(_encode(_photo(), "PNG"), None, max_pixels=BIG, reduce_to=None).width == _photo().width
    )
    with pytest.raises(DecodeError, match="no decoder for jxl"):
        decode_still(b"\xff\x0a" + b"\x00" * 100, "jxl", max_pixels=BIG, reduce_to=None)
    with pytest.raises(DecodeError, match="no decoder"):
        decode_still(b"plain text", None, max_pixels=BIG, reduce_to=None)


def test_a_truncated_jpeg_is_an_error_even_after_another_library_relaxed_pillow() -> None:
    from PIL import ImageFile

    from warden.hashing.decode import DecodeError, decode_still

    whole = media("photos", "n01440764_tench.jpg").read_bytes()
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = True  # what importing WeasyPrint does
    try:
        with pytest.raises(DecodeError, match="truncated"):
            decode_still(whole[:3000], "jpeg", max_pixels=10**8, reduce_to=None)
        assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
