"""Volumes for the APFS, HFS+, XFS and LVM2 tests: public specimens (``tests/data``) and images built here.

APFS and HFS+ cannot be written on Linux: their specimens are dfvfs's (``tests/data/README.md``), decompressed
into a temporary folder and checked against their SHA-256. XFS is built with ``mkfs.xfs -p`` (a prototype
file fills it from the host without mounting; Debian package ``xfsprogs``). LVM2 cannot be created without
the device mapper, so :func:`physical_volume` writes the on-disk format itself: the label sector, the
physical volume header, and the volume group's metadata as text, around a file system built here.
"""

from __future__ import annotations

import hashlib
import lzma
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.evidence import images

DATA = Path(__file__).resolve().parent.parent / "data"

SPECIMENS = {
    "apfs.raw": "e3e3adcbbf189403d892b013d6cba155f2e58e42ff5eb541ec681c37a91a3f29",
    "hfsplus.raw": "03cfaa73e1bc61ee19d285252ae6919afc9990506ad1c2919249d1e11d289b08",
}
"""The specimens and the SHA-256 of each, decompressed (``tests/data/README.md``)."""

SECTOR = 512


def specimen(name: str, folder: Path) -> Path:
    """The specimen ``name`` decompressed into ``folder``, checked against its SHA-256."""
    data = lzma.decompress((DATA / f"{name}.xz").read_bytes())
    assert hashlib.sha256(data).hexdigest() == SPECIMENS[name]
    path = folder / name
    path.write_bytes(data)
    return path


def _tool(name: str, package: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found is None:
        pytest.skip(f"{name} is not installed (Debian package {package})")
    return found


def xfs_image(path: Path, photos: dict[str, bytes], size: int = 32 << 20) -> Path:
    """An XFS file system at ``path`` holding ``photos`` (``folder/name.jpg`` -> bytes), via a prototype
    file. ``mkfs.xfs`` refuses a file system under 300 MB unless told it is for testing (the environment
    variables xfstests sets), which keeps the image small."""
    mkfs = _tool("mkfs.xfs", "xfsprogs")
    stage = path.parent / f".{path.name}-stage"
    tree: dict[str, Any] = {}
    for name, data in photos.items():
        (stage / name).parent.mkdir(parents=True, exist_ok=True)
        (stage / name).write_bytes(data)
        *folders, file = name.split("/")
        level = tree
        for folder in folders:
            level = level.setdefault(folder, {})
        level[file] = stage / name

    def entries(level: dict[str, Any]) -> list[str]:
        lines = []
        for name, value in sorted(level.items()):
            if isinstance(value, dict):
                lines += [f"{name} d--755 0 0", *entries(value), "$"]
            else:
                lines.append(f"{name} ---644 0 0 {value}")
        return lines

    lines = ["/warden-test", "0 0", "d--755 0 0", *entries(tree), "$"]
    proto = path.parent / f".{path.name}-proto"
    proto.write_text("\n".join(lines) + "\n")
    with path.open("wb") as handle:
        handle.truncate(size)
    env = {**os.environ, "TEST_DIR": "1", "TEST_DEV": "1", "QA_CHECK_FS": "1"}
    subprocess.run([mkfs, "-q", "-f", "-p", str(proto), str(path)], env=env, check=True, capture_output=True)
    shutil.rmtree(stage)
    proto.unlink()
    return path


def fat_volume(path: Path, photos: dict[str, bytes]) -> Path:
    """An 8 MiB FAT16 file system at ``path`` holding ``photos`` in its root (8.3 names)."""
    images.run("mkfs.fat", "-C", "-F", "16", "-s", "2", "-n", "LVMTEST", path, "8192")
    for name, data in photos.items():
        staged = path.parent / f".{name}"
        staged.write_bytes(data)
        images.run("mcopy", "-i", path, staged, f"::/{name}")
        staged.unlink()
    return path


def lvm_crc(data: bytes) -> int:
    """LVM2's CRC-32: the reflected polynomial 0xEDB88320 from 0xF597A6CF, with no final inversion."""
    return zlib.crc32(data, 0xF597A6CF ^ 0xFFFFFFFF) ^ 0xFFFFFFFF


def physical_volume(volumes: dict[str, bytes], group: str = "evidence", extent_sectors: int = 2048) -> bytes:
    """An LVM2 physical volume holding one volume group whose linear logical volumes hold ``volumes``
    (name -> bytes), one after another, as LVM's own tools lay them out: the label in sector 1, the
    metadata area from 4 KiB, the extents from 1 MiB."""
    pe_start = 2048
    extent = extent_sectors * SECTOR
    counts = {name: -(-len(data) // extent) for name, data in volumes.items()}
    total = sum(counts.values())
    size = pe_start * SECTOR + total * extent
    disk = bytearray(size)
    header = b"A" * 32 + struct.pack("<Q", size)
    header += struct.pack("<QQQQ", pe_start * SECTOR, 0, 0, 0)  # one data area, then the list's end
    header += struct.pack("<QQQQ", 4096, pe_start * SECTOR - 4096, 0, 0)  # one metadata area
    label = b"LABELONE" + struct.pack("<Q", 1) + bytes(4) + struct.pack("<I", 32) + b"LVM2 001" + header
    label = label.ljust(SECTOR, b"\0")
    disk[SECTOR : 2 * SECTOR] = label[:16] + struct.pack("<I", lvm_crc(label[20:])) + label[20:]
    logical, first = [], 0
    for number, (name, count) in enumerate(counts.items()):
        logical.append(
            f'{name} {{\nid = "lv{number:04d}-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaaa"\n'
            'status = ["READ", "WRITE", "VISIBLE"]\nflags = []\nsegment_count = 1\n'
            f'segment1 {{\nstart_extent = 0\nextent_count = {count}\ntype = "striped"\nstripe_count = 1\n'
            f'stripes = [\n"pv0", {first}\n]\n}}\n}}\n'
        )
        first += count
    text = (
        f'{group} {{\nid = "vg0000-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaaa"\nseqno = 1\nformat = "lvm2"\n'
        f'status = ["RESIZEABLE", "READ", "WRITE"]\nflags = []\nextent_size = {extent_sectors}\n'
        "max_lv = 0\nmax_pv = 0\nmetadata_copies = 0\n"
        'physical_volumes {\npv0 {\nid = "AAAAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAAAA"\ndevice = "/dev/sdb"\n'
        f'status = ["ALLOCATABLE"]\nflags = []\ndev_size = {size // SECTOR}\npe_start = {pe_start}\n'
        f"pe_count = {total}\n}}\n}}\n"
        f"logical_volumes {{\n{''.join(logical)}}}\n}}\n"
        'contents = "Text Format Volume Group"\nversion = 1\ndescription = ""\n'
        'creation_host = "warden-test"\ncreation_time = 0\n'
    ).encode() + b"\0"
    area, at = 4096, 512
    disk[area + at : area + at + len(text)] = text
    mda = b" LVM2 x[5A%r0N*>" + struct.pack("<IQQ", 1, area, pe_start * SECTOR - area)
    mda += struct.pack("<QQII", at, len(text), lvm_crc(text), 0)
    mda = mda.ljust(SECTOR - 4, b"\0")
    disk[area : area + SECTOR] = struct.pack("<I", lvm_crc(mda)) + mda
    offset = pe_start * SECTOR
    for name, data in volumes.items():
        disk[offset : offset + len(data)] = data
        offset += counts[name] * extent
    return bytes(disk)


def gpt_disk(path: Path, volume: bytes, type_code: str, name: str) -> Path:
    """A GPT disk at ``path`` whose one partition (``sgdisk`` type ``type_code``) holds ``volume``."""
    sectors = -(-len(volume) // SECTOR)
    start = 2048
    with path.open("wb") as handle:
        handle.truncate((start + sectors + 2048) * SECTOR)
    images.run(
        "sgdisk",
        "-o",
        "-n",
        f"1:{start}:{start + sectors - 1}",
        "-t",
        f"1:{type_code}",
        "-c",
        f"1:{name}",
        path,
    )
    with path.open("r+b") as handle:
        handle.seek(start * SECTOR)
        handle.write(volume)
    return path
