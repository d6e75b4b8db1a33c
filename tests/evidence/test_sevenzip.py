"""7z archives as evidence containers: members streamed one at a time, encryption, bombs, hostile names."""

from __future__ import annotations

import io
import threading

import pytest

pytest.importorskip("py7zr", reason="7z needs py7zr: pip install 'warden[forensics]'")

from tests.evidence.archives import (
    drain,
    expand,
    photos,
    read_all,
    rename_in_7z,
    root,
    sevenzip_of,
    sha256,
    zip_of,
)
from warden.evidence.base import HEAD_BYTES, ContainerError, Item, Limits, Step
from warden.evidence.members import ENCRYPTED
from warden.evidence.sevenzip import SevenZipContainer
from warden.evidence.zip import ZipContainer
from warden.model.states import State

SEVENZIP = SevenZipContainer()


def test_members_of_a_solid_archive_come_out_in_order_with_the_exact_bytes() -> None:
    files = {f"camera/{name}": data for name, data in photos(3).items()}
    files["camera/empty.txt"] = b""
    archive = sevenzip_of(files)
    deleted = Item(steps=(Step("file", "a.7z"),), state=State.DELETED)

    digests, items = read_all(SEVENZIP.expand(io.BytesIO(archive), deleted, Limits()))

    assert digests == {path: sha256(data) for path, data in files.items()}
    assert [item.path for item in items] == [f"a.7z//{path}" for path in files]
    assert [item.size for item in items] == [len(data) for data in files.values()]
    assert all(item.state is State.DELETED for item in items)
    detail = items[0].steps[-1].detail
    assert detail["archive"] == "7z"
    assert detail["block"] == 0
    assert items[0].mtime is not None
    assert items[0].mtime.endswith("Z")


def test_a_member_can_be_opened_again_while_the_archive_waits() -> None:
    files = photos(2)
    for item in SEVENZIP.expand(io.BytesIO(sevenzip_of(files)), root(), Limits()):
        with item.open() as first:
            head = first.read(HEAD_BYTES)
        with item.open() as again:
            assert again.read() == files[item.steps[-1].name]
        assert files[item.steps[-1].name].startswith(head)


def test_recognised_by_bytes_only() -> None:
    archive = sevenzip_of({"a.txt": b"a"})
    assert SEVENZIP.sniff(archive[:HEAD_BYTES], len(archive))
    assert not SEVENZIP.sniff(zip_of({"a.txt": b"a"}), None)
    assert not SEVENZIP.sniff(b"7z but not the signature", None)


def test_a_zip_member_of_a_7z_sniffs_as_zip() -> None:
    members = SEVENZIP.expand(io.BytesIO(sevenzip_of({"in/inner.zip": zip_of(photos(1))})), root(), Limits())
    member = next(members)
    with member.open() as stream:
        assert ZipContainer().sniff(stream.read(HEAD_BYTES), member.size)
    members.close()


def test_encrypted_members_are_recorded_as_unreadable() -> None:
    files = photos(2)
    items = expand(SEVENZIP, sevenzip_of(files, password="secret"))
    assert [item.steps[-1].name for item in items] == list(files)
    assert all(item.problem == ENCRYPTED for item in items)
    assert [item.size for item in items] == [len(data) for data in files.values()]


def test_an_encrypted_file_list_is_an_error() -> None:
    with pytest.raises(ContainerError, match="encrypted file list"):
        expand(SEVENZIP, sevenzip_of(photos(1), password="secret", encrypt_list=True))


def test_traversal_names_are_read_under_a_sanitised_name_and_flagged() -> None:
    archive = sevenzip_of({"ab/evil.jpg": b"evil", "fine.jpg": b"fine"}, plain_header=True)
    archive = rename_in_7z(archive, "ab/evil.jpg", "../evil.jpg")
    digests, items = read_all(SEVENZIP.expand(io.BytesIO(archive), root(), Limits()))
    assert digests == {"__/evil.jpg": sha256(b"evil"), "fine.jpg": sha256(b"fine")}
    detail = items[0].steps[-1].detail
    assert detail["unsafe_name"] is True
    assert detail["original_name"] == "'../evil.jpg'"


@pytest.mark.slow
def test_a_bomb_in_a_solid_block_is_recorded_and_what_follows_it_is_not_decompressed() -> None:
    before, after = list(photos(2).items())
    archive = sevenzip_of({before[0]: before[1], "zeros.bin": bytes(64 << 20), after[0]: after[1]})
    digests, items = read_all(SEVENZIP.expand(io.BytesIO(archive), root(), Limits()))
    assert digests == {before[0]: sha256(before[1])}
    _, bomb, last = items
    assert bomb.problem is not None
    assert bomb.problem.startswith("possible zip bomb")
    assert last.problem == (
        "not read: it follows 'zeros.bin' in its solid block, which is over the limits "
        "(limit max_ratio=1000; raise it for this exhibit: --raise-limit 'EXHIBIT:max_ratio=N', N > 1000)"
    )


def test_members_over_the_size_limit_are_recorded_not_read() -> None:
    archive = sevenzip_of({"big.bin": bytes(200_000), "small.bin": b"small"})
    big, small = expand(SEVENZIP, archive, Limits(member_bytes=100_000))
    assert big.problem is not None
    assert big.problem.startswith("over the member size limit")
    assert small.problem is not None  # it follows the refused member in the same solid block


def test_absurd_entry_counts_are_capped_with_one_summary_item() -> None:
    archive = sevenzip_of({f"e{index}": b"x" for index in range(300)})
    items = expand(SEVENZIP, archive, Limits(members=50))
    assert len(items) == 51
    assert (items[-1].problem or "").startswith(
        "250 more entries not listed: over the limit of 50 members per container"
    )


def test_a_truncated_archive_is_an_error() -> None:
    archive = sevenzip_of(photos(2))
    with pytest.raises(ContainerError, match="7z archive cannot be read"):
        expand(SEVENZIP, archive[: len(archive) // 2])


def test_damaged_data_gives_the_members_before_it_then_an_error() -> None:
    files = {"a.bin": bytes(range(256)) * 40, "b.bin": bytes(range(255, -1, -1)) * 40}
    archive = bytearray(sevenzip_of(files, plain_header=True))
    archive[40] ^= 0xFF  # inside the packed stream
    drained = drain(SEVENZIP.expand(io.BytesIO(bytes(archive)), root(), Limits()))
    assert [item.steps[-1].name for item in drained.items] == ["a.bin", "b.bin"]
    assert all(item.problem is not None for item in drained.items)  # names and sizes still recorded
    assert str(drained.error).startswith("the 7z data cannot be decompressed from member 'a.bin' on")


def test_stopping_early_ends_the_extraction_thread() -> None:
    before = threading.active_count()
    members = SEVENZIP.expand(io.BytesIO(sevenzip_of(photos(3))), root(), Limits())
    item = next(members)
    assert item.open().read(2) == b"\xff\xd8"
    members.close()
    assert threading.active_count() == before
    with pytest.raises(OSError, match="not available"):
        item.open()
