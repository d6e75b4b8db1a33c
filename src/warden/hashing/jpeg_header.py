"""What a JPEG's header says before its pixels: size and colours (from libjpeg-turbo, through ``simplejpeg``),
the EXIF orientation, and whether it is a multi-picture file; for JPEGs decoded without Pillow.

Pillow's JPEG plug-in and ``Image`` cost about 20 ms to import, a seventh of ``warden hash`` on one photo,
and the common JPEG needs nothing of Pillow: libjpeg-turbo decodes it. Only the EXIF orientation (tag 0x0112
in the first IFD of the first ``Exif`` APP1 segment, read as Pillow's ``getexif`` reads it) is looked up
here, in a bounded walk of the segments before the scan data. Anything else (CMYK or YCCK, an Adobe or
multi-picture (MPO) file, an orientation only in XMP, a header this walk does not follow) gives None and is
left to Pillow, which reads it as before.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import simplejpeg

ORIENTATION_TAG = 0x0112
MAX_SEGMENTS = 256
"""Most segments walked before the scan data; a header with more is left to Pillow."""

_MODES = {"Gray": "L", "YCbCr": "RGB", "RGB": "RGB"}
"""libjpeg-turbo's colour spaces decoded here, as Pillow's modes; others are Pillow's to read."""

_NO_LENGTH = {0x01, *range(0xD0, 0xD8)}
"""Markers without a length: TEM and the restart markers."""


@dataclass(frozen=True, slots=True)
class JpegHeader:
    """A JPEG's width, height, Pillow mode (``L`` or ``RGB``) and EXIF orientation (1 when none)."""

    width: int
    height: int
    mode: str
    orientation: int


def read_header(data: bytes) -> JpegHeader | None:
    """The header of a JPEG decoded without Pillow, or None when it is one Pillow should read.

    Never raises: damaged data gives None, and Pillow then says what is wrong.
    """
    try:
        height, width, colorspace, _ = simplejpeg.decode_jpeg_header(data)
        mode = _MODES.get(colorspace)
        if mode is None or width <= 0 or height <= 0:
            return None
        segments = _segments(data)
    except (ValueError, IndexError, struct.error):
        return None
    if segments is None:
        return None
    exif, plain, xmp = segments
    orientation = _orientation(exif) if exif is not None else 1
    # Pillow takes the orientation from XMP when EXIF has none: such a file is Pillow's to read.
    if not plain or orientation is None or (xmp and (exif is None or _orientation(exif, 0) == 0)):
        return None
    return JpegHeader(width, height, mode, orientation)


def _segments(data: bytes) -> tuple[bytes | None, bool, bool] | None:
    """The first EXIF APP1 payload (after ``Exif\\0\\0``), whether the file is plain (no multi-picture
    APP2, no Adobe APP14), and whether it has XMP; None when the walk does not reach the scan data."""
    if data[:2] != b"\xff\xd8":
        return None
    position, exif, plain, xmp = 2, None, True, False
    for _ in range(MAX_SEGMENTS):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in _NO_LENGTH:
            position += 2
            continue
        if marker == 0xDA:  # start of scan: the header is over
            return exif, plain, xmp
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        payload = data[position + 4 : position + 2 + length]
        if length < 2 or len(payload) != length - 2:
            return None
        if marker == 0xE1 and exif is None and payload.startswith(b"Exif\0\0"):
            exif = payload[6:]
        elif marker == 0xE1 and payload.startswith(b"http://ns.adobe.com/xap/1.0/"):
            xmp = True
        elif (marker == 0xE2 and payload.startswith(b"MPF\0")) or (
            marker == 0xEE and payload.startswith(b"Adobe")
        ):
            plain = False
        position += 2 + length
    return None


def _orientation(tiff: bytes, absent: int = 1) -> int | None:
    """Tag 0x0112 of the first IFD of a TIFF-structured EXIF block, as Pillow's ``getexif`` reads it:
    ``absent`` when the block has none or cannot be read; None when it holds the tag in a form this reading
    does not take (not one SHORT or LONG), for Pillow to read."""
    try:
        order = {b"II": "<", b"MM": ">"}[tiff[:2]]
        (magic, offset) = struct.unpack(order + "HI", tiff[2:8])
        if magic != 42:
            return absent
        (count,) = struct.unpack(order + "H", tiff[offset : offset + 2])
        for index in range(count):
            entry = tiff[offset + 2 + 12 * index : offset + 14 + 12 * index]
            tag, kind, number = struct.unpack(order + "HHI", entry[:8])
            if tag != ORIENTATION_TAG:
                continue
            if number != 1 or kind not in (3, 4):
                return None
            (value,) = struct.unpack(order + ("H" if kind == 3 else "I"), entry[8 : 10 if kind == 3 else 12])
            return int(value)
    except (KeyError, struct.error):
        return absent
    return absent
