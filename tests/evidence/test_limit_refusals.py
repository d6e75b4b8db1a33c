"""Issue 8 follow-up: every limit refusal names the limit, its value and how to raise it for this exhibit.

A refusal the scan can read back (``refused_by``) is one a rerun with ``--raise-limit`` examines again; one
in other words would stay refused for good. Covered here: nesting too deep (walk and locate, now raisable
as ``max_nesting``), a stream that cannot seek copied past the member size, a spool copy past it, every
limit of a disk image (files per file system, file size, bytes given out by cross-linked files, carving),
thumbnail caches, Thumbs.db, EXIF thumbnails, and the members after a refused one in a 7z solid block.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.evidence.archives import photos, sevenzip_of, zip_of
from tests.evidence.images import file_item, photo_bytes, run
from tests.evidence.thumbnails import XP_TIME, CacheEntry, Thumb, camera_jpeg, encode, photo, thumbcache
from warden.evidence.base import Item, Limits, Step
from warden.evidence.disk import disk_items
from warden.evidence.exif_thumbnail import ExifThumbnailContainer
from warden.evidence.limits import RaisedLimit, raised, refused_by
from warden.evidence.locate import open_item
from warden.evidence.sevenzip import SevenZipContainer
from warden.evidence.thumbcache import ThumbcacheContainer
from warden.evidence.walk import copy_to, walk
from warden.evidence.zip import ZipContainer

ZIP = ZipContainer()
EXHIBIT = "seized"


def advice(name: str, value: int, exhibit: str = EXHIBIT) -> str:
    """The words every refusal ends with."""
    return (
        f"(limit {name}={value}; raise it for this exhibit: --raise-limit '{exhibit}:{name}=N', N > {value})"
    )


def assert_refused(problem: str | None, name: str, value: int, exhibit: str = EXHIBIT) -> None:
    """``problem`` is a refusal by ``name`` at ``value`` that a rerun can read back."""
    assert problem is not None
    assert problem.endswith(advice(name, value, exhibit)), problem
    assert refused_by(problem) == (name, value)


def nested_zip() -> tuple[bytes, bytes]:
    """``outer.zip`` holding ``inner.zip`` holding a photo: (outer, photo)."""
    photo = photo_bytes("goldfish")
    return zip_of({"inner.zip": zip_of({"photo.jpg": photo})}), photo


def top(name: str, data: bytes) -> Item:
    return Item(steps=(Step("file", name),), size=len(data), opener=lambda: io.BytesIO(data))


# --- nesting ------------------------------------------------------------------------------------------------


def test_nesting_too_deep_names_max_nesting_and_raising_it_opens_the_container() -> None:
    outer, photo = nested_zip()
    limits = Limits(depth=1, exhibit=EXHIBIT)
    found = {f.item.path: f.item for f in walk([top("outer.zip", outer)], limits, containers=[ZIP])}
    refused = found["outer.zip//inner.zip//(unreadable)"]
    assert refused.problem == f"zip nested more than 1 deep: not opened {advice('max_nesting', 1)}"
    assert refused.not_examined
    assert_refused(refused.problem, "max_nesting", 1)

    option = RaisedLimit.parse(f"{EXHIBIT}:nesting=2")
    assert (option.name, option.value) == ("max_nesting", 2)
    deeper = raised(limits, EXHIBIT, {option.name: option.value})
    read = {}
    for f in walk([top("outer.zip", outer)], deeper, containers=[ZIP]):
        if f.item.readable:
            with f.item.open() as stream:
                read[f.item.path] = stream.read()
    assert read["outer.zip//inner.zip//photo.jpg"] == photo


def test_finding_an_item_again_too_deep_says_the_same_and_the_raised_limit_reaches_it(tmp_path: Path) -> None:
    outer, photo = nested_zip()
    (tmp_path / "outer.zip").write_bytes(outer)
    wanted = "outer.zip//inner.zip//photo.jpg"
    too_shallow = Limits(depth=1, exhibit=EXHIBIT)
    with (
        pytest.raises(OSError, match="zip nested more than 1 deep") as refused,
        open_item(tmp_path, wanted, too_shallow, containers=[ZIP]),
    ):
        pass
    assert_refused(str(refused.value), "max_nesting", 1)
    with open_item(tmp_path, wanted, Limits(depth=2, exhibit=EXHIBIT), containers=[ZIP]) as stream:
        assert stream.read() == photo


# --- copies made to seek, and spool copies ------------------------------------------------------------------


class _Unseekable(io.BytesIO):
    """Bytes read front to back only, like a member of a compressed tar."""

    def seekable(self) -> bool:
        return False


def test_a_stream_that_cannot_seek_is_copied_only_up_to_the_member_size_and_says_which_limit() -> None:
    outer, _ = nested_zip()
    item = Item(steps=(Step("file", "outer.zip"),), opener=lambda: _Unseekable(outer))
    limit = len(outer) - 1
    found = list(walk([item], Limits(member_bytes=limit, exhibit=EXHIBIT), containers=[ZIP]))
    [refused] = [f.item for f in found if f.item.path == "outer.zip//(unreadable)"]
    assert refused.problem is not None and refused.not_examined
    assert f"cannot seek and goes past {limit} bytes to copy" in refused.problem
    assert_refused(refused.problem, "max_member_bytes", limit)


def test_a_copy_past_the_member_size_names_the_limit() -> None:
    item = top("big.bin", bytes(5000))
    with pytest.raises(OSError, match="over the member size limit of 4000 bytes") as refused:
        copy_to(item, io.BytesIO(), 4000, limits=Limits(exhibit=EXHIBIT))
    assert_refused(str(refused.value), "max_member_bytes", 4000)
    # Without the exhibit's limits, the refusal still names the limit (and a placeholder for the exhibit).
    with pytest.raises(OSError, match="over the member size limit") as unnamed:
        copy_to(item, io.BytesIO(), 4000)
    assert_refused(str(unnamed.value), "max_member_bytes", 4000, exhibit="EXHIBIT")


# --- disk images --------------------------------------------------------------------------------------------


def _disk(path: Path, limits: Limits, *, carve: bool) -> dict[str, Item]:
    with path.open("rb") as image:

        def read(offset: int, length: int) -> bytes:
            image.seek(offset)
            return image.read(length)

        items = disk_items(read, path.stat().st_size, file_item(path), limits, carve_unallocated=carve)
        return {item.path.split("//", 1)[1]: item for item in items}


@pytest.fixture(scope="module")
def floppy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 360 KB FAT12 floppy holding one photo and 24 more directory entries cross-linked to its clusters:
    25 files of the photo's size, together far more bytes than the floppy holds."""
    work = tmp_path_factory.mktemp("floppy")
    image = work / "floppy.img"
    run("mkfs.fat", "-C", "-F", "12", "-n", "LINKED", image, "360")
    (work / "p.jpg").write_bytes(photo_bytes("goldfish"))
    run("mcopy", "-i", image, work / "p.jpg", "::/P.JPG")
    for number in range(24):
        (work / f"d{number:02d}.bin").write_bytes(b"x")
        run("mcopy", "-i", image, work / f"d{number:02d}.bin", f"::/D{number:02d}.BIN")
    volume = bytearray(image.read_bytes())
    sector, _, reserved, fats, root_entries = struct.unpack_from("<HBHBH", volume, 11)
    fat_sectors = struct.unpack_from("<H", volume, 22)[0]
    root = (reserved + fats * fat_sectors) * sector
    entries = {bytes(volume[at : at + 11]): at for at in range(root, root + root_entries * 32, 32)}
    photo_entry = entries[b"P       JPG"]
    cluster, size = struct.unpack_from("<H", volume, photo_entry + 26)[0], len(photo_bytes("goldfish"))
    for number in range(24):
        at = entries[f"D{number:02d}     BIN".encode()]
        struct.pack_into("<HI", volume, at + 26, cluster, size)
    image.write_bytes(bytes(volume))
    return image


def test_a_disk_image_s_files_per_file_system_name_max_members(floppy: Path) -> None:
    found = _disk(floppy, Limits(members=2, exhibit=EXHIBIT), carve=False)
    assert "23 more files not listed: over the limit of 2 per file system" in (found["(more)"].problem or "")
    assert_refused(found["(more)"].problem, "max_members", 2)


def test_a_disk_image_s_file_over_the_size_limit_names_max_member_bytes(floppy: Path) -> None:
    found = _disk(floppy, Limits(member_bytes=1000, exhibit=EXHIBIT), carve=False)
    assert "over the member size limit of 1000: not read" in (found["P.JPG"].problem or "")
    assert_refused(found["P.JPG"].problem, "max_member_bytes", 1000)


def test_cross_linked_files_past_what_a_disk_image_may_give_out_name_max_container_bytes(
    floppy: Path,
) -> None:
    found = _disk(floppy, Limits(total_bytes=1, exhibit=EXHIBIT), carve=False)
    refused = [item for item in found.values() if item.problem]
    read = [item for item in found.values() if item.readable]
    # Twice the floppy's size is given out (the allowance of an honest image), then every file is refused.
    assert sum(item.size or 0 for item in read) <= 2 * floppy.stat().st_size
    assert refused and len(read) + len(refused) == 25
    for item in refused:
        assert "over the limit of bytes one disk image may give out" in (item.problem or "")
        assert_refused(item.problem, "max_container_bytes", 1)


def test_carving_past_the_item_limit_names_max_members(tmp_path: Path) -> None:
    # Media with no partition table or file system, two photos in it: both carved, or one and a refusal.
    blank = bytes(8192)
    media = tmp_path / "media.bin"
    media.write_bytes(blank + photo_bytes("goldfish") + blank + photo_bytes("tench") + blank)
    assert sum(item.readable for item in _disk(media, Limits(exhibit=EXHIBIT), carve=True).values()) == 2
    found = _disk(media, Limits(members=1, exhibit=EXHIBIT), carve=True)
    more = found["(more)"]
    assert "carving stopped after 1 files" in (more.problem or "")
    assert_refused(more.problem, "max_members", 1)


# --- thumbnails ---------------------------------------------------------------------------------------------

CACHE_PARENT = Item((Step("file", "thumbcache_256.db"),))


def _cache(limits: Limits) -> list[Item]:
    entries = [CacheEntry(0x1000 + n, encode(photo(n, (96, 72)), "JPEG", quality=80)) for n in range(3)]
    data = thumbcache(0x20, entries)
    return list(ThumbcacheContainer().expand(io.BytesIO(data), CACHE_PARENT, limits))


def test_thumbnail_cache_limits_name_themselves() -> None:
    by_members = _cache(Limits(members=2, exhibit=EXHIBIT))
    assert by_members[-1].steps[-1].name == "(more)"
    assert_refused(by_members[-1].problem, "max_members", 2)

    by_bytes = _cache(Limits(total_bytes=100, exhibit=EXHIBIT))
    assert by_bytes[-1].steps[-1].name == "(more)"
    assert_refused(by_bytes[-1].problem, "max_container_bytes", 100)

    by_size = _cache(Limits(member_bytes=100, exhibit=EXHIBIT))
    assert all(item.problem for item in by_size)
    assert_refused(by_size[0].problem, "max_member_bytes", 100)


def test_thumbs_db_limits_name_themselves(tmp_path: Path) -> None:
    pytest.importorskip("olefile", reason="Thumbs.db needs pip install 'warden[forensics]'")
    from tests.evidence.thumbnails import thumbs_db
    from warden.evidence.thumbs_db import ThumbsDbContainer

    thumbs = [
        Thumb(index, f"p{index}.jpg", XP_TIME, encode(photo(index, (96, 72)), "JPEG", quality=80))
        for index in (1, 2, 3)
    ]
    data = thumbs_db(tmp_path, thumbs)
    parent = Item((Step("file", "Thumbs.db"),))

    def expand(limits: Limits) -> list[Item]:
        return list(ThumbsDbContainer().expand(io.BytesIO(data), parent, limits))

    assert_refused(expand(Limits(members=1, exhibit=EXHIBIT))[-1].problem, "max_members", 1)
    assert_refused(expand(Limits(total_bytes=100, exhibit=EXHIBIT))[-1].problem, "max_container_bytes", 100)
    assert_refused(expand(Limits(member_bytes=100, exhibit=EXHIBIT))[0].problem, "max_member_bytes", 100)


def test_an_exif_thumbnail_over_the_member_size_names_max_member_bytes() -> None:
    jpeg, thumbnail, _ = camera_jpeg(0)
    limit = len(thumbnail) - 1
    [item] = ExifThumbnailContainer().expand(
        io.BytesIO(jpeg), Item((Step("file", "photo.jpg"),)), Limits(member_bytes=limit, exhibit=EXHIBIT)
    )
    assert_refused(item.problem, "max_member_bytes", limit)


# --- 7z solid blocks ----------------------------------------------------------------------------------------


def test_members_after_a_refused_one_in_a_solid_block_name_the_same_limit() -> None:
    before, after = list(photos(2).items())
    archive = sevenzip_of({before[0]: before[1], "zeros.bin": bytes(64 << 20), after[0]: after[1]})
    items: Iterator[Item] = SevenZipContainer().expand(
        io.BytesIO(archive), Item((Step("file", "x.7z"),)), Limits(exhibit=EXHIBIT)
    )
    _, bomb, last = list(items)
    assert_refused(bomb.problem, "max_ratio", 1000)
    assert (last.problem or "").startswith("not read: it follows 'zeros.bin' in its solid block")
    # Raising the ratio for the exhibit examines the bomb and, with it, every member after it again.
    assert_refused(last.problem, "max_ratio", 1000)
