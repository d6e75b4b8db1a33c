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
from warden.evidence.base import HEAD_BYTES, ContainerError, Item, Limits, State, Step

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
    assert items[1].problem == "no JPEG in the thumbnail stream"


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
        ("tench.jpg", f"stream of {size} bytes, over the limit of 100")
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
    assert names == ["same.jpg", "same.jpg [2]", "3"]
