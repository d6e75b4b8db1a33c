"""Small disk images for the evidence tests, built with Debian's file system tools and cached by content.

Each builder writes an image (a few MB) from benign photos, without root and without mounting, and returns
the facts a test checks against: which photo lies at which path, which were deleted, where a photo was
written into free space. Built images are kept under ``$XDG_CACHE_HOME/warden-test-images/`` in a folder
named by a hash of this file's source and the photos' bytes, so a change to a builder rebuilds them and an
unchanged suite reuses them. Tests must copy an image before changing it.

Importing this module skips the importing test module when The Sleuth Kit's and libewf's Python bindings
(the optional ``pytsk3`` and ``libewf-python``) are not installed; a missing Debian tool skips the tests
that need its image, naming the package to install.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.media import media
from warden.evidence.base import Item, Step

for _binding in ("pytsk3", "pyewf"):
    pytest.importorskip(_binding, reason="disk images need pip install 'warden[forensics]'")

PHOTOS = {
    "tench": "n01440764_tench.jpg",
    "goldfish": "n01443537_goldfish.jpg",
    "shark": "n01484850_great_white_shark.jpg",
    "lynx": "n02127052_lynx.jpg",
    "zucchini": "n07716358_zucchini.jpg",
    "pinscher": "n02107312_miniature_pinscher.jpg",
    "dane": "n02109047_Great_Dane.jpg",
    "yorkie": "n02094433_Yorkshire_terrier.jpg",
    "strawberry": "n07745940_strawberry.jpg",
    "volcano": "n09472597_volcano.jpg",
}
"""The benign photos the images hold, by a short name."""

MTIME = 1_623_752_430
"""2021-06-15T10:20:30Z: the modification time given to every photo copied in (even, for FAT's 2 s)."""

SECTOR = 512

# Which Debian package gives each tool, for the skip message.
_PACKAGES = {
    "mkfs.fat": "dosfstools",
    "mcopy": "mtools",
    "mmd": "mtools",
    "mdel": "mtools",
    "mke2fs": "e2fsprogs",
    "debugfs": "e2fsprogs",
    "mkntfs": "ntfs-3g",
    "ntfscp": "ntfs-3g",
    "mkfs.exfat": "exfatprogs",
    "sfdisk": "fdisk",
    "sgdisk": "gdisk",
    "ewfacquire": "ewf-tools",
}


@dataclass(frozen=True)
class DiskImage:
    """A built image: its file (the first segment for a split one) and what the test should find in it."""

    path: Path
    facts: dict[str, Any]

    @property
    def folder(self) -> Path:
        """The cache folder holding the image (and its other segments)."""
        return self.path.parent


def photo(name: str) -> Path:
    """The shared benign photo with that short name."""
    return media("photos", PHOTOS[name])


def photo_bytes(name: str) -> bytes:
    """The bytes of that photo."""
    return photo(name).read_bytes()


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "warden-test-images"


def _key(name: str) -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(name.encode())
    for short in sorted(PHOTOS):
        digest.update(hashlib.sha256(photo_bytes(short)).digest())
    return digest.hexdigest()[:16]


def _cached(name: str, build: Callable[[Path], dict[str, Any]]) -> DiskImage:
    """The image ``name``, built by ``build(folder)`` unless a build of the same inputs is cached."""
    folder = _cache_root() / f"{name}-{_key(name)}"
    facts_file = folder / "facts.json"
    if not facts_file.is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=folder.parent))
        try:
            facts = build(work)
            (work / "facts.json").write_text(json.dumps(facts, indent=1, sort_keys=True))
            # Atomic: another test process building the same image at the same time wins or loses whole.
            try:
                work.rename(folder)
            except OSError:
                if not facts_file.is_file():
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        # Builds from older versions of this file are never used again.
        for stale in folder.parent.glob(f"{name}-*"):
            if stale != folder and len(stale.name) == len(folder.name):
                shutil.rmtree(stale, ignore_errors=True)
    facts = json.loads(facts_file.read_text())
    return DiskImage(folder / facts["image"], facts)


def run(*command: str | Path, stdin: str | None = None) -> None:
    """Run a Debian tool (skipping the test if it is not installed), in UTC, failing on an error."""
    tool = str(command[0])
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (Debian package {_PACKAGES.get(tool, tool)})")
    # FAT stores local time: build in UTC so the stored wall-clock time is the UTC time.
    env = {**os.environ, "TZ": "UTC", "MTOOLS_SKIP_CHECK": "1"}
    subprocess.run(
        [str(part) for part in command], input=stdin, env=env, check=True, capture_output=True, text=True
    )


def empty_disk_with_photo(work: Path) -> tuple[bytes, bytes]:
    """A 16 MiB MBR disk, one FAT16 partition holding one photo, the rest zeros: (disk, photo)."""
    photo = photo_bytes("tench")
    volume = work / "volume.img"
    run("mkfs.fat", "-C", "-F", "16", "-n", "EMPTY", volume, str(12 * 1024))
    (work / "p.jpg").write_bytes(photo)
    run("mcopy", "-i", volume, work / "p.jpg", "::/P.JPG")
    disk = work / "disk.img"
    with disk.open("wb") as handle:
        handle.truncate(16 << 20)
    run("sfdisk", "-q", disk, stdin=f"label: dos\nstart=2048, size={12 * 2048}, type=6\n")
    with disk.open("r+b") as handle:
        handle.seek(2048 * 512)
        handle.write(volume.read_bytes())
    return disk.read_bytes(), photo


def _staged(folder: Path, name: str, target: str) -> Path:
    """A copy of a photo at ``folder/target`` with the fixed modification time."""
    path = folder / target
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(photo(name), path)
    os.utime(path, (MTIME, MTIME))
    return path


def _write_at(image: Path, offset: int, data: bytes) -> None:
    with image.open("r+b") as handle:
        handle.seek(offset)
        handle.write(data)


def _blank(image: Path, size: int) -> None:
    with image.open("wb") as handle:
        handle.truncate(size)


# --- file systems -----------------------------------------------------------------------------------------


def _fat16(work: Path) -> dict[str, Any]:
    image = work / "fat16.img"
    run("mkfs.fat", "-C", "-F", "16", "-s", "2", "-n", "WARDEN", image, "8192")
    stage = work / "stage"
    mtools = ("-i", str(image))
    run("mmd", *mtools, "::/DCIM", "::/DCIM/100CANON", "::/Pictures")
    live = {
        "DCIM/100CANON/IMG_0001.JPG": "tench",
        "DCIM/100CANON/IMG_0002.JPG": "goldfish",
        "Pictures/holiday at sea.jpg": "shark",
    }
    for target, name in live.items():
        run("mcopy", "-m", *mtools, _staged(stage, name, f"{name}.jpg"), f"::/{target}")
    # Deleted, then its clusters given to a bigger new file in another folder (so that its deleted
    # directory entry is not reused too): the old content is gone.
    run("mcopy", "-m", *mtools, _staged(stage, "lynx", "lynx.jpg"), "::/Pictures/old.jpg")
    run("mdel", *mtools, "::/Pictures/old.jpg")
    run("mcopy", "-m", *mtools, _staged(stage, "zucchini", "z.jpg"), "::/DCIM/new.jpg")
    live["DCIM/new.jpg"] = "zucchini"
    # Deleted last, so nothing overwrites it: recoverable.
    run("mcopy", "-m", *mtools, _staged(stage, "pinscher", "p.jpg"), "::/GONE.JPG")
    run("mdel", *mtools, "::/GONE.JPG")
    # A photo written straight into free clusters near the end of the volume, at an odd offset.
    size = image.stat().st_size
    embedded = size - 400_000 + 17
    _write_at(image, embedded, photo_bytes("dane"))
    shutil.rmtree(stage)
    return {
        "image": image.name,
        "file_system": "fat16",
        "live": live,
        "deleted": {"_ONE.JPG": "pinscher"},
        "overwritten": "Pictures/_ld.jpg",
        "embedded": {"offset": embedded, "photo": "dane"},
    }


def fat16() -> DiskImage:
    """An 8 MB FAT16 volume: three live photos in folders, one deleted and recoverable, one deleted and
    overwritten by a newer file, and one photo written into free space at ``facts["embedded"]["offset"]``."""
    return _cached("fat16", _fat16)


def _fat32(work: Path) -> dict[str, Any]:
    image = work / "fat32.img"
    # FAT32 needs at least 65525 clusters: 33 MB with 512-byte clusters (a sparse file on disk).
    run("mkfs.fat", "-C", "-F", "32", "-s", "1", "-n", "WARDEN32", image, "34000")
    stage = work / "stage"
    run("mmd", "-i", image, "::/photos")
    run("mcopy", "-m", "-i", image, _staged(stage, "strawberry", "s.jpg"), "::/photos/strawberry.jpg")
    shutil.rmtree(stage)
    return {"image": image.name, "file_system": "fat32", "live": {"photos/strawberry.jpg": "strawberry"}}


def fat32() -> DiskImage:
    """A bare FAT32 volume (33 MB, mostly sparse) with one photo."""
    return _cached("fat32", _fat32)


def _fat12_entry(volume: bytes, offset: int, name: bytes) -> int:
    """Offset of the 32-byte directory entry with 8.3 ``name`` in the directory sector run at ``offset``."""
    for entry in range(offset, offset + 16 * SECTOR, 32):
        if volume[entry : entry + 11] == name:
            return entry
    raise LookupError(name)


def _fat_loop(work: Path) -> dict[str, Any]:
    image = work / "loop.img"
    run("mkfs.fat", "-C", "-F", "12", "-n", "LOOP", image, "1440")
    stage = work / "stage"
    run("mmd", "-i", image, "::/A", "::/A/B")
    run("mcopy", "-m", "-i", image, _staged(stage, "tench", "t.jpg"), "::/A/PHOTO.JPG")
    shutil.rmtree(stage)
    # Point folder B's start cluster at its parent A: A contains B, which is A, which contains B...
    volume = image.read_bytes()
    sector, per_cluster, reserved, fats, root_entries = struct.unpack_from("<HBHBH", volume, 11)
    fat_sectors = struct.unpack_from("<H", volume, 22)[0]
    root = (reserved + fats * fat_sectors) * sector
    data = root + root_entries * 32
    a_entry = _fat12_entry(volume, root, b"A          ")
    a_cluster = struct.unpack_from("<H", volume, a_entry + 26)[0]
    a_offset = data + (a_cluster - 2) * per_cluster * sector
    b_entry = _fat12_entry(volume, a_offset, b"B          ")
    _write_at(image, b_entry + 26, struct.pack("<H", a_cluster))
    return {"image": image.name, "file_system": "fat12", "live": {"A/PHOTO.JPG": "tench"}, "loop": "A/B"}


def fat_loop() -> DiskImage:
    """A FAT12 floppy whose folder ``A/B`` is, by a patched directory entry, its own parent ``A``."""
    return _cached("fat-loop", _fat_loop)


def _ext4(work: Path) -> dict[str, Any]:
    image = work / "ext4.img"
    stage = work / "stage"
    live = {"photos/tench.jpg": "tench", "photos/sub/goldfish.jpg": "goldfish"}
    for target, name in live.items():
        _staged(stage, name, target)
    _staged(stage, "pinscher", "gone.jpg")
    _staged(stage, "yorkie", "lost/orphan.jpg")
    (stage / "link.jpg").symlink_to("photos/tench.jpg")
    run(
        "mke2fs",
        "-q",
        "-F",
        "-t",
        "ext4",
        "-b",
        "1024",
        "-I",
        "256",
        "-L",
        "WARDEN",
        "-d",
        stage,
        image,
        "4M",
    )
    shutil.rmtree(stage)
    # debugfs frees a deleted file's inode and blocks but keeps its extents: recoverable. The orphan's
    # folder block is then wiped, so no name points at its freed inode any more.
    script = "rm /gone.jpg\nkill_file /lost/orphan.jpg\nzap_block -f /lost -o 24 -l 1000 -p 0 0\n"
    run("debugfs", "-w", "-f", "-", image, stdin=script)
    return {
        "image": image.name,
        "file_system": "ext4",
        "live": live,
        "deleted": {"gone.jpg": "pinscher"},
        "orphan": "yorkie",
        "link": "link.jpg",
    }


def ext4() -> DiskImage:
    """A 4 MB ext4 volume: photos in folders, a symbolic link, a deleted photo and an orphaned one."""
    return _cached("ext4", _ext4)


def _mft_record(volume: bytes, name: str) -> int:
    """Offset of the NTFS MFT record whose file name is ``name``."""
    sector = struct.unpack_from("<H", volume, 11)[0]
    cluster = sector * volume[13]
    mft = struct.unpack_from("<Q", volume, 0x30)[0] * cluster
    per_record = struct.unpack_from("<b", volume, 0x40)[0]
    record = 1 << -per_record if per_record < 0 else per_record * cluster
    wanted = name.encode("utf-16-le")
    for index in range(16, 256):
        at = mft + index * record
        if volume[at : at + 4] == b"FILE" and wanted in volume[at : at + record]:
            return at
    raise LookupError(name)


def _ntfs(work: Path) -> dict[str, Any]:
    image = work / "ntfs.img"
    _blank(image, 6 << 20)
    run("mkntfs", "-q", "-F", "-f", "-L", "WARDEN", "-p", "0", "-H", "0", "-S", "0", image)
    stage = work / "stage"
    run("ntfscp", "-t", image, _staged(stage, "tench", "t.jpg"), "tench.jpg")
    run("ntfscp", image, _staged(stage, "goldfish", "g.jpg"), "goldfish.jpg")
    # An alternate data stream: a photo hidden behind another file's name.
    run("ntfscp", "-N", "hidden", image, _staged(stage, "shark", "s.jpg"), "goldfish.jpg")
    run("ntfscp", image, _staged(stage, "lynx", "l.jpg"), "deleted.jpg")
    shutil.rmtree(stage)
    # ntfs-3g cannot delete without mounting: clear the record's in-use flag as a deletion would.
    record = _mft_record(image.read_bytes(), "deleted.jpg")
    with image.open("r+b") as handle:
        handle.seek(record + 0x16)
        flags = struct.unpack("<H", handle.read(2))[0]
        handle.seek(record + 0x16)
        handle.write(struct.pack("<H", flags & ~1))
    return {
        "image": image.name,
        "file_system": "ntfs",
        "live": {"tench.jpg": "tench", "goldfish.jpg": "goldfish", "goldfish.jpg:hidden": "shark"},
        "deleted": {"deleted.jpg": "lynx"},
    }


def ntfs() -> DiskImage:
    """A 6 MB NTFS volume: two photos, one alternate data stream holding a third, one deleted photo."""
    return _cached("ntfs", _ntfs)


def _exfat(work: Path) -> dict[str, Any]:
    image = work / "exfat.img"
    _blank(image, 4 << 20)
    run("mkfs.exfat", "-L", "WARDEN", image)
    # No tool writes files into exFAT without mounting: only free space, holding one photo.
    embedded = (4 << 20) - 300_000 + 5
    _write_at(image, embedded, photo_bytes("dane"))
    return {"image": image.name, "file_system": "exfat", "embedded": {"offset": embedded, "photo": "dane"}}


def exfat() -> DiskImage:
    """A 4 MB empty exFAT volume with a photo written into its free space."""
    return _cached("exfat", _exfat)


# --- disks ------------------------------------------------------------------------------------------------


def _copy_into(disk: Path, volume: Path, sector: int) -> None:
    with disk.open("r+b") as target, volume.open("rb") as source:
        target.seek(sector * SECTOR)
        shutil.copyfileobj(source, target, 1 << 20)


def _mbr_disk(work: Path) -> dict[str, Any]:
    fat, ext = fat16(), ext4()
    disk = work / "mbr.img"
    fat_sectors = fat.path.stat().st_size // SECTOR
    ext_sectors = ext.path.stat().st_size // SECTOR
    p1 = 2048
    p2 = p1 + fat_sectors + 2048
    total = p2 + ext_sectors + 2048
    _blank(disk, total * SECTOR)
    table = f"label: dos\nstart={p1}, size={fat_sectors}, type=6\nstart={p2}, size={ext_sectors}, type=83\n"
    run("sfdisk", "-q", disk, stdin=table)
    _copy_into(disk, fat.path, p1)
    _copy_into(disk, ext.path, p2)
    # A photo in the gap between the partitions, which no file system covers.
    gap = (p1 + fat_sectors) * SECTOR + 4096 + 7
    _write_at(disk, gap, photo_bytes("volcano"))
    return {
        "image": disk.name,
        "partitions": [
            {"name": "p1", "start": p1 * SECTOR, "length": fat_sectors * SECTOR, "facts": fat.facts},
            {"name": "p2", "start": p2 * SECTOR, "length": ext_sectors * SECTOR, "facts": ext.facts},
        ],
        "unpartitioned": {"offset": gap, "photo": "volcano"},
    }


def mbr_disk() -> DiskImage:
    """A 15 MB MBR disk: the FAT16 volume as p1, the ext4 volume as p2, a photo in the gap between them."""
    return _cached("mbr-disk", _mbr_disk)


def _gpt_disk(work: Path) -> dict[str, Any]:
    fat, nt = fat16(), ntfs()
    disk = work / "gpt.img"
    fat_sectors = fat.path.stat().st_size // SECTOR
    nt_sectors = nt.path.stat().st_size // SECTOR
    p1 = 2048
    p2 = p1 + fat_sectors
    total = p2 + nt_sectors + 2048
    _blank(disk, total * SECTOR)
    run(
        "sgdisk", "-o",
        "-n", f"1:{p1}:{p1 + fat_sectors - 1}", "-t", "1:0700", "-c", "1:camera",
        "-n", f"2:{p2}:{p2 + nt_sectors - 1}", "-t", "2:0700", "-c", "2:windows",
        disk,
    )  # fmt: skip
    _copy_into(disk, fat.path, p1)
    _copy_into(disk, nt.path, p2)
    return {
        "image": disk.name,
        "partitions": [
            {"name": "p1", "start": p1 * SECTOR, "length": fat_sectors * SECTOR, "facts": fat.facts},
            {"name": "p2", "start": p2 * SECTOR, "length": nt_sectors * SECTOR, "facts": nt.facts},
        ],
    }


def gpt_disk() -> DiskImage:
    """A 16 MB GPT disk: the FAT16 volume as partition "camera", the NTFS volume as "windows"."""
    return _cached("gpt-disk", _gpt_disk)


def _split(source: Path, work: Path, names: list[str]) -> list[str]:
    data = source.read_bytes()
    size = -(-len(data) // len(names) // SECTOR) * SECTOR
    for index, name in enumerate(names):
        (work / name).write_bytes(data[index * size : (index + 1) * size])
    return names


def _split_raw(work: Path) -> dict[str, Any]:
    disk, fat = mbr_disk(), fat16()
    numbered = _split(disk.path, work, ["disk.001", "disk.002", "disk.003"])
    lettered = _split(fat.path, work, ["volume.aa", "volume.ab"])
    return {
        "image": numbered[0],
        "numbered": numbered,
        "lettered": lettered,
        "sources": [disk.facts, fat.facts],
    }


def split_raw() -> DiskImage:
    """The MBR disk split in three (``disk.001``...) and the FAT16 volume in two (``volume.aa``...)."""
    return _cached("split-raw", _split_raw)


def _e01(work: Path) -> dict[str, Any]:
    disk, fat = mbr_disk(), fat16()
    header = ("-C", "case-42", "-D", "test disk", "-e", "examiner", "-E", "exhibit-1", "-N", "benign")
    run(
        "ewfacquire",
        "-u",
        "-q",
        *header,
        "-f",
        "encase6",
        "-c",
        "deflate:fast",
        "-t",
        work / "disk",
        disk.path,
    )
    # Uncompressed in 1 MiB segments: several segment files (volume.E01, volume.E02...).
    run(
        "ewfacquire", "-u", "-q", "-f", "encase6", "-c", "none", "-S", "1MiB", "-t", work / "volume", fat.path
    )
    segments = sorted(path.name for path in work.glob("volume.E*"))
    return {
        "image": "disk.E01",
        "md5": hashlib.md5(disk.path.read_bytes()).hexdigest(),
        "disk": disk.facts,
        "segmented": segments,
        "segmented_md5": hashlib.md5(fat.path.read_bytes()).hexdigest(),
    }


def e01() -> DiskImage:
    """The MBR disk as one compressed E01 (``disk.E01``), and the FAT16 volume as an uncompressed E01 in
    several 1 MiB segments (``facts["segmented"]``), each with the media's MD5 stored."""
    return _cached("e01", _e01)


# --- reading what a container gives -----------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """An item a container gave, with its bytes read at once (None when it has a problem)."""

    item: Item
    data: bytes | None


def read_all(items: Iterator[Item]) -> dict[str, Read]:
    """Every item by its path below the image (the image's own step left out), each read before the next
    is asked for, as the walk does."""
    found: dict[str, Read] = {}
    for item in items:
        data = None
        if item.readable:
            with item.open() as stream:
                data = stream.read()
        path = item.path.split("//", 1)[1]
        assert path not in found, f"{path} given twice"
        found[path] = Read(item, data)
    return found


def file_item(path: Path) -> Item:
    """The item a folder walk gives for a file on disk."""
    return Item(steps=(Step("file", path.name),), size=path.stat().st_size, fs_path=str(path))


def sha256(path: Path) -> str:
    """The SHA-256 of a file (or of segment files one after another)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
