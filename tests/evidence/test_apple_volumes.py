"""Issue 14: APFS containers and HFS+ resource forks, on dfvfs's public specimens (``tests/data``).

Each file comes out with the size and content dfvfs's own tests expect of it; the resource fork of a file is
an item of its own, ``<path>:rsrc``, on APFS and HFS+ alike; an APFS container in a GPT partition or a
virtual disk is walked the same; a damaged APFS header is "not examined" with the reason.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.evidence import images, volumes
from tests.evidence.images import file_item
from warden.evidence.base import Limits
from warden.evidence.containers import register_built_in
from warden.evidence.walk import Found, walk

pytest.importorskip("pyfsapfs", reason="APFS needs pip install 'warden[forensics]'")

PASSWORDS = (
    b"place,user,password\nbank,joesmith,superrich\nalarm system,-,1234\ntreasure chest,-,1111\n"
    b"uber secret laire,admin,admin\n"
)
"""``passwords.txt`` as dfvfs's tests expect it (``tests/file_io/test_lib.py``)."""

FORK = b"My resource fork\n"
"""The resource fork dfvfs's script writes (``utils/generate_test_data_macos.sh``); 17 bytes in its tests."""


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


EXPECTED = {  # path inside the volume: (size, MD5) as dfvfs's tests give them
    "passwords.txt": (116, md5(PASSWORDS)),
    "a_directory/a_resourcefork": (0, md5(b"")),
    "a_directory/a_resourcefork:rsrc": (17, md5(FORK)),
}


def found_in(path: Path) -> list[tuple[Found, bytes | None]]:
    register_built_in()
    out = []
    for found in walk([file_item(path)], Limits()):
        data = None
        if found.item.readable:
            with found.item.open() as stream:
                data = stream.read()
        out.append((found, data))
    return out


def files(found: list[tuple[Found, bytes | None]], below: str) -> dict[str, tuple[int | None, str | None]]:
    """Each file below ``below`` (a path prefix ending in ``//``): its size and MD5."""
    return {
        f.item.path.removeprefix(below): (f.item.size, md5(data) if data is not None else None)
        for f, data in found
        if f.item.path.startswith(below)
    }


def test_every_file_of_an_apfs_volume_is_listed_under_the_volume_name(tmp_path: Path) -> None:
    found = found_in(volumes.specimen("apfs.raw", tmp_path))
    assert found[0][0].container == "apfs"
    listed = files(found, "apfs.raw//apfs_test//")
    for path, (size, digest) in EXPECTED.items():
        assert listed[path] == (size, digest), path
    assert listed["a_directory/another_file"][0] == 22
    assert listed["a_directory/a_file"][0] == 53
    [link] = [f for f, _ in found if f.item.path == "apfs.raw//apfs_test//a_link"]
    assert "symbolic link to 'a_directory/another_file', not followed" in str(link.item.problem)
    volume_step = found[1][0].item.steps[1]
    assert (volume_step.kind, volume_step.name) == ("volume", "apfs_test")
    [fork] = [f for f, _ in found if f.item.path.endswith(":rsrc")]
    assert fork.item.steps[-1].detail["stream"] == "rsrc"
    assert not [f for f, _ in found if f.item.not_examined]


def test_an_hfs_plus_resource_fork_is_an_item_of_its_own(tmp_path: Path) -> None:
    found = found_in(volumes.specimen("hfsplus.raw", tmp_path))
    assert found[0][0].container == "raw-image"
    listed = files(found, "hfsplus.raw//")
    for path, (size, digest) in EXPECTED.items():
        assert listed[path] == (size, digest), path
    # A file with no resource fork gets no fork item.
    assert "passwords.txt:rsrc" not in listed and "a_directory/a_file:rsrc" not in listed
    [fork] = [f for f, _ in found if f.item.path.endswith(":rsrc")]
    assert fork.item.steps[-1].detail == {"inode": 25, "file_system": "hfs+", "stream": "rsrc"}


def test_an_apfs_partition_of_a_gpt_disk_and_of_a_virtual_disk_is_walked(tmp_path: Path) -> None:
    apfs = volumes.specimen("apfs.raw", tmp_path).read_bytes()
    disk = volumes.gpt_disk(tmp_path / "mac.img", apfs, "af0a", "Macintosh HD")
    raw = files(found_in(disk), "mac.img//p1//apfs_test//")
    for path, expected in EXPECTED.items():
        assert raw[path] == expected, path
    images.run("qemu-img", "convert", "-f", "raw", "-O", "vhdx", disk, tmp_path / "mac.vhdx")
    pytest.importorskip("pyvhdi", reason="pip install 'warden[vdisk]'")
    assert files(found_in(tmp_path / "mac.vhdx"), "mac.vhdx//p1//apfs_test//") == raw


def test_a_damaged_apfs_header_is_not_examined_with_the_reason(tmp_path: Path) -> None:
    data = bytearray(volumes.specimen("apfs.raw", tmp_path).read_bytes())
    block = 4096
    for at in range(0, len(data), block):  # every superblock copy: the first and the checkpoints'
        if data[at + 32 : at + 36] == b"NXSB":
            data[at + 36 : at + block] = bytes(block - 36)
    damaged = tmp_path / "damaged.raw"
    damaged.write_bytes(bytes(data))
    found = found_in(damaged)
    assert found[0][0].container == "apfs"
    [fact] = [f for f, _ in found if f.item.not_examined]
    assert fact.item.path == "damaged.raw//(unreadable)"
    assert "cannot be read as apfs: APFS container header is damaged" in str(fact.item.problem)


def test_a_damaged_apfs_partition_is_named_then_carved(tmp_path: Path) -> None:
    data = bytearray(volumes.specimen("apfs.raw", tmp_path).read_bytes())
    data[36:4096] = bytes(4096 - 36)
    for at in range(4096, len(data), 4096):
        if data[at + 32 : at + 36] == b"NXSB":
            data[at + 36 : at + 4096] = bytes(4096 - 36)
    disk = volumes.gpt_disk(tmp_path / "mac.img", bytes(data), "af0a", "Macintosh HD")
    found = found_in(disk)
    [fact] = [f for f, _ in found if f.item.not_examined]
    assert fact.item.path == "mac.img//p1//(unreadable)"
    assert "APFS container header is damaged" in str(fact.item.problem)
    assert "carved whole" in str(fact.item.problem)
