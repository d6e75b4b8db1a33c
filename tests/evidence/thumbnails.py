"""Builders for the carving and thumbnail tests: images from the benign photos, and the files that hold them.

Everything is made in the test from ``../shared/media``: JPEG, PNG, GIF and WebP encodings of a photo, a
JPEG whose EXIF block carries a thumbnail (the APP1 segment is written by hand: Pillow does not write IFD1
thumbnails), a Windows XP ``Thumbs.db`` (an OLE compound file made by ``gsf createole`` from libgsf-bin)
and ``thumbcache_*.db`` files laid out as ``warden.evidence.thumbcache`` documents them.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from tests.media import media
from warden.evidence.thumbcache import crc64

PHOTOS = ("n01440764_tench.jpg", "n01443537_goldfish.jpg", "n02127052_lynx.jpg", "n07745940_strawberry.jpg")
"""Benign photos the tests encode, by index."""


def photo(index: int = 0, size: tuple[int, int] | None = None) -> Image.Image:
    """One of :data:`PHOTOS` as RGB pixels, resized when ``size`` is given."""
    with Image.open(media("photos", PHOTOS[index])) as opened:
        image = opened.convert("RGB")
    return image.resize(size) if size else image


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    """``image`` saved in ``fmt`` (``JPEG``, ``PNG``, ``GIF``, ``WEBP``) by Pillow."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def smallest_video() -> bytes:
    """The bytes of the smallest benign MP4 clip."""
    clips = sorted(media("videos").glob("*.mp4"), key=lambda path: path.stat().st_size)
    return clips[0].read_bytes()


# --- EXIF thumbnails ---------------------------------------------------------------------------------------


def ifd(order: str, entries: list[tuple[int, int, int, int]], next_ifd: int) -> bytes:
    """A TIFF IFD: entries of (tag, type, count, value) with inline values, then the next IFD's offset."""
    body = struct.pack(order + "H", len(entries))
    for tag, kind, count, value in entries:
        if kind == 3:  # SHORT, left-justified in the 4-byte value field
            body += struct.pack(order + "HHIHH", tag, kind, count, value, 0)
        else:
            body += struct.pack(order + "HHII", tag, kind, count, value)
    return body + struct.pack(order + "I", next_ifd)


def exif_app1(thumbnail: bytes, *, big_endian: bool = False) -> tuple[bytes, int]:
    """An APP1 Exif segment whose IFD1 points at ``thumbnail``, and where the thumbnail starts in it."""
    order = ">" if big_endian else "<"
    header = (b"MM" if big_endian else b"II") + struct.pack(order + "HI", 42, 8)
    ifd0_size = 2 + 12 + 4
    ifd1_at = 8 + ifd0_size
    ifd1_size = 2 + 3 * 12 + 4
    thumb_at = ifd1_at + ifd1_size
    ifd0 = ifd(order, [(0x0112, 3, 1, 1)], ifd1_at)  # Orientation: normal
    ifd1 = ifd(order, [(0x0103, 3, 1, 6), (0x0201, 4, 1, thumb_at), (0x0202, 4, 1, len(thumbnail))], 0)
    tiff = header + ifd0 + ifd1 + thumbnail
    payload = b"Exif\x00\x00" + tiff
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return segment, 4 + 6 + thumb_at


def with_exif_thumbnail(jpeg: bytes, thumbnail: bytes, *, big_endian: bool = False) -> tuple[bytes, int]:
    """``jpeg`` with an EXIF block holding ``thumbnail`` after its SOI, and the thumbnail's offset in it."""
    segment, at = exif_app1(thumbnail, big_endian=big_endian)
    return jpeg[:2] + segment + jpeg[2:], 2 + at


def camera_jpeg(index: int = 0, *, big_endian: bool = False) -> tuple[bytes, bytes, int]:
    """A photo as a JPEG with a 160x120 EXIF thumbnail of itself: (file, thumbnail, thumbnail offset)."""
    image = photo(index)
    thumbnail = encode(image.resize((160, 120)), "JPEG", quality=75)
    jpeg, at = with_exif_thumbnail(encode(image, "JPEG", quality=85), thumbnail, big_endian=big_endian)
    return jpeg, thumbnail, at


# --- Thumbs.db (Windows XP) --------------------------------------------------------------------------------

_EPOCH_AS_FILETIME = 116_444_736_000_000_000


def filetime(when: datetime) -> int:
    """A Windows FILETIME (100 ns ticks since 1601) for ``when``."""
    return _EPOCH_AS_FILETIME + int(when.timestamp() * 10_000_000)


@dataclass(frozen=True)
class Thumb:
    """One thumbnail of a Thumbs.db: its catalog index, original file name and time, and stream bytes."""

    index: int
    name: str
    mtime: datetime
    jpeg: bytes


def catalog(thumbs: list[Thumb], *, width: int = 96, height: int = 96) -> bytes:
    """A Thumbs.db ``Catalog`` stream listing ``thumbs``."""
    entries = b""
    for thumb in thumbs:
        name = thumb.name.encode("utf-16-le") + b"\x00\x00\x00\x00"
        entries += struct.pack("<IIQ", 16 + len(name), thumb.index, filetime(thumb.mtime)) + name
    return struct.pack("<HHIII", 16, 7, len(thumbs), width, height) + entries


def thumbnail_stream(jpeg: bytes, index: int = 1) -> bytes:
    """A Thumbs.db thumbnail stream: a 12-byte header (its size, the index, the data size), then the JPEG."""
    return struct.pack("<III", 12, index, len(jpeg)) + jpeg


def stream_name(index: int) -> str:
    """The stream name Windows XP gives thumbnail ``index``: its decimal digits reversed."""
    return str(index)[::-1]


def compound_file(folder: Path, streams: dict[str, bytes]) -> bytes:
    """An OLE compound file holding ``streams`` (name to bytes), made by ``gsf createole``."""
    gsf = shutil.which("gsf")
    if gsf is None:
        pytest.skip("gsf not found: apt-get install libgsf-bin")
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for name, data in streams.items():
        (folder / name).write_bytes(data)
        names.append(name)
    out = folder / "Thumbs.db"
    # gsf names each stream after the file's base name, so the streams are written from inside the folder.
    subprocess.run([gsf, "createole", out.name, *names], cwd=folder, check=True, capture_output=True)
    return out.read_bytes()


def thumbs_db(folder: Path, thumbs: list[Thumb], extra: dict[str, bytes] | None = None) -> bytes:
    """A Windows XP Thumbs.db with a catalog of ``thumbs`` and one stream per thumbnail (plus ``extra``)."""
    streams = {"Catalog": catalog(thumbs)}
    for thumb in thumbs:
        streams[stream_name(thumb.index)] = thumbnail_stream(thumb.jpeg, thumb.index)
    streams.update(extra or {})
    return compound_file(folder, streams)


XP_TIME = datetime(2006, 5, 4, 3, 2, 1, tzinfo=UTC)


# --- thumbcache_*.db (Windows Vista to 11) -----------------------------------------------------------------


@dataclass(frozen=True)
class CacheEntry:
    """One thumbcache entry: its hash, identifier string and image data."""

    entry_hash: int
    data: bytes
    identifier: str = ""
    padding: int = 0


def cache_entry(version: int, entry: CacheEntry) -> bytes:
    """One ``CMMM`` entry of a thumbcache file of ``version`` (0x14 Vista, 0x15 Windows 7, 0x1A and later)."""
    ident = entry.identifier.encode("utf-16-le")
    sizes = (len(ident), entry.padding, len(entry.data))
    if version == 0x14:
        head = "jpg".encode("utf-16-le").ljust(8, b"\x00") + struct.pack("<IIII", *sizes, 0)
    elif version == 0x15:
        head = struct.pack("<IIII", *sizes, 0)
    else:
        head = struct.pack("<IIIIII", *sizes, 96, 96, 0)
    header_size = 8 + 8 + len(head) + 16
    total = header_size + sum(sizes)
    start = b"CMMM" + struct.pack("<IQ", total, entry.entry_hash) + head
    start += struct.pack("<Q", _data_checksum(entry.data))
    start += struct.pack("<Q", crc64(start, 0xFFFFFFFFFFFFFFFF))
    return start + ident + b"\x00" * entry.padding + entry.data


def _data_checksum(data: bytes) -> int:
    if len(data) <= 1024:
        return crc64(data, 0)
    rest = data[1024:]
    sampled = b"".join(rest[at : at + 4] for at in range(0, len(rest), 400))
    return crc64(data[:1024], 0) ^ crc64(sampled, 0)


def thumbcache(version: int, entries: list[CacheEntry], *, cache_type: int = 4, tail: bytes = b"") -> bytes:
    """A thumbcache file of ``version`` holding ``entries``, then ``tail``."""
    body = b"".join(cache_entry(version, entry) for entry in entries)
    if version == 0x1C:
        header = b"CMMM" + struct.pack("<IIIIII", version, cache_type, 0, 28, 28 + len(body), len(entries))
    elif version in (0x14, 0x15, 0x1A):
        header = b"CMMM" + struct.pack("<IIIII", version, cache_type, 24, 24 + len(body), len(entries))
    else:
        header = b"CMMM" + struct.pack("<IIIII", version, cache_type, 0, 24, 24 + len(body))
    return header + body + tail
