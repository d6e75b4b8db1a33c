"""Tar archives as evidence containers: members, links and devices, hostile names, limits, truncation."""

from __future__ import annotations

import io
import tarfile

import pytest

from tests.evidence.archives import (
    TarEntry,
    drain,
    expand,
    photos,
    read_all,
    root,
    sha256,
    tar_of,
    v7_tar,
    zip_of,
)
from warden.evidence.base import HEAD_BYTES, ContainerError, Item, Limits, Step
from warden.evidence.tar import TarContainer
from warden.evidence.zip import ZipContainer
from warden.model.states import State

TAR = TarContainer()


def test_members_come_out_with_paths_sizes_times_and_the_exact_bytes() -> None:
    files = {f"DCIM/{name}": data for name, data in photos(3).items()}
    archive = tar_of(files)
    carved = Item(steps=(Step("carved", "unallocated@0x1000.tar"),), state=State.CARVED)

    digests, items = read_all(TAR.expand(io.BytesIO(archive), carved, Limits()))

    assert digests == {path: sha256(data) for path, data in files.items()}
    assert [item.path for item in items] == [f"unallocated@0x1000.tar//{path}" for path in files]
    assert [item.size for item in items] == [len(data) for data in files.values()]
    assert all(item.state is State.CARVED for item in items)  # a member of a carved tar is carved
    detail = items[0].steps[-1].detail
    assert detail["archive"] == "tar"
    assert detail["offset"] == 0
    assert detail["mode"] == "0644"
    assert detail["uname"] == "examiner"
    assert items[0].mtime == "2020-09-13T12:26:40.000000Z"  # tar times are UTC


def test_pax_access_and_change_times_are_kept() -> None:
    entry = TarEntry("a.jpg", b"x", pax={"atime": "1600000100.5", "ctime": "1600000200"})
    [item] = expand(TAR, tar_of([entry]))
    assert item.atime == "2020-09-13T12:28:20.500000Z"
    assert item.ctime == "2020-09-13T12:30:00.000000Z"


def test_recognised_by_bytes_only_including_old_v7_headers() -> None:
    for format_ in (tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT):
        archive = tar_of({"a.txt": b"a"}, format=format_)
        assert TAR.sniff(archive[:HEAD_BYTES], len(archive))
    old = v7_tar("old/photo.jpg", b"old bytes")
    assert old[257:262] != b"ustar"
    assert TAR.sniff(old, len(old))
    digests, _ = read_all(TAR.expand(io.BytesIO(old), root(), Limits()))
    assert digests == {"old/photo.jpg": sha256(b"old bytes")}
    damaged = bytearray(old)
    damaged[0] ^= 1  # the checksum no longer holds
    assert not TAR.sniff(bytes(damaged), len(damaged))
    assert not TAR.sniff(bytes(1024), 1024)
    assert not TAR.sniff(zip_of({"a": b"a"}), None)
    assert not TAR.sniff(b"short", 5)


def test_a_zip_member_of_a_tar_sniffs_as_zip() -> None:
    inner = zip_of(photos(1))
    archive = tar_of([TarEntry("x/folder", type=tarfile.DIRTYPE), TarEntry("x/inner.zip", inner)])
    members = TAR.expand(io.BytesIO(archive), root(), Limits())
    member = next(members)  # folders are not items
    with member.open() as stream:
        assert ZipContainer().sniff(stream.read(HEAD_BYTES), member.size)
    assert list(members) == []


def test_links_and_devices_are_recorded_and_hard_links_read_their_target() -> None:
    entries = [
        TarEntry("photo.jpg", b"jpeg bytes"),
        TarEntry("same.jpg", type=tarfile.LNKTYPE, linkname="photo.jpg"),
        TarEntry("away.jpg", type=tarfile.SYMTYPE, linkname="/etc/passwd"),
        TarEntry("pipe", type=tarfile.FIFOTYPE),
        TarEntry("dangling.jpg", type=tarfile.LNKTYPE, linkname="nowhere.jpg"),
    ]
    digests, items = read_all(TAR.expand(io.BytesIO(tar_of(entries)), root(), Limits()))
    assert digests == {"photo.jpg": sha256(b"jpeg bytes"), "same.jpg": sha256(b"jpeg bytes")}
    problems = {item.steps[-1].name: item.problem for item in items}
    assert problems["away.jpg"] == "symbolic link to '/etc/passwd', not followed"
    assert problems["pipe"] == "a named pipe, not read"
    assert problems["dangling.jpg"] is not None
    assert problems["dangling.jpg"].startswith("hard link to 'nowhere.jpg'")
    assert items[1].steps[-1].detail["link_target"] == "photo.jpg"


def test_traversal_names_are_sanitised_flagged_and_still_read() -> None:
    archive = tar_of({"../../root/.ssh/photo.jpg": b"a", "/etc/cron.d/photo.jpg": b"b"})
    digests, items = read_all(TAR.expand(io.BytesIO(archive), root(), Limits()))
    assert [item.steps[-1].name for item in items] == ["__/__/root/.ssh/photo.jpg", "etc/cron.d/photo.jpg"]
    assert all(item.steps[-1].detail["unsafe_name"] is True for item in items)
    assert digests == {"__/__/root/.ssh/photo.jpg": sha256(b"a"), "etc/cron.d/photo.jpg": sha256(b"b")}


def test_absurd_entry_counts_are_capped_with_one_summary_item() -> None:
    archive = tar_of({f"e{index}": b"" for index in range(3000)}, format=tarfile.USTAR_FORMAT)
    items = expand(TAR, archive, Limits(members=100))
    assert len(items) == 101
    assert (items[-1].problem or "").startswith(
        "2900 more entries not listed: over the limit of 100 members per container"
    )


def test_members_over_the_size_limit_are_recorded_not_read() -> None:
    archive = tar_of({"big.bin": bytes(5000), "small.bin": b"s"})
    big, small = expand(TAR, archive, Limits(member_bytes=4096))
    assert big.problem is not None
    assert big.problem.startswith("over the member size limit")
    assert small.readable


def test_a_truncated_tar_gives_the_members_before_the_cut_then_an_error() -> None:
    files = photos(3)
    archive = tar_of(files, format=tarfile.USTAR_FORMAT)
    names = list(files)
    drained = drain(TAR.expand(io.BytesIO(archive[:6000]), root(), Limits()))
    assert drained.digests == {names[0]: sha256(files[names[0]])}
    assert drained.items[1].problem is not None
    assert drained.items[1].problem.startswith("truncated: the archive ends")
    assert str(drained.error) == "tar archive damaged after 2 entries: unexpected end of data"


def test_garbage_after_a_tar_signature_is_an_error() -> None:
    header = bytearray(tar_of({"a": b"a"}, format=tarfile.USTAR_FORMAT)[:512])
    header[148:156] = b"0000000\0"  # the checksum no longer holds, though the magic is there
    with pytest.raises(ContainerError, match="tar archive cannot be read"):
        expand(TAR, bytes(header) + bytes(1024))
