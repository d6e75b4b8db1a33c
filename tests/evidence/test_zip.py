"""Zip archives as evidence containers: members, provenance, hostile archives bounded and recorded."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
import zlib

import pytest

from tests.evidence.archives import (
    RawEntry,
    drain,
    expand,
    many_entries_zip,
    photos,
    raw_zip,
    read_all,
    read_until_error,
    root,
    sha256,
    tar_of,
    zip_bomb,
    zip_of,
)
from warden.evidence.base import HEAD_BYTES, ContainerError, Item, Limits, Step
from warden.evidence.members import ENCRYPTED
from warden.evidence.tar import TarContainer
from warden.evidence.zip import ZipContainer
from warden.model.states import State

ZIP = ZipContainer()


def test_members_come_out_with_paths_sizes_provenance_and_the_exact_bytes() -> None:
    files = photos(3)
    stored = {f"holiday/{name}": data for name, data in files.items()}
    archive = zip_of(stored)
    deleted = Item(steps=(Step("file", "Downloads/pics.zip"),), state=State.DELETED)

    digests, items = read_all(ZIP.expand(io.BytesIO(archive), deleted, Limits()))

    assert digests == {path: sha256(data) for path, data in stored.items()}
    assert [item.path for item in items] == [f"Downloads/pics.zip//{path}" for path in stored]
    assert [item.size for item in items] == [len(data) for data in stored.values()]
    assert all(item.state is State.DELETED for item in items)  # a member of a deleted zip is deleted
    first = items[0]
    assert first.steps[0] == deleted.steps[0]
    assert first.steps[1].kind == "member"
    detail = first.steps[1].detail
    assert detail["archive"] == "zip"
    assert detail["method"] == "deflate"
    assert detail["index"] == 0
    assert detail["offset"] == 0
    assert 0 < detail["compressed_size"] <= len(next(iter(files.values()))) + 64  # type: ignore[operator]
    # Zip keeps local time without a zone: written as found, and said so.
    assert first.mtime == "2021-06-05T14:30:10.000000Z"
    assert detail["mtime_zone"] == "unknown"


def test_directories_are_not_items_and_stored_members_read_too() -> None:
    archive = zip_of({"empty-folder/": b"", "notes/a.txt": b"plain text"}, method=zipfile.ZIP_STORED)
    digests, items = read_all(ZIP.expand(io.BytesIO(archive), root(), Limits()))
    assert [item.path for item in items] == ["evidence.bin//notes/a.txt"]
    assert items[0].steps[-1].detail["method"] == "stored"
    assert digests == {"notes/a.txt": sha256(b"plain text")}


def test_recognised_by_bytes_only() -> None:
    archive = zip_of({"a.txt": b"a"})
    assert ZIP.sniff(archive[:HEAD_BYTES], len(archive))
    empty = io.BytesIO()
    zipfile.ZipFile(empty, "w").close()
    assert ZIP.sniff(empty.getvalue(), len(empty.getvalue()))
    assert ZIP.sniff(b"PK\x07\x08" + archive[:100], None)  # a spanned archive's marker
    assert not ZIP.sniff(b"PK\x05\x06", 4)
    assert not ZIP.sniff(tar_of({"a.txt": b"a"}), None)
    assert not ZIP.sniff(b"\xff\xd8\xff\xe0 a jpeg", None)
    assert expand(ZIP, empty.getvalue()) == []


def test_a_zip_inside_a_tar_sniffs_as_zip_and_expands_from_the_member_stream() -> None:
    photo_name, photo = next(iter(photos(1).items()))
    inner = zip_of({photo_name: photo})
    outer = tar_of({"backup/inner.zip": inner})
    for member in TarContainer().expand(io.BytesIO(outer), root("outer.tar"), Limits()):
        with member.open() as stream:
            assert ZIP.sniff(stream.read(HEAD_BYTES), member.size)
            stream.seek(0)
            digests, items = read_all(ZIP.expand(stream, member, Limits()))
        assert digests == {f"backup/inner.zip//{photo_name}": sha256(photo)}
        assert items[0].path == f"outer.tar//backup/inner.zip//{photo_name}"


def test_a_deflated_zip_inside_a_zip_is_spooled_and_expands() -> None:
    files = photos(2)
    inner = zip_of(files)
    outer = zip_of({"nested/inner.zip": inner})
    digests: dict[str, str] = {}
    for member in ZIP.expand(io.BytesIO(outer), root("outer.zip"), Limits()):
        with member.open() as stream:
            found, _ = read_all(ZIP.expand(stream, member, Limits()))
        digests.update(found)
    assert digests == {f"nested/inner.zip//{name}": sha256(data) for name, data in files.items()}


def test_encrypted_entries_are_recorded_as_unreadable_not_crashed() -> None:
    archive = raw_zip(
        [
            RawEntry(b"secret/photo.jpg", b"\x8a" * 64, method=8, flags=0x01, size=5000),
            RawEntry(b"readme.txt", b"not secret"),
        ]
    )
    digests, items = read_all(ZIP.expand(io.BytesIO(archive), root(), Limits()))
    secret, _ = items
    assert secret.problem == ENCRYPTED
    assert not secret.readable
    assert secret.size == 5000  # metadata still recorded
    assert secret.steps[-1].detail["encryption"] == "zipcrypto"
    assert digests == {"readme.txt": sha256(b"not secret")}


def test_path_traversal_and_hidden_characters_in_names_are_kept_sanitised_and_flagged() -> None:
    names = {
        b"../../etc/passwd": "__/__/etc/passwd",
        b"/abs/photo.jpg": "abs/photo.jpg",
        b"C:\\Windows\\photo.jpg": "C_/Windows/photo.jpg",
        b"dir\\sub\\..\\..\\..\\x.jpg": "dir/sub/__/__/__/x.jpg",
        b"nul\x00byte.jpg": "nul\\x00byte.jpg",
        "gpj.\u202eexe".encode(): "gpj.\\u202eexe",
    }
    archive = raw_zip([RawEntry(raw, raw, flags=0x800) for raw in names])  # names in UTF-8
    digests, items = read_all(ZIP.expand(io.BytesIO(archive), root(), Limits()))
    assert [item.steps[-1].name for item in items] == list(names.values())
    for item, raw in zip(items, names, strict=True):
        detail = item.steps[-1].detail
        assert detail["unsafe_name"] is True
        assert detail["original_name"] == repr(raw.decode())
        assert item.readable  # still evidence: its bytes are read, never written anywhere by name
    assert digests["__/__/etc/passwd"] == sha256(b"../../etc/passwd")


def test_windows_separators_alone_are_not_unsafe() -> None:
    items = expand(ZIP, raw_zip([RawEntry(b"Pictures\\2020\\a.jpg", b"x")]))
    assert items[0].steps[-1].name == "Pictures/2020/a.jpg"
    assert "unsafe_name" not in items[0].steps[-1].detail


def test_duplicate_names_get_stable_unique_paths() -> None:
    archive = raw_zip(
        [RawEntry(b"a.jpg", b"one"), RawEntry(b"a.jpg", b"two"), RawEntry(b"a.jpg#2", b"three")]
    )
    first = [item.path for item in expand(ZIP, archive)]
    assert first == ["evidence.bin//a.jpg", "evidence.bin//a.jpg#2", "evidence.bin//a.jpg#2#2"]
    assert [item.path for item in expand(ZIP, archive)] == first
    digests, _ = read_all(ZIP.expand(io.BytesIO(archive), root(), Limits()))
    assert digests == {"a.jpg": sha256(b"one"), "a.jpg#2": sha256(b"two"), "a.jpg#2#2": sha256(b"three")}


def test_a_zip_bomb_is_recorded_not_read() -> None:
    bomb = zip_bomb(1 << 30)  # 1 GiB of zeros in about 1 MB
    [item] = expand(ZIP, bomb)
    assert item.problem is not None
    assert item.problem.startswith("possible zip bomb")
    assert item.size == 1 << 30
    assert not item.readable


def test_a_member_over_the_size_limit_is_recorded_not_read() -> None:
    limits = Limits(ratio=100_000, member_bytes=64 << 20)
    [item] = expand(ZIP, zip_bomb(1 << 30), limits)
    assert item.problem is not None
    assert item.problem.startswith("over the member size limit")


def test_members_past_the_total_limit_are_recorded_not_read() -> None:
    archive = zip_of({"a.bin": bytes(600), "b.bin": bytes(600), "c.bin": bytes(10)})
    items = expand(ZIP, archive, Limits(total_bytes=1000))
    assert [item.problem is None for item in items] == [True, False, True]
    assert items[1].problem is not None
    assert items[1].problem.startswith("over the archive's total size limit")


def test_a_lying_declared_size_gives_a_read_error_not_more_bytes() -> None:
    zeros = bytes(8 << 20)
    packed = zlib.compress(zeros, 9)[2:-4]
    archive = raw_zip([RawEntry(b"liar.bin", packed, method=8, size=1000, crc=zlib.crc32(zeros))])
    [item] = expand(ZIP, archive)
    tracemalloc.start()
    try:
        read, error = read_until_error(item, 100)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    # zipfile stops at the declared size, and the CRC then shows the lie.
    assert read <= 1000
    assert error is not None
    assert "liar.bin" in str(error)
    assert peak < 4 << 20


@pytest.mark.slow
def test_absurd_entry_counts_are_capped_with_one_summary_item() -> None:
    archive = many_entries_zip(200_000)  # zip64 end records: more than 65535 entries
    items = expand(ZIP, archive, Limits(members=70_000))
    assert len(items) == 70_001
    summary = items[-1]
    assert summary.problem.startswith(
        "130000 more entries not listed: over the limit of 70000 members per container"
    )
    assert "(limit max_members=70000; " in summary.problem
    assert summary.steps[-1].detail["skipped"] == 130_000
    assert items[69_999].path == "evidence.bin//e69999"
    assert all(item.readable for item in items[:-1])


def test_a_truncated_zip_gives_the_members_before_the_cut_then_an_error() -> None:
    files = photos(3)
    archive = zip_of(files)
    names = list(files)
    with zipfile.ZipFile(io.BytesIO(archive)) as listing:
        third = listing.getinfo(names[2]).header_offset
    drained = drain(ZIP.expand(io.BytesIO(archive[: third + 100]), root(), Limits()))
    assert drained.digests == {name: sha256(files[name]) for name in names[:2]}
    assert drained.items[-1].steps[-1].name == names[2]
    assert drained.items[-1].problem == "truncated: the archive ends inside it; not read"
    assert all(item.steps[-1].detail.get("recovered") for item in drained.items)
    assert str(drained.error) == (
        f"zip central directory is missing: 2 entries recovered from local headers; the archive ends inside "
        f"member {names[2]!r} at byte {third}"
    )


def test_members_whose_sizes_follow_their_data_are_recovered_from_local_headers() -> None:
    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, chunk: bytes) -> int:  # type: ignore[override]
            self.data += chunk
            return len(chunk)

    files = photos(3)
    sink = Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    written = bytes(sink.data)
    assert struct.unpack("<H", written[6:8])[0] & 0x08  # data descriptors, as a phone or a stream writes
    without_directory = written[: written.index(b"PK\x01\x02")]
    drained = drain(ZIP.expand(io.BytesIO(without_directory), root(), Limits()))
    assert drained.digests == {name: sha256(data) for name, data in files.items()}
    assert str(drained.error) == "zip central directory is missing: 3 entries recovered from local headers"


def test_not_a_zip_at_all_is_an_error_right_away() -> None:
    with pytest.raises(ContainerError, match="not a readable zip"):
        expand(ZIP, b"PK\x03\x04" + bytes(10))


def test_unsupported_methods_and_links_are_recorded() -> None:
    archive = raw_zip(
        [
            RawEntry(b"old.jpg", b"\x00" * 40, method=9, size=100),
            RawEntry(b"link.jpg", b"../../etc/shadow", create_system=3, external_attr=0o120777 << 16),
        ]
    )
    old, link = expand(ZIP, archive)
    assert old.problem == "compression method deflate64 is not supported; not read"
    assert link.problem == "symbolic link to '../../etc/shadow', not followed"


def test_times_from_an_extended_timestamp_field_are_utc() -> None:
    stamp = struct.pack("<2HBl", 0x5455, 5, 1, 1_600_000_000)
    [item] = expand(ZIP, raw_zip([RawEntry(b"a.jpg", b"x", extra=stamp)]))
    assert item.mtime == "2020-09-13T12:26:40.000000Z"
    assert item.steps[-1].detail["mtime_zone"] == "UTC"
