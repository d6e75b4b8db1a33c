"""Raw disk images (dd, and split raw in numbered or lettered segments), recognised by their first sectors.

A raw image is recognised by bytes only: a plausible MBR, a GPT header, or the boot sector or superblock of
a file system The Sleuth Kit reads (FAT with a sane BIOS parameter block, NTFS, exFAT, ext2/3/4, HFS+). The
one rule that uses names is how the segments of a split image are found: see :func:`split_segments`.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

from warden.evidence.base import ContainerError, Item, JsonScalar, Limits
from warden.evidence.disk import SECTOR, disk_items, disk_parts, mbr_partitions, tsk_lists_partitions
from warden.hashing.digests import open_evidence

BOOT_AREA_SECTORS = 16
"""A bare file system is recognised only in an item longer than this many of its sectors (or as long as the
size it declares): NTFS's ``$Boot`` file (16 sectors) and saved boot sectors (``bootsect.bak``) hold a
volume's first sectors, not the volume. Anything longer is a disk image, whole, truncated, or the first
segment of a split image (which may be far shorter than the file system it starts)."""

# A disk starts with boot code or zeros, never with one of these file formats' magic bytes.
_FILE_FORMATS = (
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x89PNG",
    b"GIF8",
    b"%PDF",
    b"RIFF",
    b"7z\xbc\xaf",
    b"Rar!",
)
_CHUNK = 1 << 20


def _le(head: bytes, at: int, size: int) -> int:
    return int.from_bytes(head[at : at + size], "little")


def _be(head: bytes, at: int, size: int) -> int:
    return int.from_bytes(head[at : at + size], "big")


def _fat(head: bytes) -> int | None:
    if head[510:512] != b"\x55\xaa" or not ((head[0] == 0xEB and head[2] == 0x90) or head[0] == 0xE9):
        return None
    sector, per_cluster, reserved, fats = _le(head, 11, 2), head[13], _le(head, 14, 2), head[16]
    total, media, fat_size = (
        _le(head, 19, 2) or _le(head, 32, 4),
        head[21],
        _le(head, 22, 2) or _le(head, 36, 4),
    )
    sane = (
        sector in (512, 1024, 2048, 4096)
        and per_cluster
        and not per_cluster & (per_cluster - 1)
        and reserved
        and fats in (1, 2)
        and (media == 0xF0 or media >= 0xF8)
        and total
        and fat_size
    )
    return total * sector if sane else None


def _ntfs(head: bytes) -> int | None:
    if (
        head[3:11] != b"NTFS    "
        or head[510:512] != b"\x55\xaa"
        or _le(head, 11, 2) not in (512, 1024, 2048, 4096)
    ):
        return None
    return (_le(head, 0x28, 8) + 1) * _le(head, 11, 2)


def _exfat(head: bytes) -> int | None:
    if head[3:11] != b"EXFAT   " or head[510:512] != b"\x55\xaa" or not 9 <= head[108] <= 12:
        return None
    return _le(head, 72, 8) << head[108]


def _ext(head: bytes) -> int | None:
    if len(head) < 2048 or _le(head, 1080, 2) != 0xEF53:
        return None
    log_block, blocks, inodes, revision = (
        _le(head, 1048, 4),
        _le(head, 1028, 4),
        _le(head, 1024, 4),
        _le(head, 1100, 4),
    )
    if log_block > 6 or not blocks or not inodes or revision > 1:
        return None
    return blocks * (1024 << log_block)


def _hfs_plus(head: bytes) -> int | None:
    if len(head) < 2048 or (head[1024:1026], _be(head, 1026, 2)) not in ((b"H+", 4), (b"HX", 5)):
        return None
    block, blocks = _be(head, 1064, 4), _be(head, 1068, 4)
    if block < 512 or block & (block - 1) or not blocks:
        return None
    return block * blocks


def bare_file_system_size(head: bytes) -> int | None:
    """The size a bare file system at the start of ``head`` declares, or None if there is none."""
    for parse in (_fat, _ntfs, _exfat, _ext, _hfs_plus):
        size = parse(head)
        if size is not None:
            return size
    return None


def _sector_size(head: bytes) -> int:
    """The sector size a FAT, NTFS or exFAT boot sector declares (512 for anything else)."""
    if head[3:11] == b"EXFAT   ":
        return 1 << head[108]
    declared = _le(head, 11, 2)
    return declared if declared in (512, 1024, 2048, 4096) else SECTOR


def looks_like_disk(head: bytes, size: int | None) -> bool:
    """Whether ``head`` starts a disk (MBR or GPT) or a bare file system, judged by bytes only."""
    if len(head) < SECTOR or head.startswith(_FILE_FORMATS):
        return False
    if head[512:520] == b"EFI PART" or head[4096:4104] == b"EFI PART":
        return True
    declared = bare_file_system_size(head)
    if declared is not None:
        return size is None or size >= declared or size > BOOT_AREA_SECTORS * _sector_size(head)
    # A file of the boot sector alone is a saved MBR, not a disk. (Partitions may start past the end of a
    # short first segment of a split image, so their starts are not held against the size.)
    if size is not None and size <= SECTOR:
        return False
    if mbr_partitions(head) is not None:
        return True
    # A table odd enough to fail the check above is still a disk if The Sleuth Kit reads it (as mmls would).
    return head[510:512] == b"\x55\xaa" and tsk_lists_partitions(head, size or len(head))


def _successors(suffix: str) -> Iterator[str]:
    """The suffixes after ``suffix`` in its own sequence: ``001`` -> ``002``..., ``aa`` -> ``ab``..."""
    width = len(suffix)
    if suffix.isdigit():
        for number in range(int(suffix) + 1, 10**width):
            yield f"{number:0{width}d}"
        return
    value = 0
    for letter in suffix:
        value = value * 26 + ord(letter) - ord("a")
    for number in range(value + 1, 26**width):
        letters = []
        for _ in range(width):
            number, digit = divmod(number, 26)
            letters.append(chr(ord("a") + digit))
        yield "".join(reversed(letters))


def split_segments(path: Path) -> list[Path]:
    """The segment files of a split raw image whose first segment is ``path``, in order.

    ``path`` counts as a first segment when its name ends in ``.000``, ``.001`` (any width of digits:
    ``.00``, ``.0001``) or in ``.aa`` (any width of ``a``: ``.aaa``), as ``split``, FTK Imager and ``dd``
    scripts name them. Its siblings that follow by the same rule (``.002``, ``.003``... or ``.ab``,
    ``.ac``...) are the next segments, up to the first name missing. Every segment but the last must be as
    long as the first, as splitting tools make them; otherwise the file is read alone. Links are never
    followed.
    """
    stem, dot, suffix = path.name.rpartition(".")
    numbered = suffix.isascii() and suffix.isdigit() and int(suffix) in (0, 1)
    lettered = len(suffix) >= 2 and set(suffix) == {"a"}
    if not (dot and stem and (numbered or lettered)):
        return [path]
    segments = [path]
    for following in _successors(suffix):
        candidate = path.with_name(f"{stem}.{following}")
        if candidate.is_symlink() or not candidate.is_file():
            break
        segments.append(candidate)
    sizes = [segment.stat().st_size for segment in segments]
    if any(size != sizes[0] for size in sizes[:-1]):
        return [path]
    return segments


class _Segments:
    """Segment files read as one image."""

    def __init__(self, files: list[BinaryIO]) -> None:
        self._files = files
        self.starts = [0]
        for file in files:
            self.starts.append(self.starts[-1] + file.seek(0, 2))

    @property
    def size(self) -> int:
        return self.starts[-1]

    def read(self, offset: int, length: int) -> bytes:
        parts = []
        while length > 0 and 0 <= offset < self.size:
            index = bisect_right(self.starts, offset) - 1
            within = offset - self.starts[index]
            wanted = min(length, self.starts[index + 1] - offset)
            file = self._files[index]
            file.seek(within)
            data = file.read(wanted)
            parts.append(data)
            if len(data) < wanted:
                break
            offset += wanted
            length -= wanted
        return b"".join(parts)


def _open_segments(stack: ExitStack, stream: BinaryIO | None, container: Item) -> tuple[list[str], _Segments]:
    paths = split_segments(Path(container.fs_path)) if container.fs_path else []
    try:
        first = stream if stream is not None else stack.enter_context(container.open())
        rest = [stack.enter_context(open_evidence(path)) for path in paths[1:]]
    except OSError as error:
        raise ContainerError(f"image segment cannot be opened: {error}") from None
    names = [path.name for path in paths] or [container.steps[-1].name]
    return names, _Segments([first, *rest])


class RawImageContainer:
    """A raw disk image (``dd``, split raw): its partitions and file systems, carved where unallocated."""

    name = "raw-image"

    def __init__(self, *, carve_unallocated: bool = True) -> None:
        self.carve_unallocated = carve_unallocated

    def sniff(self, head: bytes, size: int | None) -> bool:
        """An MBR, a GPT, or a bare file system The Sleuth Kit reads."""
        return looks_like_disk(head, size)

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Iterator[Item]:
        """Every file of every file system in the image (split segments read as one), then carved files."""
        with ExitStack() as stack:
            _, segments = _open_segments(stack, stream, container)
            yield from disk_items(
                segments.read, segments.size, container, limits, carve_unallocated=self.carve_unallocated
            )

    def parts(self, container: Item) -> list[tuple[str, int]]:
        """The image's partitions, from its partition table (split segments read as one)."""
        with ExitStack() as stack:
            _, segments = _open_segments(stack, None, container)
            return disk_parts(segments.read, segments.size, container, Limits())

    def describe(self, container: Item) -> dict[str, JsonScalar]:
        """Segments, size, and the SHA-256 and MD5 of the whole image (every segment, in order)."""
        with ExitStack() as stack:
            names, segments = _open_segments(stack, None, container)
            whole_sha256, whole_md5 = hashlib.sha256(), hashlib.md5()  # noqa: S324 - examiners compare MD5s
            per_segment = []
            for index, name in enumerate(names):
                start, end = segments.starts[index], segments.starts[index + 1]
                digest = hashlib.sha256()
                offset = start
                while offset < end:
                    block = segments.read(offset, min(_CHUNK, end - offset))
                    if not block:
                        raise ContainerError(f"segment {name} ends early at byte {offset}")
                    digest.update(block)
                    whole_sha256.update(block)
                    whole_md5.update(block)
                    offset += len(block)
                per_segment.append({"name": name, "size": end - start, "sha256": digest.hexdigest()})
        facts: dict[str, JsonScalar] = {
            "format": "raw",
            "segments": len(names),
            "size": segments.size,
            "sha256": whole_sha256.hexdigest(),
            "md5": whole_md5.hexdigest(),
        }
        if len(names) > 1:
            facts["segment_sha256"] = json.dumps(per_segment)
        return facts
