"""thumbcache_*.db: every cached thumbnail comes out by its entry hash; damage is a problem, never a hang."""

from __future__ import annotations

import io
import random
import struct

import pytest

from tests.evidence.thumbnails import CacheEntry, cache_entry, encode, photo, thumbcache
from warden.evidence.base import HEAD_BYTES, Item, Limits, Step
from warden.evidence.thumbcache import LAYOUTS, ThumbcacheContainer, crc64
from warden.model.states import State

CONTAINER = ThumbcacheContainer()
PARENT = Item((Step("file", "AppData/Local/Microsoft/Windows/Explorer/thumbcache_256.db"),))
WINDOWS_7, WINDOWS_10 = 0x15, 0x20


def expand(data: bytes, limits: Limits | None = None) -> list[Item]:
    return list(CONTAINER.expand(io.BytesIO(data), PARENT, limits or Limits()))


def read(item: Item) -> bytes:
    with item.open() as stream:
        return stream.read()


@pytest.fixture(scope="module")
def images() -> dict[str, bytes]:
    return {
        "jpg": encode(photo(0, (256, 192)), "JPEG", quality=80),
        "png": encode(photo(1, (96, 72)), "PNG"),
        "bmp": encode(photo(2, (32, 24)), "BMP"),
    }


def test_the_checksum_is_thumbcache_dlls_crc64() -> None:
    # Entries 1, 2 and 255 of the CRC-64 table kept in thumbcache.dll, as Thumbcache Viewer publishes it.
    assert crc64(b"\x01", 0) == 0x0809E8A2969451E9
    assert crc64(b"\x02", 0) == 0x1013D1452D28A3D2
    assert crc64(b"\xff", 0) == 0x07F8A79E7273CF58


@pytest.mark.parametrize("version", sorted(LAYOUTS), ids=[f"{v:#x}" for v in sorted(LAYOUTS)])
def test_every_thumbnail_comes_out_with_its_hash_and_offset(version: int, images: dict[str, bytes]) -> None:
    entries = [
        CacheEntry(0x1122334455667788, images["jpg"], identifier="5e1f2d3c4b5a6978", padding=6),
        CacheEntry(0x99, images["png"]),
        CacheEntry(0xABCDEF0123456789, images["bmp"]),
    ]
    data = thumbcache(version, entries)
    assert CONTAINER.sniff(data[:HEAD_BYTES], len(data))
    items = expand(data)
    assert [item.steps[-1].name for item in items] == [
        "1122334455667788.jpg",
        "0000000000000099.png",
        "abcdef0123456789.bmp",
    ]
    for item, entry in zip(items, entries, strict=True):
        detail = item.steps[-1].detail
        assert item.state is State.THUMBNAIL
        assert detail["source"] == "thumbcache"
        assert detail["cache_entry_hash"] == f"{entry.entry_hash:016x}"
        assert detail["header_checksum_ok"] is True
        assert detail["data_checksum_ok"] is True
        offset, length = int(str(detail["offset"])), int(str(detail["length"]))
        assert data[offset : offset + length] == entry.data
        assert read(item) == entry.data
    assert items[0].steps[-1].detail["identifier"] == "5e1f2d3c4b5a6978"


def test_windows_7_and_10_layouts_put_the_data_where_documented(images: dict[str, bytes]) -> None:
    entry = CacheEntry(1, images["png"], identifier="ab")
    seven = expand(thumbcache(WINDOWS_7, [entry]))[0].steps[-1].detail
    ten = expand(thumbcache(WINDOWS_10, [entry]))[0].steps[-1].detail
    assert seven["offset"] == 24 + 48 + 4  # file header, entry header, identifier
    assert ten["offset"] == 24 + 56 + 4
    assert (ten["width"], ten["height"], ten["windows"]) == (96, 96, "Windows 10 or 11")
    assert seven["windows"] == "Windows 7"


def test_empty_entries_are_skipped_and_remnants_in_free_space_found(images: dict[str, bytes]) -> None:
    remnant = cache_entry(WINDOWS_10, CacheEntry(0x77, images["png"]))
    # The free-space entry: no hash, no data, spanning the rest of the file, with an old entry inside.
    free_size = 56 + 64 + len(remnant) + 200
    free = b"CMMM" + struct.pack("<IQ", free_size, 0) + b"\x00" * 40 + b"\x00" * 64 + remnant + b"\x00" * 200
    data = thumbcache(WINDOWS_10, [CacheEntry(0x55, images["jpg"]), CacheEntry(0x66, b"")], tail=free)
    items = expand(data)
    assert [(item.steps[-1].name, item.steps[-1].detail["in_free_space"]) for item in items] == [
        ("0000000000000055.jpg", False),
        ("0000000000000077.png", True),
    ]
    assert read(items[1]) == images["png"]


def test_a_repeated_hash_keeps_names_unique(images: dict[str, bytes]) -> None:
    data = thumbcache(WINDOWS_7, [CacheEntry(5, images["png"]), CacheEntry(5, images["png"])])
    names = [item.steps[-1].name for item in expand(data)]
    second = 24 + 48 + len(images["png"])
    assert names == ["0000000000000005.png", f"0000000000000005@{second:#x}.png"]


def test_tampered_data_fails_its_checksum(images: dict[str, bytes]) -> None:
    data = bytearray(thumbcache(WINDOWS_10, [CacheEntry(5, images["jpg"])]))
    data[24 + 56 + 500] ^= 0xFF  # within the first KiB, which the checksum covers whole
    [item] = expand(bytes(data))
    assert item.steps[-1].detail["data_checksum_ok"] is False
    assert item.steps[-1].detail["header_checksum_ok"] is True


def test_an_unknown_version_is_carved(images: dict[str, bytes]) -> None:
    data = bytearray(thumbcache(WINDOWS_10, [CacheEntry(5, images["jpg"]), CacheEntry(6, images["png"])]))
    struct.pack_into("<I", data, 4, 0x40)
    items = expand(bytes(data))
    assert items[0].problem is not None
    assert "0x40 is not known" in items[0].problem
    assert [item.steps[-1].kind for item in items[1:]] == ["carved", "carved"]
    assert all(item.state is State.THUMBNAIL for item in items)
    assert [read(item) for item in items[1:]] == [images["jpg"], images["png"]]


def test_damaged_entries_are_problem_items(images: dict[str, bytes]) -> None:
    good = CacheEntry(9, images["png"])
    past_end = bytearray(cache_entry(WINDOWS_7, CacheEntry(7, images["jpg"])))
    struct.pack_into("<I", past_end, 4, 0x7FFFFFFF)  # entry size
    too_big = bytearray(cache_entry(WINDOWS_7, CacheEntry(8, images["jpg"])))
    struct.pack_into("<I", too_big, 24, 0x7FFFFFF0)  # data size larger than the entry
    unknown = cache_entry(WINDOWS_7, CacheEntry(10, b"GIF89a" + b"\x00" * 40))
    data = thumbcache(
        WINDOWS_7, [], tail=bytes(too_big) + unknown + bytes(past_end) + cache_entry(WINDOWS_7, good)
    )
    items = expand(data)
    assert [(item.steps[-1].name, item.readable) for item in items] == [
        ("0000000000000008", False),
        ("000000000000000a", False),
        (f"entry@{24 + len(too_big) + len(unknown):#x}", False),
        ("0000000000000009.png", True),
    ]
    assert items[1].problem == "cached data is not a BMP, JPEG or PNG image"


def test_hostile_files_end(images: dict[str, bytes]) -> None:
    header = thumbcache(WINDOWS_10, [])
    signatures = header + b"CMMM\x00\x00\x00\x00" * 20_000  # zero-sized entries everywhere
    assert expand(signatures, Limits(members=50))[-1].steps[-1].name == "(more)"
    data = thumbcache(WINDOWS_10, [CacheEntry(3, images["jpg"]), CacheEntry(4, images["png"])])
    assert all(not item.readable for item in expand(data[:100]))
    rng = random.Random(11)
    for _ in range(300):
        mangled = bytearray(data)
        for _ in range(rng.randrange(1, 10)):
            mangled[rng.randrange(len(mangled) // 4)] = rng.randrange(256)
        for item in expand(bytes(mangled)):
            assert item.readable or item.problem
