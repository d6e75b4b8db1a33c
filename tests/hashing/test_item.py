"""hash_file: one JSON-ready record per file, with every problem recorded as data and nothing printed."""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from tests.media import media
from warden.hashing.item import FileHashes, HashOptions, hash_file
from warden.hashing.pdq import pdq_distance
from warden.model.hashes import Media
from warden.model.records import ItemError

JSON_FIELDS = {
    "path", "media", "format", "size", "md5", "sha1", "sha256", "pdq", "pdq_quality", "pdq_method",
    "width", "height", "animated", "pdq_variants", "borders", "vpdq", "errors",
}  # fmt: skip


def _photo() -> Image.Image:
    return Image.open(media("photos", "n01530575_brambling.jpg")).convert("RGB")


def _assert_digests(hashes: FileHashes, path: Path) -> None:
    content = path.read_bytes()
    assert hashes.md5 == hashlib.md5(content).hexdigest()
    assert hashes.sha1 == hashlib.sha1(content).hexdigest()
    assert hashes.sha256 == hashlib.sha256(content).hexdigest()
    assert hashes.size == len(content)


def test_a_photo_gets_digests_pdq_and_variants() -> None:
    path = media("pdq-reference", "bridge-mods", "aaa-orig.jpg")
    hashes = hash_file(path)
    record = hashes.to_json()
    assert set(record) == JSON_FIELDS
    assert json.loads(json.dumps(record)) == record
    assert record["media"] == "still"
    assert record["format"] == "jpeg"
    assert record["md5"] == "d35c785545392755e7e4164457657269"
    assert (record["width"], record["height"]) == (1600, 1004)
    assert record["pdq_quality"] == 100
    assert record["pdq_variants"][0] == {"variant": "original", "pdq": record["pdq"], "quality": 100}
    assert len(record["pdq_variants"]) == 8
    assert record["vpdq"] is None and record["errors"] == [] and record["borders"] is None
    _assert_digests(hashes, path)
    assert hashes.pdq_matchable


def test_media_comes_from_the_bytes_not_the_name(tmp_path: Path) -> None:
    disguised = tmp_path / "notes.txt"
    _photo().save(disguised, "JPEG")
    text = tmp_path / "holiday.jpg"
    text.write_text("just some text\n")
    assert hash_file(disguised).media is Media.STILL
    assert hash_file(disguised).pdq is not None
    plain = hash_file(text)
    assert (plain.media, plain.format, plain.pdq, plain.errors) == (Media.OTHER, None, None, [])
    _assert_digests(plain, text)


def _png_declaring(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("case", "stage", "fragment"),
    [
        ("truncated", "decode", ""),
        ("corrupt", "decode", ""),
        ("bomb", "decode", "max_image_pixels"),
        ("too big", "decode", "max_image_bytes"),
    ],
)
def test_broken_items_are_errors_with_digests(
    case: str, stage: str, fragment: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "item.jpg"
    jpeg = tmp_path / "whole.jpg"
    _photo().save(jpeg, "JPEG")
    content = {
        "truncated": jpeg.read_bytes()[:3000],
        "corrupt": jpeg.read_bytes()[:600] + bytes(range(256)) * 40,
        "bomb": _png_declaring(60_000, 60_000),
        "too big": jpeg.read_bytes(),
    }[case]
    path.write_bytes(content)
    options = HashOptions(max_image_bytes=1000) if case == "too big" else HashOptions()
    hashes = hash_file(path, options)
    assert [error.stage for error in hashes.errors] == [stage]
    assert fragment in hashes.errors[0].message
    assert hashes.pdq is None and hashes.pdq_variants == []
    _assert_digests(hashes, path)
    assert capfd.readouterr() == ("", "")


def test_a_zero_byte_file_is_a_fact_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    hashes = hash_file(path)
    assert (hashes.size, hashes.errors, hashes.pdq, hashes.media) == (0, [], None, Media.OTHER)
    _assert_digests(hashes, path)


def test_random_bytes_are_other_without_error(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(bytes(range(7, 256)) * 100)
    hashes = hash_file(path)
    assert (hashes.media, hashes.errors) == (Media.OTHER, [])
    _assert_digests(hashes, path)


def test_unreadable_paths_are_errors(tmp_path: Path) -> None:
    assert hash_file(tmp_path / "missing.jpg").errors[0] == ItemError(
        "read", "cannot read the file: No such file or directory"
    )
    assert hash_file(tmp_path).errors[0].stage == "read"
    assert hash_file(tmp_path).md5 is None


def test_fast_and_exact_modes_on_a_big_jpeg(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    _photo().resize((2400, 1800)).save(path, quality=90)
    fast = hash_file(path)
    exact = hash_file(path, HashOptions(exact_pdq=True))
    assert (fast.pdq_method, exact.pdq_method) == ("fast", "exact")
    assert (fast.width, fast.height) == (exact.width, exact.height) == (2400, 1800)
    assert fast.pdq is not None and exact.pdq is not None
    assert pdq_distance(fast.pdq, exact.pdq) <= 10
    assert fast.md5 == exact.md5


def test_bordered_photo_gets_trimmed_variants_and_full_size_borders(tmp_path: Path) -> None:
    photo = _photo().resize((2000, 1500))
    framed = Image.new("RGB", (2000, 2100), "black")
    framed.paste(photo, (0, 300))
    path = tmp_path / "letterboxed.jpg"
    framed.save(path, quality=90)
    hashes = hash_file(path)
    assert hashes.borders is not None
    assert abs(hashes.borders.top - 300) <= 4 and abs(hashes.borders.bottom - 300) <= 4
    assert [variant.variant for variant in hashes.pdq_variants][8:10] == ["trimmed", "trimmed+rotate90"]
    assert len(hashes.pdq_variants) == 16
    assert hash_file(path, HashOptions(variants=False)).pdq_variants == []


@pytest.mark.slow
def test_animated_gif_hashes_its_first_frame(tmp_path: Path) -> None:
    path = tmp_path / "moving.gif"
    first = _photo()
    first.save(path, save_all=True, append_images=[first.rotate(90)], duration=100)
    hashes = hash_file(path)
    assert hashes.animated
    assert hashes.format == "gif"
    assert hashes.pdq is not None


@pytest.mark.slow
def test_heic_is_hashed(tmp_path: Path) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    path = tmp_path / "photo.heic"
    _photo().save(path, "HEIF")
    hashes = hash_file(path)
    assert (hashes.media, hashes.format, hashes.errors) == (Media.STILL, "heic", [])
    assert hashes.pdq_quality is not None and hashes.pdq_quality >= 50


def test_a_video_gets_vpdq_frames() -> None:
    pytest.importorskip("vpdq")
    path = media("videos", "doorknob-hd-no-bar.mp4")
    hashes = hash_file(path)
    assert (hashes.media, hashes.format, hashes.errors) == (Media.MOVIE, "mp4", [])
    assert hashes.vpdq is not None and len(hashes.vpdq) == 4
    assert hashes.to_json()["vpdq"][1] == {
        "pdq": hashes.vpdq[1].pdq,
        "quality": hashes.vpdq[1].quality,
        "timestamp": 1.0,
    }
    assert hash_file(path, HashOptions(video=False)).vpdq is None


def test_limits_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARDEN_MAX_IMAGE_BYTES", "1234")
    monkeypatch.setenv("WARDEN_MAX_IMAGE_PIXELS", "5678")
    monkeypatch.setenv("WARDEN_VPDQ_SECONDS_PER_HASH", "0.5")
    options = HashOptions()
    from_settings = (options.max_image_bytes, options.max_image_pixels, options.vpdq_seconds_per_hash)
    assert from_settings == (1234, 5678, 0.5)
    monkeypatch.setenv("WARDEN_VPDQ_SECONDS_PER_HASH", "often")
    with pytest.raises(ValueError, match="WARDEN_VPDQ_SECONDS_PER_HASH"):
        HashOptions()


@pytest.mark.slow
def test_a_heic_copy_is_hashed_and_matches_its_jpeg(tmp_path: Path) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    photo = media("photos", "n01440764_tench.jpg")
    copy = tmp_path / "IMG_0001.HEIC"
    Image.open(photo).save(copy, format="HEIF", quality=85)
    heic = hash_file(copy)
    assert (heic.media.value, heic.format, heic.errors) == ("still", "heic", [])
    assert heic.pdq is not None
    listed = hash_file(photo, HashOptions(exact_pdq=True))
    assert listed.pdq is not None
    assert pdq_distance(heic.pdq, listed.pdq) <= 31
