"""Thumbs.db: thumbnails come out named after their original files, with times; damage becomes problems."""

from __future__ import annotations

import io
import random
import struct
from pathlib import Path

import pytest

from tests.evidence.thumbnails import (
    XP_TIME,
    Thumb,
    catalog,
    compound_file,
    encode,
    photo,
    thumbnail_stream,
    thumbs_db,
)
from warden.evidence.base import HEAD_BYTES, ContainerError, Item, Limits, Step
from warden.model.states import State

pytest.importorskip("olefile", reason="Thumbs.db needs pip install 'warden[forensics]'")

from warden.evidence.thumbs_db import ThumbsDbContainer

CONTAINER = ThumbsDbContainer()
PARENT = Item((Step("file", "Pictures/Thumbs.db"),))


def expand(data: bytes, limits: Limits | None = None) -> list[Item]:
    return list(CONTAINER.expand(io.BytesIO(data), PARENT, limits or Limits()))


def read(item: Item) -> bytes:
    with item.open() as stream:
        return stream.read()


@pytest.fixture(scope="module")
def thumbs() -> list[Thumb]:
    return [
        Thumb(index, name, XP_TIME, encode(photo(n, (96, 72)), "JPEG", quality=80))
        for n, (index, name) in enumerate(
            [(1, "tench.jpg"), (2, "goldfish.jpg"), (10, "lynx.jpg"), (12, "berry.jpg")]
        )
    ]


def test_thumbnails_are_named_after_their_original_files(tmp_path: Path, thumbs: list[Thumb]) -> None:
    db = thumbs_db(tmp_path, thumbs)
    assert CONTAINER.sniff(db[:HEAD_BYTES], len(db))
    items = expand(db)
    assert [item.path for item in items] == [
        "Pictures/Thumbs.db//tench.jpg",
        "Pictures/Thumbs.db//goldfish.jpg",
        "Pictures/Thumbs.db//lynx.jpg",
        "Pictures/Thumbs.db//berry.jpg",
    ]
    assert [item.steps[-1].detail["stream"] for item in items] == ["1", "2", "01", "21"]
    for item, thumb in zip(items, thumbs, strict=True):
        assert item.state is State.THUMBNAIL
        assert item.steps[-1].kind == "thumbnail"
        assert item.steps[-1].detail["source"] == "thumbs.db"
        assert item.steps[-1].detail["original_mtime"] == "2006-05-04T03:02:01.000000Z"
        assert read(item) == thumb.jpeg


def test_missing_streams_and_uncatalogued_ones_are_both_reported(tmp_path: Path, thumbs: list[Thumb]) -> None:
    streams = {
        "Catalog": catalog(thumbs[:2]),
        "1": thumbnail_stream(thumbs[0].jpeg),
        "3": thumbnail_stream(thumbs[2].jpeg),
    }
    items = expand(compound_file(tmp_path, streams))
    assert [(item.steps[-1].name, item.readable) for item in items] == [
        ("tench.jpg", True),
        ("3", True),  # no catalog entry: named by its stream
        ("goldfish.jpg", False),  # catalogued, but the thumbnail stream is gone
    ]
    assert items[2].problem == "listed in the catalog, but its thumbnail stream is gone"
    assert read(items[1]) == thumbs[2].jpeg


def test_unreadable_thumbnail_streams_are_problem_items(tmp_path: Path, thumbs: list[Thumb]) -> None:
    type_one = struct.pack("<III", 12, 1, 40) + struct.pack("<IHH", 1, 24, 0) + b"\x11" * 32
    streams = {"1": type_one, "2": b"\x0c\x00\x00\x00" + b"\x00" * 100, "Catalog": catalog(thumbs[:2])}
    items = expand(compound_file(tmp_path, streams))
    assert [item.steps[-1].name for item in items] == ["tench.jpg", "goldfish.jpg"]
    assert items[0].problem is not None
    assert "type 1" in items[0].problem
    assert items[1].problem == "no JPEG or PNG image in the thumbnail stream"


def test_a_damaged_catalog_still_gives_the_thumbnails(tmp_path: Path, thumbs: list[Thumb]) -> None:
    broken = bytearray(catalog(thumbs[:2]))
    struct.pack_into("<I", broken, 16, 0xFFFFFF)  # the first entry's size
    streams = {"Catalog": bytes(broken), "1": thumbnail_stream(thumbs[0].jpeg)}
    items = expand(compound_file(tmp_path, streams))
    assert [(item.steps[-1].name, item.problem is None) for item in items] == [
        ("Catalog", False),
        ("1", True),
    ]


def test_network_folder_thumbs_db_without_a_catalog(tmp_path: Path, thumbs: list[Thumb]) -> None:
    streams = {"256_00112233aabbccdd": struct.pack("<III", 12, 1, len(thumbs[1].jpeg)) + thumbs[1].jpeg}
    db = compound_file(tmp_path, streams)
    assert CONTAINER.sniff(db[:HEAD_BYTES], len(db))
    [item] = expand(db)
    assert item.steps[-1].name == "256_00112233aabbccdd"
    assert read(item) == thumbs[1].jpeg


def test_other_compound_files_are_not_claimed(tmp_path: Path) -> None:
    document = compound_file(tmp_path, {"WordDocument": b"\x00" * 600, "1Table": b"\x01" * 100})
    assert not CONTAINER.sniff(document[:HEAD_BYTES], len(document))


def test_streams_over_the_size_limit_are_problem_items(tmp_path: Path, thumbs: list[Thumb]) -> None:
    items = expand(thumbs_db(tmp_path, thumbs[:1]), Limits(member_bytes=100))
    size = 12 + len(thumbs[0].jpeg)
    assert [(item.steps[-1].name, item.problem) for item in items] == [
        (
            "tench.jpg",
            f"stream of {size} bytes, over the limit of 100 (limit max_member_bytes=100; raise it for this "
            "exhibit: --raise-limit 'EXHIBIT:max_member_bytes=N', N > 100)",
        )
    ]


def test_damaged_files_end_as_problems_or_container_errors(tmp_path: Path, thumbs: list[Thumb]) -> None:
    db = thumbs_db(tmp_path, thumbs)
    with pytest.raises(ContainerError):
        expand(db[:700])
    rng = random.Random(7)
    for round_ in range(400):
        data = bytearray(db)
        if round_ % 2:
            for _ in range(rng.randrange(1, 16)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        else:
            at = rng.randrange(0, 512, 4)
            struct.pack_into("<I", data, at, rng.choice([0xFFFFFFFF, 0xFFFFFFFE, 0, rng.randrange(1 << 32)]))
        try:
            items = expand(bytes(data))
        except ContainerError:
            continue
        for item in items:
            assert item.readable or item.problem


def test_repeated_and_unusable_names_stay_unique(tmp_path: Path, thumbs: list[Thumb]) -> None:
    renamed = [
        Thumb(1, "same.jpg", XP_TIME, thumbs[0].jpeg),
        Thumb(2, "same.jpg", XP_TIME, thumbs[1].jpeg),
        Thumb(3, "a/b.jpg", XP_TIME, thumbs[2].jpeg),
    ]
    names = [item.steps[-1].name for item in expand(thumbs_db(tmp_path, renamed))]
    assert names == ["same.jpg", "same.jpg [2]", "a\\x2fb.jpg"]  # a "/" is escaped like any name's


# --- issue 8, point 7: network-style streams, short stream names, and no stream left out silently ---------


def network_stream(image: bytes) -> bytes:
    """A network-folder thumbnail stream: a 24-byte header (its size first), then the image."""
    return struct.pack("<IIQI", 24, 1, len(image), 0) + bytes(4) + image


def test_network_streams_holding_png_are_extracted(tmp_path: Path) -> None:
    png = encode(photo(0, (96, 96)), "PNG")
    jpeg = encode(photo(1, (96, 96)), "JPEG", quality=80)
    streams = {"256_00112233aabbccdd": network_stream(png), "96_00112233aabbccde": network_stream(jpeg)}
    db = compound_file(tmp_path, streams)
    assert CONTAINER.sniff(db[:HEAD_BYTES], len(db))
    items = {item.steps[-1].name: item for item in expand(db)}
    assert read(items["256_00112233aabbccdd"]) == png
    assert items["256_00112233aabbccdd"].steps[-1].detail["offset_in_stream"] == 24
    assert read(items["96_00112233aabbccde"]) == jpeg


def test_stream_names_with_fewer_than_16_hex_digits_are_read(tmp_path: Path) -> None:
    # Windows drops leading zeros: 0x00000000001a2b3c is named 1a2b3c.
    png = encode(photo(2, (96, 96)), "PNG")
    db = compound_file(tmp_path, {"96_1a2b3c": network_stream(png), "256_f": network_stream(png)})
    assert CONTAINER.sniff(db[:HEAD_BYTES], len(db))
    assert {item.steps[-1].name: read(item) for item in expand(db)} == {"256_f": png, "96_1a2b3c": png}


def test_no_stream_is_left_out_silently(tmp_path: Path, thumbs: list[Thumb]) -> None:
    png = encode(photo(1, (96, 96)), "PNG")
    extra = {"unforeseen": network_stream(png), "notes": b"nothing of an image here" * 4}
    items = expand(thumbs_db(tmp_path, thumbs[:1], extra))
    by_name = {item.steps[-1].name: item for item in items}
    assert set(by_name) == {"tench.jpg", "unforeseen", "notes"}
    assert read(by_name["unforeseen"]) == png
    assert by_name["notes"].problem == "no JPEG or PNG image in the thumbnail stream"


def test_catalog_names_are_escaped_like_any_name(tmp_path: Path, thumbs: list[Thumb]) -> None:
    from warden.evidence.names import unescape

    named = [
        Thumb(1, "a\\xff.jpg", XP_TIME, thumbs[0].jpeg),
        Thumb(2, "a\udcff.jpg", XP_TIME, thumbs[1].jpeg),  # a lone surrogate Windows allows
        Thumb(3, "", XP_TIME, thumbs[2].jpeg),
    ]
    streams = {"Catalog": catalog_utf16(named)}
    for thumb in named:
        streams[str(thumb.index)[::-1]] = thumbnail_stream(thumb.jpeg, thumb.index)
    names = [item.steps[-1].name for item in expand(compound_file(tmp_path, streams))]
    assert names == ["a\\\\xff.jpg", "a\\xed\\xb3\\xbf.jpg", "3"]
    assert unescape(names[0]) == b"a\\xff.jpg"
    assert unescape(names[1]).decode("utf-8", "surrogatepass") == "a\udcff.jpg"


def catalog_utf16(thumbs: list[Thumb]) -> bytes:
    """A catalog whose names may hold lone surrogates (UTF-16 as Windows keeps it)."""
    entries = b""
    for thumb in thumbs:
        name = thumb.name.encode("utf-16-le", "surrogatepass") + b"\x00\x00\x00\x00"
        entries += struct.pack("<IIQ", 16 + len(name), thumb.index, 0) + name
    return struct.pack("<HHIII", 16, 7, len(thumbs), 96, 96) + entries
