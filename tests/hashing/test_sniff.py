"""Media type comes from the magic bytes, whatever the file is called."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from tests.media import media
from warden.hashing.sniff import HEAD_BYTES, SIGNATURES, register, sniff
from warden.model.hashes import Media
from warden.registry import DuplicateNameError


def _image_bytes(fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 40, 90)).save(buffer, fmt, **params)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("pillow_format", "expected"),
    [
        ("JPEG", "jpeg"),
        ("PNG", "png"),
        ("GIF", "gif"),
        ("WEBP", "webp"),
        ("TIFF", "tiff"),
        ("BMP", "bmp"),
        ("ICO", "ico"),
        ("JPEG2000", "jp2"),
        ("AVIF", "avif"),
    ],
)
def test_still_formats_written_by_pillow_are_stills(pillow_format: str, expected: str) -> None:
    sniffed = sniff(_image_bytes(pillow_format)[:HEAD_BYTES])
    assert (sniffed.media, sniffed.format) == (Media.STILL, expected)


def test_heic_is_a_still() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    assert sniff(_image_bytes("HEIF")) == sniff(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")
    assert sniff(_image_bytes("HEIF")).format == "heic"


def test_sample_videos_are_movies() -> None:
    for clip in sorted(media("videos").glob("*.mp4")):
        with clip.open("rb") as stream:
            sniffed = sniff(stream.read(HEAD_BYTES))
        assert (sniffed.media, sniffed.format) == (Media.MOVIE, "mp4"), clip.name


def _ebml(doctype: bytes) -> bytes:
    return (
        b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82"
        + bytes([0x80 | len(doctype)])
        + doctype
        + b"\x00" * 16
    )


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  ", "mov"),
        (b"\x00\x00\x00\x08wide\x00\x12\x34\x56mdat", "mov"),
        (b"\x00\x00\x00\x18ftyp3gp4\x00\x00\x02\x00isom3gp4", "3gp"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomavc1", "mp4"),
        (b"RIFF\x10\x00\x00\x00AVI LIST", "avi"),
        (_ebml(b"matroska"), "mkv"),
        (_ebml(b"webm"), "webm"),
        (b"FLV\x01\x05\x00\x00\x00\x09", "flv"),
        (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9\x00\xaa\x00\x62\xce\x6c", "wmv"),
        (b"\x00\x00\x01\xba\x44\x00\x04\x00\x04\x01", "mpeg"),
        ((b"\x47" + b"\x00" * 187) * 4, "mpeg-ts"),
        (b"OggS\x00\x02" + b"\x00" * 22 + b"\x80theora", "ogv"),
    ],
)
def test_video_containers_are_movies(head: bytes, expected: str) -> None:
    assert (sniff(head).media, sniff(head).format) == (Media.MOVIE, expected)


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"hello, this is text\n",
        b"BMxx not really a bitmap",
        b"\x00\x00\x00\x18ftypM4A \x00\x00\x02\x00M4A isom",  # audio in an MP4 container
        b"OggS\x00\x02" + b"\x00" * 22 + b"\x01vorbis",  # audio in Ogg
        b"PK\x03\x04",
    ],
)
def test_other_content_is_other(head: bytes) -> None:
    assert sniff(head).media is Media.OTHER


def test_avif_is_not_taken_for_heic_or_mp4() -> None:
    head = b"\x00\x00\x00\x20ftypavif\x00\x00\x00\x00avifmif1miafMA1B"
    assert sniff(head).format == "avif"


def test_a_second_signature_for_a_format_is_refused() -> None:
    with pytest.raises(DuplicateNameError):
        register("jpeg", Media.STILL, lambda head: False)
    assert "jpeg" in SIGNATURES


# --- issue 8, point 11: an icon is a real icon directory, not four bytes that start one ------------------


@pytest.mark.parametrize("bitmap_format", ["png", "bmp"])
def test_icons_with_several_sizes_are_icons(bitmap_format: str) -> None:
    buffer = io.BytesIO()
    image = Image.new("RGBA", (64, 64), (200, 40, 90, 255))
    image.save(buffer, "ICO", sizes=[(16, 16), (32, 32), (64, 64)], bitmap_format=bitmap_format)
    data = buffer.getvalue()
    assert sniff(data[:HEAD_BYTES]).format == "ico"
    assert sniff(data[:HEAD_BYTES] + bytes(HEAD_BYTES)).format == "ico"  # longer than its head


def counters(count: int) -> bytes:
    """Little-endian 16-bit counters 0, 1, 2...: how NTFS's $UpCase (and many tables) start."""
    return b"".join(value.to_bytes(2, "little") for value in range(count))


def icon(
    planes: int = 1, size: int = 40, offset: int = 22, data: bytes = (40).to_bytes(4, "little")
) -> bytes:
    """A one-image icon directory (16x16, 32 bits) followed by ``data`` and padding."""
    entry = bytes([16, 16, 0, 0]) + struct.pack("<HHII", planes, 32, size, offset)
    return b"\x00\x00\x01\x00\x01\x00" + entry + data + bytes(40 - len(data))


def test_a_plausible_icon_directory_is_an_icon() -> None:
    assert sniff(icon()).format == "ico"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(counters(65536), id="$UpCase-like table of counters"),
        pytest.param(counters(300), id="the same table, short"),
        pytest.param(b"\x00\x00\x01\x00\x01\x00", id="an icon header and nothing after it"),
        pytest.param(icon(planes=5), id="five colour planes"),
        pytest.param(icon(offset=6), id="image data inside the directory"),
        pytest.param(icon(size=4000), id="image data past the end of the file"),
        pytest.param(icon(data=b"GIF89a"), id="neither a PNG nor a bitmap at the offset"),
    ],
)
def test_tables_that_start_like_an_icon_are_not_icons(data: bytes) -> None:
    assert sniff(data[:HEAD_BYTES]).format != "ico"
