"""Issue 8, points 4, 8, 12, 13 and 14 at the container level: compressed disk images are not bombs, sparse
tars read whole, every decompression stream is bounded in memory, overlapping and nested zips stop within
the limits, and every temporary copy of evidence bytes goes to the spool folder."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from tests.evidence import images
from tests.evidence.archives import (
    compress,
    drain,
    expand,
    photos,
    read_until_error,
    root,
    sevenzip_of,
    sha256,
    zip_of,
)
from tests.evidence.bombs import (
    GNU_SPARSE_FORMATS,
    gnu_tar_sparse,
    lying_zip,
    nested_zips,
    old_gnu_sparse_tar,
    overlapping_zip,
    same_data_zip,
    sparse_content,
    sparse_file,
    zip_with,
)
from warden.evidence.base import CONTAINERS, Container, Item, Limits, Step
from warden.evidence.budget import Budget
from warden.evidence.compressed import CompressedContainer
from warden.evidence.containers import register_built_in
from warden.evidence.limits import LimitExceeded, RaisedLimit, raised, refused_by
from warden.evidence.sevenzip import SevenZipContainer
from warden.evidence.tar import TarContainer
from warden.evidence.walk import copy_to, walk
from warden.evidence.zip import ZipContainer
from warden.evidence.zip_streams import overlapping

ZIP, TAR, COMPRESSED = ZipContainer(), TarContainer(), CompressedContainer()


def _peak(read: object) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = read()  # type: ignore[operator]
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, peak


# --- point 4: a compressed disk image is judged by bytes and time, not by its ratio -----------------------


@pytest.mark.parametrize("kind", ["gzip", "bzip2", "xz"])
@pytest.mark.slow
def test_a_compressed_disk_image_over_the_ratio_is_read_and_its_photo_found(
    tmp_path: Path, kind: str
) -> None:
    register_built_in()
    disk, photo = images.empty_disk_with_photo(tmp_path)
    packed = compress(disk, kind)
    limits = Limits(ratio=50)
    assert len(disk) > limits.ratio * len(packed)  # the reproduction: mostly empty media, over the ratio
    found: dict[str, str] = {}
    item = Item(steps=(Step("file", "disk.img.x"),), opener=lambda: io.BytesIO(packed))
    for entry in walk([item], limits, containers=_containers()):
        if entry.item.readable and entry.depth > 0:
            with entry.item.open() as stream:
                found[entry.item.path] = sha256(stream.read())
        assert not (entry.item.problem and "limit max_ratio" in entry.item.problem), entry.item.problem
    assert sha256(photo) in found.values()
    assert found["disk.img.x//decompressed"] == sha256(disk)


def _containers() -> list[Container]:
    return list(CONTAINERS)


def test_compressed_zeros_that_are_no_disk_are_still_refused_by_the_ratio_naming_the_limit() -> None:
    packed = compress(bytes(16 << 20), "gzip")
    [item] = COMPRESSED.expand(io.BytesIO(packed), root("zeros.gz"), Limits(ratio=50, exhibit="seized"))
    read, error = read_until_error(item)
    assert read <= max(1 << 20, 50 * len(packed))
    assert isinstance(error, LimitExceeded)
    assert error.limit == "max_ratio"
    assert (
        "(limit max_ratio=50; raise it for this exhibit: --raise-limit 'seized:max_ratio=N', N > 50)"
        in str(error)
    )
    assert refused_by(str(error)) == ("max_ratio", 50)


def test_raised_limits_read_what_the_default_refused() -> None:
    packed = compress(bytes(16 << 20), "gzip")
    option = RaisedLimit.parse("seized:max_ratio=100000")
    limits = raised(Limits(ratio=50), "seized", {option.name: option.value})
    [item] = COMPRESSED.expand(io.BytesIO(packed), root("zeros.gz"), limits)
    assert read_until_error(item) == (16 << 20, None)


@pytest.mark.parametrize(
    ("text", "exhibit", "name", "value"),
    [
        ("disk.img.gz:max_ratio=5000", "disk.img.gz", "max_ratio", 5000),
        ("a:b.zip:max_container_bytes=200G", "a:b.zip", "max_container_bytes", 200 << 30),
        ("x.7z:member_bytes=8MiB", "x.7z", "max_member_bytes", 8 << 20),
        (
            "/cases/JB-1/img.E01:max_container_seconds=7200",
            "/cases/JB-1/img.E01",
            "max_container_seconds",
            7200,
        ),
    ],
)
def test_a_raised_limit_is_read_from_exhibit_limit_and_value(
    text: str, exhibit: str, name: str, value: int
) -> None:
    assert RaisedLimit.parse(text) == RaisedLimit(exhibit, name, value)


@pytest.mark.parametrize(
    "text", ["max_ratio=5", "x:max_ratio", "x:max_speed=5", "x:max_ratio=lots", ":max_ratio=5"]
)
def test_a_malformed_raised_limit_says_what_is_wrong(text: str) -> None:
    with pytest.raises(ValueError, match=r"max_|EXHIBIT|whole number"):
        RaisedLimit.parse(text)


# --- point 8: GNU sparse tar members --------------------------------------------------------------------

CHUNKS = [(5 << 20, b"hello" * 1000), (9 << 20, os.urandom(70_000)), ((12 << 20) - 3, b"end")]


@pytest.mark.parametrize("format_name", sorted(GNU_SPARSE_FORMATS))
def test_a_sparse_member_made_by_gnu_tar_reads_as_the_original_file(tmp_path: Path, format_name: str) -> None:
    original = tmp_path / "sparse.bin"
    sparse_file(original, 12 << 20, CHUNKS)
    archive = gnu_tar_sparse(tmp_path, original, format_name)
    assert len(archive) < 1 << 20  # the holes are not stored
    want = hashlib.md5(original.read_bytes()).hexdigest()  # what an examiner compares
    for container, data in ((TAR, archive), (COMPRESSED, compress(archive, "gzip"))):
        members = container.expand(io.BytesIO(data), root(), Limits())
        item = next(members)
        assert item.problem is None
        assert item.size == 12 << 20
        with item.open() as stream:
            assert hashlib.md5(stream.read()).hexdigest() == want
        assert item.steps[-1].detail["sparse"] is True
        assert list(members) == []


def test_a_hand_made_old_gnu_sparse_member_reads_with_its_holes_as_zeros() -> None:
    chunks = [(0, b"head"), (1 << 20, b"middle" * 100), ((3 << 20) - 1, b"!")]
    archive = old_gnu_sparse_tar("sparse.bin", 3 << 20, chunks)
    drained = drain(TAR.expand(io.BytesIO(archive), root(), Limits()))
    assert drained.digests == {"sparse.bin": sha256(sparse_content(3 << 20, chunks))}
    assert drained.items[0].steps[-1].detail["type"] == "sparse file"


def test_a_sparse_member_whose_data_runs_past_the_archive_is_truncated_not_read() -> None:
    archive = old_gnu_sparse_tar("cut.bin", 1 << 20, [(0, b"x" * 1000)])
    drained = drain(TAR.expand(io.BytesIO(archive[:1024]), root(), Limits()))  # 512 of its 1000 data bytes
    [item] = drained.items
    assert item.problem is not None and item.problem.startswith("truncated")


def test_a_sparse_member_declaring_more_than_the_member_limit_is_refused_naming_it() -> None:
    archive = old_gnu_sparse_tar("huge.bin", 6 << 30, [(0, b"x" * 1000)])  # 6 GiB of holes
    [item] = expand(TAR, archive, Limits(member_bytes=1 << 30, exhibit="tapes"))
    assert item.problem is not None
    assert item.problem.startswith(f"over the member size limit: declares {6 << 30} bytes")
    assert "--raise-limit 'tapes:max_member_bytes=N'" in item.problem


# --- point 12: every decompression stream bounded in memory ---------------------------------------------


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_zip_member_lying_about_its_size_in_bzip2_or_lzma_costs_no_memory(method: int) -> None:
    archive = lying_zip(method, 32 << 20)  # 32 MiB of zeros that declare 1000 bytes
    assert len(archive) < 8 << 10
    members = ZIP.expand(io.BytesIO(archive), root(), Limits())
    item = next(members)
    (read, error), peak = _peak(lambda: read_until_error(item, 100))  # type: ignore[misc]
    assert read <= 1000
    assert error is not None and "CRC" in str(error) and "liar.bin" in str(error)
    assert peak < 4 << 20  # zipfile itself holds all 32 MiB at once


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_honest_bzip2_and_lzma_members_read_byte_for_byte(method: int) -> None:
    files = {**photos(2), "random.bin": os.urandom(300_000), "empty.bin": b"", "zeros.bin": bytes(3 << 20)}
    limits = Limits(ratio=10**6)  # zeros pack far more than a thousand times: not what this test is about
    drained = drain(ZIP.expand(io.BytesIO(zip_with(method, files)), root(), limits))
    assert drained.read_errors == {}
    assert drained.digests == {name: sha256(data) for name, data in files.items()}


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_member_whose_compressed_size_lies_short_is_a_read_error(method: int) -> None:
    archive = bytearray(zip_with(method, {"a.bin": os.urandom(50_000)}))
    central = archive.index(b"PK\x01\x02")
    archive[central + 20 : central + 24] = (1000).to_bytes(4, "little")  # compressed size
    drained = drain(ZIP.expand(io.BytesIO(bytes(archive)), root(), Limits()))
    assert "short" in drained.read_errors["a.bin"] or "CRC" in drained.read_errors["a.bin"]


@pytest.mark.parametrize("kind", ["gzip", "bzip2", pytest.param("xz", marks=pytest.mark.slow)])
def test_a_compressed_stream_stops_at_the_member_limit_in_bounded_memory(kind: str) -> None:
    packed = compress(bytes(64 << 20), kind)
    members = COMPRESSED.expand(
        io.BytesIO(packed), root("zeros.x"), Limits(ratio=10**9, member_bytes=8 << 20)
    )
    item = next(members)
    (read, error), peak = _peak(lambda: read_until_error(item))  # type: ignore[misc]
    assert read <= 8 << 20
    assert isinstance(error, LimitExceeded) and error.limit == "max_member_bytes"
    assert peak < 24 << 20  # xz's own dictionary is 8 MiB; all 64 MiB would be held by an unbounded read


@pytest.mark.slow
def test_7z_members_are_charged_to_the_archive_budget_where_they_are_decompressed() -> None:
    files = {"a.bin": os.urandom(1 << 20) * 3, "b.bin": os.urandom(1 << 20) * 3}
    budget = Budget(Limits(), "x.7z")
    container = Item(steps=(Step("file", "x.7z"),), budget=budget)
    drained = drain(SevenZipContainer().expand(io.BytesIO(sevenzip_of(files)), container, Limits()))
    assert drained.digests == {name: sha256(data) for name, data in files.items()}
    assert budget.bytes == 6 << 20  # once, though each member was read twice over


@pytest.mark.slow
def test_7z_members_past_the_archive_budget_are_not_decompressed() -> None:
    files = {"a.bin": os.urandom(1 << 20) * 3, "b.bin": os.urandom(1 << 20) * 3, "c.bin": b"c"}
    limits = Limits(total_bytes=4 << 20, exhibit="x")
    budget = Budget(limits, "outer.zip")
    budget.charge(3 << 20)  # what the archive it is inside has given out already
    container = Item(steps=(Step("file", "x.7z"),), budget=budget)
    drained = drain(SevenZipContainer().expand(io.BytesIO(sevenzip_of(files)), container, limits))
    problems = [item.problem or "" for item in drained.items]
    assert any("limit max_container_bytes" in problem for problem in problems)


# --- point 13: overlapping entries, and the total work of nested archives ------------------------------


def test_fifield_overlapping_entries_are_refused_and_nothing_is_inflated_twice() -> None:
    archive = overlapping_zip(200, 2 << 20)  # about 400 MiB from one 2 MiB kernel
    assert len(archive) < 40_000
    check = zipfile.ZipFile(io.BytesIO(archive))
    assert check.read("0199.bin") == bytes(2 << 20)  # a valid archive: zipfile inflates every entry
    drained = drain(ZIP.expand(io.BytesIO(archive), root("bomb.zip"), Limits()))
    assert len(drained.items) == 200  # every entry is an item: the count is whole
    readable = [item for item in drained.items if item.readable]
    assert [item.path for item in readable] == ["bomb.zip//0000.bin"]
    for item in drained.items[1:]:
        assert item.problem is not None and "overlap" in item.problem and "0000.bin" in item.problem
        assert item.steps[-1].detail["overlaps"] == "0000.bin"


def test_entries_sharing_one_local_header_are_refused_but_one() -> None:
    archive = same_data_zip(500, 1 << 20)
    drained = drain(ZIP.expand(io.BytesIO(archive), root(), Limits()))
    assert len(drained.items) == 500
    assert len(drained.digests) == 1
    assert sum("overlap" in (item.problem or "") for item in drained.items) == 499


@pytest.mark.parametrize(
    "archive",
    [
        zip_of(photos(3)),
        zip_of(photos(2), method=zipfile.ZIP_STORED),
        zip_with(zipfile.ZIP_BZIP2, {"a": b"a" * 1000, "b/": b"", "c": b""}),
        zip_with(zipfile.ZIP_LZMA, {"x": os.urandom(5000), "y": b"y"}),
    ],
)
def test_honest_archives_have_no_overlapping_entries(archive: bytes) -> None:
    assert overlapping(zipfile.ZipFile(io.BytesIO(archive)).infolist()) == {}


def test_honest_archives_written_to_a_stream_have_no_overlapping_entries() -> None:
    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: object) -> int:
            self.data += bytes(b)  # type: ignore[call-overload]
            return len(bytes(b))  # type: ignore[call-overload]

    sink = Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:  # data descriptors after each member
        for name, data in photos(3).items():
            archive.writestr(name, data)
    assert overlapping(zipfile.ZipFile(io.BytesIO(bytes(sink.data))).infolist()) == {}


def _walk_like_a_scan(data: bytes, limits: Limits) -> tuple[list[Item], int]:
    """Walk a zip as the scan does (each readable item copied whole); the items, and the bytes copied."""
    copied = 0
    seen: list[Item] = []
    for found in walk(
        [Item(steps=(Step("file", "42.zip"),), opener=lambda: io.BytesIO(data))], limits, containers=[ZIP]
    ):
        seen.append(found.item)
        if found.item.readable:
            with contextlib.suppress(OSError):  # a refusal: the scan records it and goes on
                copied += copy_to(found.item, io.BytesIO(), limits.member_bytes)
    return seen, copied


def test_nested_zips_stop_at_the_bytes_one_archive_may_give_out() -> None:
    bomb = nested_zips(levels=3, fan_out=8, leaf_size=1 << 20)  # 512 leaves of 1 MiB
    limits = Limits(total_bytes=32 << 20, exhibit="42")
    seen, copied = _walk_like_a_scan(bomb, limits)
    assert copied <= (32 << 20) + (2 << 20)
    refusals = [item.problem for item in seen if item.problem and "max_container_bytes" in item.problem]
    assert refusals
    assert "--raise-limit '42:max_container_bytes=N'" in refusals[0]


def test_nested_zips_stop_at_the_items_one_archive_may_give_out() -> None:
    bomb = nested_zips(levels=3, fan_out=8, leaf_size=1 << 10)  # 8 + 64 + 512 items, 512 leaves
    seen, _ = _walk_like_a_scan(bomb, Limits(total_items=100))
    listed = [item for item in seen if item.path.count("//") and "__more_members__" not in item.path]
    assert len(listed) <= 100 + 1
    summaries = [item.problem or "" for item in seen if "__more_members__" in item.path]
    assert summaries and all("limit max_container_items=100" in text for text in summaries)


def test_the_time_one_archive_may_spend_decompressing_is_bounded() -> None:
    ticks = iter(range(0, 10**6, 10))  # every look at the clock is ten seconds later
    budget = Budget(Limits(seconds=60, exhibit="slow"), "slow.zip", clock=lambda: next(ticks))
    container = Item(steps=(Step("file", "slow.zip"),), budget=budget)
    archive = zip_of({"a.bin": os.urandom(1 << 20)})
    members = ZIP.expand(io.BytesIO(archive), container, Limits(seconds=60, exhibit="slow"))
    read, error = read_until_error(next(members), 4096)
    assert read < 1 << 20
    assert isinstance(error, LimitExceeded) and error.limit == "max_container_seconds"


def test_a_member_read_many_times_is_charged_once() -> None:
    budget = Budget(Limits(), "a.zip")
    container = Item(steps=(Step("file", "a.zip"),), budget=budget)
    members = ZIP.expand(io.BytesIO(zip_of({"a.bin": os.urandom(100_000)})), container, Limits())
    item = next(members)
    for _ in range(3):
        with item.open() as stream:
            stream.read()
    assert budget.bytes == 100_000
