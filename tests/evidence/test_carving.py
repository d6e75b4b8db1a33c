"""Carving: files recovered from noise at their exact offsets and lengths, and nothing that is not a file."""

from __future__ import annotations

import random
import zlib

import pytest
from PIL import features

from tests.evidence.thumbnails import camera_jpeg, encode, photo, smallest_video
from warden.evidence.base import Step
from warden.evidence.carving import Carved, Reader, carve, carved_items
from warden.model.states import State


def reader(blob: bytes) -> Reader:
    return lambda offset, length: blob[offset : offset + length]


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    """One file of every carved format, from a benign photo and the smallest benign clip."""
    image = photo(1, (320, 240))
    return {
        "jpeg": camera_jpeg(0)[0],  # with an EXIF thumbnail, a whole JPEG inside the outer one
        "progressive": encode(image, "JPEG", quality=70, progressive=True),
        "png": encode(image, "PNG"),
        "gif": encode(image, "GIF"),
        "animated": _animated_gif(),
        "webp": encode(image, "WEBP", quality=60),
        "lossless": encode(image.resize((64, 48)), "WEBP", lossless=True),
        "mp4": smallest_video(),
        **({"avif": encode(image, "AVIF", quality=50)} if features.check("avif") else {}),
    }


def _animated_gif() -> bytes:
    frames = [photo(index, (48, 32)) for index in range(3)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


_FORMAT = {"progressive": "jpeg", "animated": "gif", "lossless": "webp", "avif": "heif"}


def _layout(files: dict[str, bytes], rng: random.Random, *noise: bytes) -> tuple[bytes, list[Carved]]:
    """Noise with every file at a random gap; returns the blob and the files as the carver must give them."""
    blob = bytearray(rng.randbytes(777))
    expected = []
    for name, data in files.items():
        expected.append(Carved(len(blob), len(data), _FORMAT.get(name, name)))
        blob += data
        blob += rng.choice(noise) if noise else rng.randbytes(rng.randrange(1, 5000))
    return bytes(blob), expected


def test_every_file_is_carved_at_its_offset_with_its_bytes(files: dict[str, bytes]) -> None:
    blob, expected = _layout(files, random.Random(1))
    hits = list(carve(reader(blob), 0, len(blob)))
    assert hits == expected
    originals = list(files.values())
    for hit, original in zip(hits, originals, strict=True):
        assert blob[hit.offset : hit.offset + hit.length] == original


def test_a_thumbnail_inside_a_jpeg_does_not_end_it_early(files: dict[str, bytes]) -> None:
    jpeg = files["jpeg"]
    assert jpeg.count(b"\xff\xd9") >= 2  # the thumbnail's EOI comes first
    assert list(carve(reader(jpeg), 0, len(jpeg))) == [Carved(0, len(jpeg), "jpeg")]


def test_files_straddling_chunk_boundaries_are_found(files: dict[str, bytes]) -> None:
    rng = random.Random(2)
    mib = 1 << 20
    # Headers cut by the 1 MiB chunk edge at every byte of the signature, and files running across it.
    placements = {
        mib - 2: "png",
        2 * mib - 5: "mp4",
        3 * mib - 1: "jpeg",
        4 * mib - 10: "webp",
        5 * mib - 3: "gif",
    }
    blob = bytearray(rng.randbytes(6 * mib))
    for at, name in placements.items():
        blob[at : at + len(files[name])] = files[name]
    hits = list(carve(reader(bytes(blob)), 0, len(blob)))
    assert hits == [Carved(at, len(files[name]), name) for at, name in placements.items()]


def test_truncated_files_give_nothing(files: dict[str, bytes]) -> None:
    rng = random.Random(3)
    blob = bytearray(rng.randbytes(4000))
    # Formats with an end marker are cut short and followed by noise.
    for name in ("progressive", "png", "gif", "animated"):
        blob += files[name][: len(files[name]) * 2 // 3] + rng.randbytes(3000)
    # WebP and MP4 end where their sizes say (no end marker): cut short, they run past the area's end.
    for name in [name for name in ("webp", "lossless", "mp4", "avif") if name in files]:
        blob += rng.randbytes(100)
        cut = bytes(blob) + files[name][: len(files[name]) - 1]
        assert list(carve(reader(cut), 0, len(cut))) == []
    assert list(carve(reader(bytes(blob)), 0, len(blob))) == []


def test_false_headers_in_noise_give_nothing() -> None:
    rng = random.Random(4)
    blob = bytearray()
    for _ in range(500):
        blob += rng.choice([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF", b"\0\0\0\x18ftyp"])
        blob += rng.randbytes(rng.randrange(50, 500))
    assert list(carve(reader(bytes(blob)), 0, len(blob))) == []


def test_the_thumbnail_of_a_truncated_photo_is_still_carved() -> None:
    jpeg, thumbnail, at = camera_jpeg(2)
    blob = b"\0" * 100 + jpeg[: len(jpeg) // 2] + b"\0" * 100
    assert list(carve(reader(blob), 0, len(blob))) == [Carved(100 + at, len(thumbnail), "jpeg")]


def test_a_file_cut_by_the_end_of_the_area_is_skipped(files: dict[str, bytes]) -> None:
    png = files["png"]
    blob = b"\0" * 100 + png + b"\0" * 100 + files["gif"] + b"\0" * 100
    gif_at = 200 + len(png)
    assert list(carve(reader(blob), 0, gif_at - 50)) == [Carved(100, len(png), "png")]
    assert list(carve(reader(blob), 101, len(blob))) == [Carved(gif_at, len(files["gif"]), "gif")]


def test_a_file_longer_than_max_length_is_skipped_and_the_next_found(files: dict[str, bytes]) -> None:
    png, gif = files["png"], files["gif"]
    blob = png + b"\0" * 10 + gif
    hits = list(carve(reader(blob), 0, len(blob), max_length=len(gif) + 1))
    assert hits == [Carved(len(png) + 10, len(gif), "gif")]


def test_a_broken_header_does_not_hide_the_file_behind_it(files: dict[str, bytes]) -> None:
    jpeg = files["progressive"]
    # A JPEG header whose first segment length reaches into the real JPEG right behind it.
    blob = b"\xff\xd8\xff\xe0\x00\x10" + jpeg + b"\0" * 64
    assert list(carve(reader(blob), 0, len(blob))) == [Carved(6, len(jpeg), "jpeg")]


def test_hits_do_not_overlap(files: dict[str, bytes]) -> None:
    # A PNG whose text chunk holds a whole GIF: the GIF is part of the PNG, not a file of its own.
    png = files["png"]
    gif = files["gif"][:300]
    chunk = b"tEXt" + b"note\0" + gif
    inner = len(chunk) - 4
    chunk = inner.to_bytes(4, "big") + chunk + zlib.crc32(chunk).to_bytes(4, "big")
    crafted = png[:33] + chunk + png[33:]
    assert list(carve(reader(crafted), 0, len(crafted))) == [Carved(0, len(crafted), "png")]


def test_an_mp4_needs_its_movie_box() -> None:
    ftyp = b"\0\0\0\x18ftypisom\0\0\0\0isomavc1"
    mdat = b"\0\0\0\x10mdat" + b"\x01" * 8
    moov = b"\0\0\0\x10moov" + b"\x02" * 8
    assert list(carve(reader(ftyp + mdat + b"\xaa" * 64), 0, 200)) == []
    blob = ftyp + mdat + moov + b"\xaa" * 64
    assert list(carve(reader(blob), 0, len(blob))) == [Carved(0, len(ftyp + mdat + moov), "mp4")]


def test_a_heic_photo_is_carved() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    heic = encode(photo(3, (160, 120)), "HEIF")
    blob = b"\x01" * 999 + heic + b"\x02" * 999
    assert list(carve(reader(blob), 0, len(blob))) == [Carved(999, len(heic), "heif")]


def test_hostile_nested_headers_end(files: dict[str, bytes]) -> None:
    # Every comment segment holds another JPEG header whose comment joins the outer chain of segments.
    blob = bytes.fromhex("FFFE0008FFD8FFFE0002") * 30_000 + files["jpeg"]
    hits = list(carve(reader(blob), 0, len(blob)))
    assert hits == [Carved(300_000, len(files["jpeg"]), "jpeg")]


def test_carved_items_carry_offsets_and_read_their_bytes(files: dict[str, bytes]) -> None:
    blob = b"\x00" * 4096 + files["png"] + b"\x00" * 512 + files["gif"]
    parent = (Step("file", "disk.dd"), Step("partition", "p1"))
    items = list(carved_items(parent, reader(blob), [(0, 2048, "slack"), (2048, len(blob), "unallocated")]))
    assert [item.path for item in items] == [
        "disk.dd//p1//unallocated@0x1000.png",
        f"disk.dd//p1//unallocated@{4096 + len(files['png']) + 512:#x}.gif",
    ]
    first = items[0]
    assert first.state is State.CARVED
    assert first.size == len(files["png"])
    assert first.steps[-1].detail == {
        "offset": 4096,
        "length": len(files["png"]),
        "area": "unallocated",
        "format": "png",
    }
    with first.open() as stream:
        assert stream.read() == files["png"]
