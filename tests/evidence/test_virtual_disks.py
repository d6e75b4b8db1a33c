"""Virtual disks (VHD, VHDX, VMDK, QCOW, VDI) and ISO images: read like the raw disk they hold, and never
silent: what Warden recognises but cannot open is "not examined" with the format and the reason."""

from __future__ import annotations

import hashlib
import io
import shutil
import sys
from pathlib import Path

import pytest

from tests.evidence import images, virtual_disks
from tests.evidence.images import DiskImage, file_item, photo_bytes, read_all
from warden.evidence.base import HEAD_BYTES, Item, Limits, Step
from warden.evidence.containers import register_built_in
from warden.evidence.raw_image import RawImageContainer
from warden.evidence.walk import Found, recognise, walk


@pytest.fixture(scope="module")
def disks() -> DiskImage:
    register_built_in()
    return virtual_disks.virtual_disks()


@pytest.fixture(scope="module")
def raw() -> dict[str, images.Read]:
    disk = images.mbr_disk()
    with disk.path.open("rb") as stream:
        return read_all(RawImageContainer().expand(stream, file_item(disk.path), Limits()))


def md5s(found: dict[str, images.Read]) -> dict[str, str | None]:
    return {path: read.data and hashlib.md5(read.data).hexdigest() for path, read in found.items()}


def walked(path: Path) -> list[Found]:
    return list(walk([file_item(path)], Limits()))


def not_examined(found: list[Found]) -> list[Found]:
    return [f for f in found if f.item.not_examined and f.item.steps[-1].kind == "error"]


@pytest.mark.parametrize("key", list(virtual_disks.CONVERSIONS))
def test_each_format_gives_the_raw_disks_items_and_md5s(
    key: str, disks: DiskImage, raw: dict[str, images.Read]
) -> None:
    name = virtual_disks.CONTAINER[key]
    if virtual_disks.BINDING[name]:
        pytest.importorskip(str(virtual_disks.BINDING[name]), reason="pip install 'warden[vdisk]'")
    path = virtual_disks.path_of(disks, key)
    found = walked(path)
    assert found[0].container == name
    inside = {f.item.path.split("//", 1)[1]: f for f in found if f.depth == 1}
    assert not not_examined(found)
    assert list(inside) == list(raw)  # same items, same order, same provenance names
    data: dict[str, images.Read] = {}
    for f in walk([file_item(path)], Limits()):  # read each as the walk reaches it
        if f.depth == 1:
            payload = f.item.open().read() if f.item.readable else None
            data[f.item.path.split("//", 1)[1]] = images.Read(f.item, payload)
    assert md5s(data) == md5s(raw)
    assert data["p1//_ONE.JPG"].data == photo_bytes("pinscher")  # deleted, recovered
    assert data["p2//photos/tench.jpg"].data == photo_bytes("tench")


@pytest.mark.parametrize("key", ["vhdx", "vmdk-split", "vdi"])
def test_a_virtual_disk_describes_its_media_and_gives_its_partitions(key: str, disks: DiskImage) -> None:
    name = virtual_disks.CONTAINER[key]
    if virtual_disks.BINDING[name]:
        pytest.importorskip(str(virtual_disks.BINDING[name]))
    path = virtual_disks.path_of(disks, key)
    container = recognise(path.read_bytes()[:HEAD_BYTES], path.stat().st_size)
    assert container is not None
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    facts = container.describe(file_item(path))  # type: ignore[attr-defined]
    raw = images.mbr_disk().path.read_bytes()
    assert facts["format"] == name
    assert facts["media_size"] == len(raw)
    assert facts["computed_md5"] == hashlib.md5(raw).hexdigest()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert [part[0] for part in container.parts(file_item(path))] == ["p1", "p2"]  # type: ignore[attr-defined]
    if key == "vmdk-split":
        assert facts["segments"] == 2  # the descriptor and its extent, each hashed


def test_an_iso_gives_the_same_photos_as_the_raw_volume() -> None:
    register_built_in()
    disc = virtual_disks.iso()
    found = walked(disc.path)
    assert found[0].container == "iso9660"
    on_disc = {}
    for f in walk([file_item(disc.path)], Limits()):
        if f.depth == 1 and f.item.readable:
            on_disc[f.item.path.split("//", 1)[1]] = hashlib.md5(f.item.open().read()).hexdigest()
    fat = images.fat16()
    with fat.path.open("rb") as stream:
        volume = read_all(RawImageContainer().expand(stream, file_item(fat.path), Limits()))
    live = {path: md5 for path, md5 in md5s(volume).items() if path in fat.facts["live"]}
    assert on_disc == live
    assert len(on_disc) == len(fat.facts["live"]) == 4


def damaged(source: Path, target: Path, start: int, end: int) -> Path:
    data = bytearray(source.read_bytes())
    data[start:end] = bytes(end - start)
    target.write_bytes(bytes(data))
    return target


@pytest.mark.parametrize(
    ("key", "start", "end"),
    [
        ("vhd", 512, 1536),
        ("vhdx", 8, 1 << 20),
        ("vmdk-sparse", 44, 80),
        ("qcow2", 8, 512),
        ("vdi", 0x154, 0x188),
    ],
)
def test_a_damaged_header_is_not_examined_naming_the_format(
    key: str, start: int, end: int, disks: DiskImage, tmp_path: Path
) -> None:
    name = virtual_disks.CONTAINER[key]
    if virtual_disks.BINDING[name]:
        pytest.importorskip(str(virtual_disks.BINDING[name]))
    source = virtual_disks.path_of(disks, key)
    found = walked(damaged(source, tmp_path / source.name, start, end))
    assert found[0].container == name  # still recognised: never an opaque file
    [fact] = not_examined(found)
    assert fact.item.problem is not None
    assert fact.item.problem.startswith(f"cannot be read as {name}: ")
    assert "damaged" in fact.item.problem or "truncated" in fact.item.problem
    assert fact.item.steps[-1].detail["container"] == name


@pytest.mark.parametrize(("key", "module", "package"), [("vhdx", "pyvhdi", "libvhdi-python"),
                                                         ("vmdk-sparse", "pyvmdk", "libvmdk-python"),
                                                         ("qcow2", "pyqcow", "libqcow-python")])  # fmt: skip
def test_a_format_without_its_extra_is_not_examined_naming_the_extra(
    key: str, module: str, package: str, disks: DiskImage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # as if the extra were not installed: import fails
    found = walked(virtual_disks.path_of(disks, key))
    assert found[0].container == virtual_disks.CONTAINER[key]
    [fact] = not_examined(found)
    assert package in str(fact.item.problem)
    assert "pip install 'warden[vdisk]'" in str(fact.item.problem)


def test_an_overlay_a_lone_extent_and_a_descriptor_in_an_archive_are_not_examined(disks: DiskImage) -> None:
    pytest.importorskip("pyqcow")
    pytest.importorskip("pyvmdk")
    [overlay] = not_examined(walked(disks.folder / disks.facts["overlay"]))
    assert "backed by another image (disk.qcow2)" in str(overlay.item.problem)
    [extent] = not_examined(walked(disks.folder / "split-s001.vmdk"))
    assert "one extent of a split VMDK" in str(extent.item.problem)
    data = virtual_disks.path_of(disks, "vmdk-flat").read_bytes()
    member = Item((Step("member", "flat.vmdk"),), size=len(data), opener=lambda: io.BytesIO(data))
    [alone] = not_examined(list(walk([member], Limits())))
    assert "extract the descriptor with every extent" in str(alone.item.problem)


def test_a_descriptor_never_reaches_outside_its_folder(disks: DiskImage, tmp_path: Path) -> None:
    pytest.importorskip("pyvmdk")
    source = virtual_disks.path_of(disks, "vmdk-flat")
    text = source.read_bytes().replace(b'"flat-flat.vmdk"', b'"../flat-flat.vmdk"')
    folder = tmp_path / "inner"
    folder.mkdir()
    shutil.copy(disks.folder / "flat-flat.vmdk", tmp_path)
    (folder / "flat.vmdk").write_bytes(text)
    [fact] = not_examined(walked(folder / "flat.vmdk"))
    assert "only extents beside the descriptor are read" in str(fact.item.problem)


VOLUMES = {  # name: (signature at offset, what the reason says: unopened, or a damaged header)
    "apfs": ({32: b"NXSB"}, "APFS container header is damaged"),
    "bitlocker": ({0: b"\xebX\x90-FVE-FS-", 510: b"\x55\xaa"}, "BitLocker volume header is damaged"),
    "luks": ({0: b"LUKS\xba\xbe\x00\x02"}, "encrypted (LUKS2 volume): recognised, not opened"),
    "corestorage": (
        {8: b"\x01\x00\x10\x00", 88: b"CS"},
        "Core Storage volume (FileVault 2) header is damaged",
    ),
    "xfs": ({0: b"XFSB"}, "XFS file system superblock is damaged"),
    "lvm2": ({512: b"LABELONE", 536: b"LVM2 001"}, "LVM2 physical volume label or metadata is damaged"),
    "udf": ({32769: b"BEA01", 34817: b"NSR02"}, "UDF disc image (no ISO 9660 bridge)"),
}


def volume(signatures: dict[int, bytes], size: int = 1 << 20) -> bytes:
    data = bytearray(size)
    for offset, magic in signatures.items():
        data[offset : offset + len(magic)] = magic
    return bytes(data)


@pytest.mark.parametrize("name", list(VOLUMES))
def test_volumes_warden_does_not_open_are_not_examined_not_opaque(name: str, tmp_path: Path) -> None:
    register_built_in()
    signatures, why = VOLUMES[name]
    path = tmp_path / "volume.bin"
    path.write_bytes(volume(signatures))
    found = walked(path)
    assert found[0].container == name
    [fact] = not_examined(found)
    assert why in str(fact.item.problem)


def test_an_encrypted_partition_of_a_disk_is_named(tmp_path: Path) -> None:
    register_built_in()
    disk = tmp_path / "disk.img"
    disk.write_bytes(bytes(8 << 20))
    images.run("sfdisk", "-q", disk, stdin="label: dos\nstart=2048, size=12288, type=83\n")
    with disk.open("r+b") as handle:
        handle.seek(2048 * 512)
        handle.write(volume(VOLUMES["luks"][0], 4096))
    found = walked(disk)
    assert found[0].container == "raw-image"
    [partition] = [f for f in found if f.item.path.startswith("disk.img//p1")]
    assert partition.item.not_examined
    assert "encrypted (LUKS" in str(partition.item.problem)


def test_a_hostile_vdi_is_refused_or_stops_where_its_blocks_end(disks: DiskImage, tmp_path: Path) -> None:
    source = virtual_disks.path_of(disks, "vdi").read_bytes()
    huge = bytearray(source)
    huge[0x170:0x178] = (1 << 60).to_bytes(8, "little")  # 1 EiB of media in a 6 MB file
    (tmp_path / "huge.vdi").write_bytes(bytes(huge))
    [refused] = not_examined(walked(tmp_path / "huge.vdi"))
    assert "sizes and offsets do not fit the file" in str(refused.item.problem)
    astray = bytearray(source)
    map_at = int.from_bytes(source[0x154:0x158], "little")
    astray[map_at + 4 * 2 : map_at + 4 * 3] = (0xFFFFFF00).to_bytes(4, "little")  # block 2 far past the end
    (tmp_path / "astray.vdi").write_bytes(bytes(astray))
    found = walked(tmp_path / "astray.vdi")
    problems = [f.item.problem for f in found if f.item.problem]
    assert any("VDI block 2 lies past the end of the file" in str(problem) for problem in problems)
