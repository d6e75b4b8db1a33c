"""Single-file compression as an evidence container: one item, or a compressed tar's members in one level."""

from __future__ import annotations

import bz2
import io
import tracemalloc

import pytest

from tests.evidence.archives import (
    compress,
    drain,
    expand,
    gzip_bomb,
    photos,
    read_all,
    read_until_error,
    root,
    sha256,
    tar_of,
    zip_of,
)
from warden.evidence.base import HEAD_BYTES, ContainerError, Item, Limits, Step
from warden.evidence.compressed import CompressedContainer
from warden.evidence.zip import ZipContainer
from warden.model.states import State

COMPRESSED = CompressedContainer()
KINDS = ["gzip", "bzip2", "xz"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_compressed_tar_comes_out_as_one_level_of_members(kind: str) -> None:
    files = {f"Pictures/{name}": data for name, data in photos(3).items()}
    archive = compress(tar_of(files), kind)
    deleted = Item(steps=(Step("file", "backup.tar.x"),), state=State.DELETED)

    digests, items = read_all(COMPRESSED.expand(io.BytesIO(archive), deleted, Limits()))

    assert digests == {path: sha256(data) for path, data in files.items()}
    assert [item.path for item in items] == [f"backup.tar.x//{path}" for path in files]
    assert all(item.state is State.DELETED for item in items)
    detail = items[0].steps[-1].detail
    assert detail["archive"] == "tar"
    assert detail["compression"] == kind


@pytest.mark.parametrize("kind", KINDS)
def test_a_compressed_file_is_one_item_named_after_the_container(kind: str) -> None:
    name, photo = next(iter(photos(1).items()))
    archive = compress(photo, kind)
    digests, items = read_all(COMPRESSED.expand(io.BytesIO(archive), root(f"x/{name}.gz"), Limits()))
    assert [item.path for item in items] == [f"x/{name}.gz//{name}"]
    assert digests == {name: sha256(photo)}
    detail = items[0].steps[-1].detail
    assert detail["archive"] == kind
    assert detail["name_from"] == "container name"


def test_the_gzip_header_name_and_time_are_used() -> None:
    photo = next(iter(photos(1).values()))
    archive = compress(photo, "gzip", name="IMG_0001.JPG")
    [item] = expand(COMPRESSED, archive, item=root("blob"))
    assert item.path == "blob//IMG_0001.JPG"
    assert item.mtime == "2020-09-13T12:26:40.000000Z"
    assert item.steps[-1].detail["name_from"] == "gzip header"


def test_a_compressed_tgz_name_and_a_nameless_stream() -> None:
    [item] = expand(COMPRESSED, compress(b"not a tar", "xz"), item=root("logs.txz"))
    assert item.path == "logs.txz//logs.tar"
    [item] = expand(COMPRESSED, compress(b"not a tar", "bzip2"), item=root("blob"))
    assert item.path == "blob//decompressed"


def test_recognised_by_bytes_only() -> None:
    for kind in KINDS:
        data = compress(b"content", kind)
        assert COMPRESSED.sniff(data[:HEAD_BYTES], len(data))
    assert COMPRESSED.sniff(bz2.compress(b""), None)  # an empty bzip2 stream ends at once
    assert not COMPRESSED.sniff(b"BZh9 is just text here", None)
    assert not COMPRESSED.sniff(b"\x1f\x8b\x07 gzip of an unknown method", None)
    assert not COMPRESSED.sniff(zip_of({"a": b"a"}), None)


def test_a_zip_compressed_alone_sniffs_as_zip_inside() -> None:
    inner = zip_of(photos(1))
    members = COMPRESSED.expand(io.BytesIO(compress(inner, "gzip")), root("inner.zip.gz"), Limits())
    member = next(members)
    assert member.path == "inner.zip.gz//inner.zip"
    with member.open() as stream:
        assert ZipContainer().sniff(stream.read(HEAD_BYTES), member.size)


def test_a_gzip_bomb_stops_at_the_limit_in_bounded_memory() -> None:
    bomb = gzip_bomb(1 << 30)  # 1 GiB of zeros, never declared anywhere
    members = COMPRESSED.expand(io.BytesIO(bomb), root("zeros.gz"), Limits(member_bytes=64 << 20))
    item = next(members)
    tracemalloc.start()
    try:
        read, error = read_until_error(item)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert 0 < read <= 64 << 20
    assert str(error).startswith(
        f"gzip member 'zeros' goes past {64 << 20} bytes: over the limit, possible decompression bomb"
    )
    assert f"(limit max_member_bytes={64 << 20}; " in str(error)
    assert peak < 16 << 20


def test_a_bzip2_bomb_is_cut_at_the_ratio() -> None:
    # bzip2 packs zeros about 300,000 times over: the ratio limit cuts it long before the size limit.
    chunk = bz2.compress(bytes(16 << 20), 9)
    bomb = chunk * 64
    item = next(COMPRESSED.expand(io.BytesIO(bomb), root("zeros.bz2"), Limits(ratio=1000)))
    read, error = read_until_error(item)
    assert 0 < read <= max(1 << 20, 1000 * len(bomb))
    assert "possible decompression bomb" in str(error)


@pytest.mark.slow
def test_a_tar_bomb_inside_gzip_is_recorded_and_bounded() -> None:
    archive = compress(tar_of({"a.jpg": b"a", "zeros.bin": bytes(64 << 20), "b.jpg": b"b"}), "gzip")
    drained = drain(COMPRESSED.expand(io.BytesIO(archive), root(), Limits(member_bytes=1 << 20)))
    # Skipping the refused member still decompresses it, up to the archive's ratio limit.
    assert "possible decompression bomb" in str(drained.error)
    a, zeros = drained.items
    assert a.readable
    assert zeros.problem is not None
    assert zeros.problem.startswith("over the member size limit")


def test_a_truncated_compressed_tar_gives_the_members_before_the_cut_then_an_error() -> None:
    files = photos(3)
    archive = compress(tar_of(files), "gzip")
    names = list(files)
    drained = drain(COMPRESSED.expand(io.BytesIO(archive[: len(archive) // 2]), root(), Limits()))
    assert drained.digests == {names[0]: sha256(files[names[0]])}
    assert "Compressed file ended before the end-of-stream marker" in drained.read_errors[names[1]]
    assert str(drained.error).startswith("tar archive damaged after 2 entries")


def test_a_damaged_stream_is_an_error() -> None:
    with pytest.raises(ContainerError, match="cannot be decompressed"):
        expand(COMPRESSED, b"\x1f\x8b\x08\x00" + bytes(30))
