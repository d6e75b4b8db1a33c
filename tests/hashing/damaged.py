"""Builders of damaged stills: cut short, lying about their size, or corrupted, as JPEG, PNG, GIF and WebP.

Every picture is a benign pattern made here. Each damage is one an examiner meets (a partly recovered file, a
carved fragment given an end marker, a header that lies) or an attacker makes; each must be an item error,
never a black or grey image hashed as if it were the picture.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

LIE = 15_000
"""The side the lying headers declare (the issue's JPEG claimed 15000 x 15000): under the pixel limit."""


def picture(width: int = 160, height: int = 120) -> Image.Image:
    """A detailed benign pattern: gradients crossed with a few rows of noise (PDQ quality well over 50)."""
    rows, columns = np.mgrid[0:height, 0:width]
    pixels = np.stack([(columns * 2) % 256, (rows * 3) % 256, ((columns + rows) * 5) % 256], axis=2)
    pixels[::9] = np.random.default_rng(8).integers(0, 256, pixels[::9].shape)
    return Image.fromarray(pixels.astype(np.uint8))


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _idat(png: bytes) -> tuple[int, int]:
    """Where the first IDAT's data starts, and its length."""
    at = png.index(b"IDAT")
    return at + 4, struct.unpack(">I", png[at - 4 : at])[0]


def _flip(data: bytes, start: int, count: int, mask: int = 0x5A) -> bytearray:
    damaged = bytearray(data)
    for index in range(start, start + count):
        damaged[index] ^= mask
    return damaged


def damaged_jpegs() -> dict[str, bytes]:
    whole = encoded(picture(), "JPEG", quality=90)
    progressive = encoded(picture(), "JPEG", quality=90, progressive=True)
    lying = bytearray(whole)
    frame = whole.index(b"\xff\xc0")
    lying[frame + 5 : frame + 9] = struct.pack(">HH", LIE, LIE)
    bad_codes = bytearray(progressive)
    middle = len(progressive) // 2
    bad_codes[middle : middle + 40] = b"\xff\x00" * 20  # a run of ones: no Huffman code is that long
    scan = whole.index(b"\xff\xda")
    hole = whole[: scan + 200] + whole[(scan + len(whole)) // 2 :]
    return {
        "cut.jpg": whole[: len(whole) // 2],
        "cut-then-end-marker.jpg": whole[: len(whole) // 2] + b"\xff\xd9",
        "lying-15000.jpg": bytes(lying),
        "bad-huffman-codes.jpg": bytes(bad_codes),
        "hole-in-scan.jpg": hole,
    }


def damaged_pngs() -> dict[str, bytes]:
    whole = encoded(picture(), "PNG")
    start, length = _idat(whole)
    # The file: bytes of IDAT damaged, the chunk's CRC left as it was.
    damaged_idat = _flip(whole, start + length // 2, 20, 0xFF)
    bad_crc = _flip(whole, start + length, 1, 0x01)
    # Damaged deflate data whose chunk CRC was recomputed: only the inflated data can tell.
    deflate = _flip(whole, start + length // 2, 16)
    deflate[start + length : start + length + 4] = struct.pack(
        ">I", zlib.crc32(bytes(deflate[start - 4 : start + length]))
    )
    lying = bytearray(whole)
    lying[16:24] = struct.pack(">II", LIE, LIE)
    lying[29:33] = struct.pack(">I", zlib.crc32(bytes(lying[12:29])))
    return {
        "damaged-idat.png": bytes(damaged_idat),
        "bad-chunk-crc.png": bytes(bad_crc),
        "corrupt-deflate.png": bytes(deflate),
        "cut.png": whole[: len(whole) // 2],
        "lying-15000.png": bytes(lying),
    }


def damaged_gifs() -> dict[str, bytes]:
    whole = encoded(picture(), "GIF")
    lying = bytearray(whole)
    table = 3 << ((whole[10] & 7) + 1) if whole[10] & 0x80 else 0
    descriptor = whole.index(b"\x2c", 13 + table)
    lying[6:10] = struct.pack("<HH", LIE, LIE)
    lying[descriptor + 5 : descriptor + 9] = struct.pack("<HH", LIE, LIE)
    bad_codes = bytearray(whole)
    middle = len(whole) // 2
    bad_codes[middle : middle + 20] = b"\xff" * 20  # codes far past any the table holds yet
    return {
        "cut.gif": whole[: len(whole) // 2],
        "lying-15000.gif": bytes(lying),
        "bad-lzw-codes.gif": bytes(bad_codes),
    }


def damaged_webps() -> dict[str, bytes]:
    lossy = encoded(picture(), "WEBP", quality=80)
    lossless = encoded(picture(), "WEBP", lossless=True)
    lying_lossy = bytearray(lossy)
    frame = lossy.index(b"\x9d\x01\x2a")
    lying_lossy[frame + 3 : frame + 7] = struct.pack("<HH", LIE, LIE)
    lying_lossless = bytearray(lossless)
    start = lossless.index(b"VP8L") + 9
    bits = int.from_bytes(lying_lossless[start : start + 4], "little")
    bits = (bits & ~((1 << 28) - 1)) | (LIE - 1) | ((LIE - 1) << 14)
    lying_lossless[start : start + 4] = bits.to_bytes(4, "little")
    return {
        "cut.webp": lossy[: len(lossy) // 2],
        "cut-lossless.webp": lossless[: len(lossless) // 2],
        "lying-15000.webp": bytes(lying_lossy),
        "lying-15000-lossless.webp": bytes(lying_lossless),
        "damaged-code-tables-lossless.webp": bytes(_flip(lossless, start + 7, 4, 0xFF)),
    }


def damaged_stills() -> dict[str, bytes]:
    """Every damaged still above, by file name."""
    return {**damaged_jpegs(), **damaged_pngs(), **damaged_gifs(), **damaged_webps()}


def sound_stills() -> dict[str, bytes]:
    """The same picture whole, in the modes and variants each format has: each must decode without error."""
    image = picture()
    frames = [Image.fromarray(np.roll(np.asarray(image), shift, axis=1)) for shift in (0, 10, 20)]
    animated = io.BytesIO()
    frames[0].save(animated, "GIF", save_all=True, append_images=frames[1:])
    return {
        "whole.jpg": encoded(image, "JPEG", quality=90),
        "progressive.jpg": encoded(image, "JPEG", quality=90, progressive=True),
        "grey.jpg": encoded(image.convert("L"), "JPEG"),
        "cmyk.jpg": encoded(image.convert("CMYK"), "JPEG"),
        "stray-bytes-before-end.jpg": encoded(image, "JPEG")[:-2] + b"\x00\x00\xff\xd9",
        "rgb.png": encoded(image, "PNG"),
        "palette.png": encoded(image.convert("P"), "PNG"),
        "grey.png": encoded(image.convert("L"), "PNG"),
        "bilevel.png": encoded(image.convert("1"), "PNG"),
        "grey-alpha.png": encoded(image.convert("LA"), "PNG"),
        "rgba.png": encoded(image.convert("RGBA"), "PNG"),
        "sixteen-bit.png": encoded(image.convert("I;16"), "PNG"),
        "whole.gif": encoded(image, "GIF"),
        "interlaced.gif": encoded(image, "GIF", interlace=True),
        "animated.gif": animated.getvalue(),
        "lossy.webp": encoded(image, "WEBP", quality=80),
        "lossless.webp": encoded(image, "WEBP", lossless=True),
    }
