"""Whether a still's data is whole: the damage Pillow's decoders pass over without a word.

Pillow stops a PNG or GIF decode when the compressed stream ends, whatever the header declared, and never
reports libjpeg's warnings, so a truncated or damaged file comes out as an image padded with black or grey.
These checks look at the data itself: PNG chunk checksums and the inflated size, the pixels a GIF's first
image really holds, and JPEG data read by libjpeg-turbo (through ``simplejpeg``), which says when data is
missing. Each raises :class:`DamagedImage` naming what is wrong.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
import numpy.typing as npt
import simplejpeg


class DamagedImage(ValueError):
    """The image's data is cut short or damaged; the message says where, for the item's error record."""


_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
"""Samples per pixel by PNG colour type: grey, RGB, palette, grey and alpha, RGBA."""

_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
"""The seven passes of an interlaced PNG: first column and row, then the steps between them."""

_INFLATE_BLOCK = 1 << 20

_JPEG_DAMAGE = (
    "premature end",  # the data ends before the image does (truncated, or dimensions that lie)
    "bad huffman code",
    "bad arithmetic code",
    "instead of rst",
    "inconsistent progression sequence",
)
"""libjpeg's words for data that is missing or damaged, as opposed to harmless oddities (a few stray bytes
between segments, an unknown JFIF version), after which the pixels are the encoder's."""


def check_png(data: bytes) -> None:
    """Raise unless every critical chunk's CRC holds and the image data inflates to the size IHDR declares.

    Ancillary chunks (text, colour profiles) are not checked, as libpng does not: damage there does not
    touch a pixel. The stream is inflated to its end, so zlib's own checksum is verified too.
    """
    view = memoryview(data)
    offset = 8
    header: tuple[int, ...] | None = None
    compressed: list[memoryview] = []
    while offset + 12 <= len(view):
        length, kind = struct.unpack_from(">I4s", view, offset)
        end = offset + 12 + length
        if end > len(view):
            if kind == b"IDAT":  # cut inside the image data: count what there is
                compressed.append(view[offset + 8 : len(view)])
            break
        name = kind.decode("latin-1")
        (crc,) = struct.unpack_from(">I", view, end - 4)
        critical = kind[0] & 0x20 == 0
        if critical and zlib.crc32(view[offset + 4 : end - 4]) != crc:
            raise DamagedImage(f"damaged PNG: the {name} chunk at byte {offset} fails its CRC check")
        if kind == b"IHDR" and length >= 13:
            header = struct.unpack_from(">IIBBBBB", view, offset + 8)
        elif kind == b"IDAT":
            compressed.append(view[offset + 8 : end - 4])
        elif kind == b"IEND":
            break
        offset = end
    if header is None:
        raise DamagedImage("damaged PNG: no image header (IHDR)")
    _check_inflated(compressed, _png_row_bytes(header))


def _png_row_bytes(header: tuple[int, ...]) -> int:
    """How many bytes of filtered rows the image declared by IHDR inflates to."""
    width, height, depth, colour, _compression, _filter, interlace = header
    bits = _PNG_CHANNELS.get(colour, 4) * depth
    passes = _ADAM7 if interlace else ((0, 0, 1, 1),)
    total = 0
    for x0, y0, dx, dy in passes:
        columns, rows = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if columns > 0 and rows > 0:
            total += rows * (1 + (columns * bits + 7) // 8)
    return total


def _check_inflated(compressed: list[memoryview], expected: int) -> None:
    inflater = zlib.decompressobj()
    produced = 0
    try:
        for piece in compressed:
            pending = bytes(piece)
            while pending and not inflater.eof:
                produced += len(inflater.decompress(pending, _INFLATE_BLOCK))
                pending = inflater.unconsumed_tail
                if produced > expected + _INFLATE_BLOCK:
                    return  # more than the image needs: the pixels are all there, whatever follows
            if inflater.eof:
                break
    except zlib.error as error:
        raise DamagedImage(f"damaged PNG: the compressed image data is corrupt ({error})") from None
    if produced < expected:
        how = "ends" if inflater.eof else "is cut off"
        raise DamagedImage(
            f"truncated PNG: the compressed image data {how} after {produced} of the {expected} bytes its "
            "declared size needs (a cut file, or dimensions that lie)"
        )


def check_gif(data: bytes) -> None:
    """Raise unless the GIF's first image holds as many pixels as its descriptor declares.

    The LZW codes are followed only to count the pixels each one stands for; nothing is decoded.
    """
    view = memoryview(data)
    try:
        offset = 13
        flags = view[10]
        if flags & 0x80:
            offset += 3 << ((flags & 7) + 1)
        while view[offset] == 0x21:  # extension: label, then sub-blocks
            offset = _skip_blocks(view, offset + 2)
        if view[offset] != 0x2C:
            raise DamagedImage(f"damaged GIF: byte {offset} should start an image, not {view[offset]:#04x}")
        width, height, local = struct.unpack_from("<4xHHB", view, offset + 1)
        offset += 10
        if local & 0x80:
            offset += 3 << ((local & 7) + 1)
        minimum = view[offset]
        stream = bytearray()
        offset += 1
        while size := view[offset]:
            stream += view[offset + 1 : offset + 1 + size]
            offset += 1 + size
    except (IndexError, struct.error):
        raise DamagedImage("truncated GIF: the file ends before its first image does") from None
    expected = width * height
    produced = _lzw_pixels(stream, minimum, expected)
    if produced < expected:
        raise DamagedImage(
            f"truncated GIF: the first image holds {produced} of the {expected} pixels its {width}x{height} "
            "declares (a cut file, or dimensions that lie)"
        )


def _skip_blocks(view: memoryview, offset: int) -> int:
    while size := view[offset]:
        offset += 1 + size
    return offset + 1


def _lzw_pixels(stream: bytearray, minimum: int, enough: int) -> int:
    """How many pixels GIF LZW ``stream`` stands for, stopping at ``enough``; raises on an impossible code."""
    if not 1 <= minimum <= 11:
        raise DamagedImage(f"damaged GIF: LZW code size {minimum} is impossible")
    clear = 1 << minimum
    lengths = [1] * clear + [0] * (4096 - clear)
    size, next_code, previous = minimum + 1, clear + 2, -1
    produced = buffer = bits = 0
    for byte in stream:
        buffer |= byte << bits
        bits += 8
        while bits >= size:
            code = buffer & ((1 << size) - 1)
            buffer >>= size
            bits -= size
            if code == clear:
                size, next_code, previous = minimum + 1, clear + 2, -1
                continue
            if code == clear + 1:
                return produced
            if previous < 0:
                if code >= clear:
                    raise DamagedImage(f"damaged GIF: LZW code {code} before any string")
                length = 1
            elif code < next_code:
                length = lengths[code]
            elif code == next_code:
                length = lengths[previous] + 1
            else:
                raise DamagedImage(f"damaged GIF: LZW code {code} is not yet defined")
            if previous >= 0 and next_code < 4096:
                lengths[next_code] = lengths[previous] + 1
                next_code += 1
                if next_code == 1 << size and size < 12:
                    size += 1
            produced += length
            previous = code
            if produced >= enough:
                return produced
    return produced


def read_jpeg(
    data: bytes, colorspace: str, scale: int, size: tuple[int, int]
) -> npt.NDArray[np.uint8] | None:
    """JPEG pixels from libjpeg-turbo, at 1/``scale`` in the DCT domain; None when it cannot read this file.

    The same library as Pillow's, decoding the same way, so the pixels are Pillow's; but it reports libjpeg's
    warnings. A warning of missing or damaged data is an error; another warning (stray bytes between segments)
    gets the pixels anyway; a file it cannot read at all returns None, for Pillow to try.

    Args:
        data: the whole file.
        colorspace: ``RGB``, ``GRAY`` or ``CMYK`` (simplejpeg's names).
        scale: 1, 2, 4 or 8.
        size: the image's width and height, as its header declares them.

    Raises:
        DamagedImage: libjpeg says data is missing or damaged.
    """
    width, height = size
    # The smallest size at least 1/scale of each side, and no larger than that: exactly 1/scale.
    shape = {"min_factor": scale, "min_width": -(-width // scale), "min_height": -(-height // scale)}
    try:
        pixels: npt.NDArray[np.uint8] = simplejpeg.decode_jpeg(
            data, colorspace=colorspace, strict=True, **shape
        )
    except ValueError as error:
        message = str(error)
    else:
        return pixels
    if any(sign in message.lower() for sign in _JPEG_DAMAGE):
        raise DamagedImage(f"truncated or damaged JPEG data: {message}")
    try:
        pixels = simplejpeg.decode_jpeg(data, colorspace=colorspace, strict=False, **shape)
    except ValueError:
        return None
    return pixels
