"""Partitions and file systems inside a disk image, read with The Sleuth Kit (pytsk3), as evidence items.

The image is given as a ``read(offset, length)`` function over its media (a raw file, split raw segments,
an E01's media), so one walker serves every image format, and nothing is ever written. The walk:

1. The volume system (MBR, GPT...) as The Sleuth Kit reads it; failing that, a bare file system at byte 0;
   failing that, the primary MBR entries read directly. Each partition is a ``partition`` step (``p1``,
   ``p2``... in order of start).
2. In each file system, every file and NTFS alternate data stream, found by walking folders from the root
   plus ``$OrphanFiles`` (deleted files no name points to), as ``file`` steps in sorted path order. Deleted
   names and unallocated metadata give ``deleted`` items; a deleted file whose clusters now belong to other
   files, or whose metadata entry was reused, is recorded but not read (its bytes are not its own).
3. Carving (optional): the bytes no allocated file uses in each file system (``unallocated``), a partition
   with no readable file system as a whole, and the bytes outside every partition (``unpartitioned``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import Any

import pytsk3

from warden import settings
from warden.evidence.base import HEAD_BYTES, ContainerError, Item, Limits, Step
from warden.evidence.carving import Reader, carved_items
from warden.evidence.file_system import (
    TSK_ERRORS,
    FileEntry,
    FileSystemWalk,
    complement,
    open_content,
    tsk_message,
)
from warden.evidence.limits import refusal
from warden.evidence.unopened import volume_format
from warden.evidence.volumes import VolumeFormat, opened_format, partition_items
from warden.model.states import State

SECTOR = 512

_SCHEMES = {1: "mbr", 2: "bsd", 4: "sun", 8: "apm", 16: "gpt"}
_TABLE = Step("partition", "table", {"scheme": "mbr"})
# MBR types that are no partition to read: empty, extended containers, the GPT protective entry.
_NOT_VOLUMES = frozenset({0x00, 0x05, 0x0F, 0x85, 0xEE})


def mbr_partitions(sector: bytes) -> list[tuple[int, int, int, int]] | None:
    """The primary entries of a plausible MBR as ``(slot, type, first sector, sector count)``, or None.

    Plausible: the 0x55AA signature, at least one entry in use (a non-zero length, as The Sleuth Kit counts
    them), and a boot flag of 0x00 or 0x80 on every entry in use. Oddities The Sleuth Kit lets pass pass
    here too: a stray flag in an empty slot, an entry starting at sector 0, type 0 with a length. Random
    bytes almost never pass (four boot flags must hold one of two values or lie in empty slots).
    """
    if len(sector) < SECTOR or sector[510:512] != b"\x55\xaa":
        return None
    entries = []
    for slot in range(4):
        entry = sector[446 + 16 * slot : 462 + 16 * slot]
        kind = entry[4]
        start = int.from_bytes(entry[8:12], "little")
        count = int.from_bytes(entry[12:16], "little")
        if count == 0:
            continue  # an empty slot, whatever else it holds
        if entry[0] not in (0x00, 0x80):
            return None
        entries.append((slot, kind, start, count))
    return entries or None


def tsk_lists_partitions(head: bytes, size: int) -> bool:
    """Whether The Sleuth Kit finds a volume system with a partition in an image that starts with ``head``
    and is ``size`` bytes long (bytes past ``head`` read as zeros): the last word on an odd table."""
    image = _TskImage(lambda offset, length: head[offset : offset + length].ljust(length, b"\x00"), size)
    try:
        system = pytsk3.Volume_Info(image)
        return any(int(part.flags) & int(pytsk3.TSK_VS_PART_FLAG_ALLOC) for part in system)
    except TSK_ERRORS:
        return False


class _TskImage(pytsk3.Img_Info):  # type: ignore[misc]  # pytsk3 has no type information
    """The image as The Sleuth Kit reads it: an external image served by a Python read function."""

    def __init__(self, read: Reader, size: int) -> None:
        self._read = read
        self._size = size
        super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

    def read(self, offset: int, length: int) -> bytes:
        """Bytes of the image, fewer at its end."""
        length = min(length, self._size - offset)
        return self._read(offset, length) if length > 0 and offset >= 0 else b""

    def get_size(self) -> int:
        """The image's size in bytes."""
        return self._size


@dataclass(frozen=True, slots=True)
class _Volume:
    """A stretch of the image that may hold a file system: a partition, or the whole image (step None)."""

    start: int
    length: int
    step: Step | None


class _DiskWalk:
    """One walk over a disk image: the state the generator keeps while it is suspended."""

    def __init__(self, read: Reader, size: int, container: Item, limits: Limits, carve: bool) -> None:
        self.read = read
        self.size = size
        self.container = container
        self.limits = limits
        self.carve = carve
        self.image = _TskImage(read, size)
        # Cross-linked clusters could make a small image give out endless bytes; its own size (twice, for
        # slack and streams) bounds an honest one.
        self.allowance = max(limits.total_bytes, 2 * size)
        self.budget = self.allowance

    def items(self) -> Iterator[Item]:
        volumes, problem = self._layout()
        if problem is not None:
            yield problem
        for volume in volumes:
            yield from self._volume(volume)
        if self.carve:
            ranges = complement([(v.start, v.start + v.length) for v in volumes], 0, self.size)
            yield from self._carved(self.container.steps, [(a, b, "unpartitioned") for a, b in ranges])

    def _problem(self, steps: tuple[Step, ...], problem: str) -> Item:
        # A table, volume or file system recognised but not (fully) examined: a fact the report lists under
        # "not examined" with the reason, not an error.
        return Item(steps, state=self.container.state, problem=problem, not_examined=True)

    def _table_error(self, message: str) -> Item:
        """A partition table refused is an error of the image (issue 8): never silently a plain file, nor
        only a fact; what could still be read of it follows."""
        return Item((*self.container.steps, _TABLE), state=self.container.state, problem=message)

    def _layout(self) -> tuple[list[_Volume], Item | None]:
        """The volumes to read, and a problem item when the partition table could not be read."""
        try:
            system = pytsk3.Volume_Info(self.image)
        except TSK_ERRORS as error:
            table_error = tsk_message(error)
        else:
            return self._partitions(system), None
        fs_error = self._open_fs(0)[1]
        if fs_error is None or self._own_format(0, self.size) is not None:
            # A file system, or a volume Warden opens itself (XFS, APFS, LVM2: a logical volume holding one).
            return [_Volume(0, self.size, None)], None
        entries = mbr_partitions(self.read(0, SECTOR))
        if entries is None:
            message = (
                f"neither a partition table nor a file system The Sleuth Kit reads (partition table: "
                f"{table_error}; file system: {fs_error})"
            )
            return [], self._table_error(message)
        message = f"partition table unreadable by The Sleuth Kit ({table_error}): primary MBR entries used"
        volumes = [
            _Volume(
                start * SECTOR,
                count * SECTOR,
                Step("partition", f"p{slot + 1}", _detail(start * SECTOR, count * SECTOR, f"({kind:#04x})")),
            )
            for slot, kind, start, count in entries
            if kind not in _NOT_VOLUMES
        ]
        return sorted(volumes, key=lambda v: v.start), self._table_error(message)

    def _partitions(self, system: Any) -> list[_Volume]:
        scheme = _SCHEMES.get(int(system.info.vstype), str(int(system.info.vstype)))
        block = int(system.info.block_size)
        parts = sorted(
            (int(part.start), int(part.len), part.desc, int(part.slot_num))
            for part in system
            if int(part.flags) & int(pytsk3.TSK_VS_PART_FLAG_ALLOC)
        )
        volumes = []
        for number, (start, count, desc, slot) in enumerate(parts, 1):
            description = desc.decode("utf-8", "replace") if isinstance(desc, bytes) else str(desc)
            detail = _detail(start * block, count * block, description, scheme)
            detail["slot"] = slot
            volumes.append(_Volume(start * block, count * block, Step("partition", f"p{number}", detail)))
        return volumes

    def _open_fs(self, offset: int) -> tuple[Any, str | None]:
        try:
            return pytsk3.FS_Info(self.image, offset=offset), None
        except TSK_ERRORS as error:
            return None, tsk_message(error)

    def _volume(self, volume: _Volume) -> Iterator[Item]:
        steps = self.container.steps if volume.step is None else (*self.container.steps, volume.step)
        end = min(volume.start + volume.length, self.size)
        if volume.start >= self.size:
            yield self._problem(
                steps, "starts beyond the end of the image (truncated image or corrupt table)"
            )
            return
        fs, error = self._open_fs(volume.start)
        own = self._own_format(volume.start, end - volume.start) if fs is None else None
        if own is not None:
            yield from self._own_volume(own, volume.start, end, steps)
            return
        if fs is None:
            what = "carved whole" if self.carve else "not read"
            try:
                known = volume_format(self.read(volume.start, min(HEAD_BYTES, end - volume.start)))
            except OSError:
                known = None  # its bytes cannot be read: carving says so
            if known is not None:
                # An encrypted or unsupported volume is named, so the report says what was not examined.
                error = f"{known.label}: {known.why} ({error})"
            yield self._problem(steps, f"no file system The Sleuth Kit reads: {error}; {what}")
            yield from self._carved(steps, [(volume.start, end, "unallocated")])
            return
        walk = FileSystemWalk(fs, volume.start, settings.get_int(settings.MAX_DEPTH))
        more = walk.collect(self.limits.members)
        label = walk.label
        for entry in walk.entries:
            yield self._file(fs, steps, label, entry)
        if more:
            what = f"{more} more files not listed: over the limit of {self.limits.members} per file system"
            yield self._problem((*steps, Step("file", "(more)")), refusal(self.limits, "members", what))
        areas = [(a, b, "unallocated") for a, b in walk.unallocated(volume.start, end)]
        areas += [(a, b, "slack") for a, b in walk.slack_ranges(volume.start, end)]
        yield from self._carved(steps, sorted(areas))

    def _own_format(self, start: int, length: int) -> VolumeFormat | None:
        """The format of a volume Warden opens with its own reader, at ``start``, or None."""
        try:
            return opened_format(self.read(start, min(HEAD_BYTES, length)))
        except OSError:
            return None  # its bytes cannot be read: the walk says so

    def _own_volume(self, own: VolumeFormat, start: int, end: int, steps: tuple[Step, ...]) -> Iterator[Item]:
        """A partition (or the whole media) holding XFS, APFS or LVM2, walked by that format's reader; one
        that cannot be opened is named, with the reason, then carved whole like any unreadable partition."""
        given = 0
        try:
            inside = Item(steps, state=self.container.state)
            for item in partition_items(own, self.read, start, end - start, inside, self.limits, self.carve):
                given += 1
                yield item
        except (ContainerError, OSError) as error:
            what = "carved whole" if self.carve and not given else "not read further"
            yield self._problem(
                (*steps, Step("error", "(unreadable)", {"container": own.name})), f"{error}; {what}"
            )
            if not given:
                yield from self._carved(steps, [(start, end, "unallocated")])

    def _file(self, fs: Any, steps: tuple[Step, ...], label: str, entry: FileEntry) -> Item:
        detail: dict[str, str | int] = {"inode": entry.inode, "file_system": label}
        if entry.stream is not None:
            detail["stream"] = entry.stream
        state = State.DELETED if entry.deleted else State.LIVE
        if self.container.state is not State.LIVE and state is State.LIVE:
            state = self.container.state
        problem = entry.problem
        if problem is None and entry.size > self.limits.member_bytes:
            what = f"{entry.size} bytes, over the member size limit of {self.limits.member_bytes}: not read"
            problem = refusal(self.limits, "member_bytes", what)
        if problem is None:
            self.budget -= entry.size
            if self.budget < 0:
                what = (
                    "over the limit of bytes one disk image may give out: with the files before it, it "
                    f"passes {self.allowance} bytes (the container limit, or twice the image's size if that "
                    "is more); not read"
                )
                problem = refusal(self.limits, "total_bytes", what)
        return Item(
            (*steps, Step("file", entry.path, detail)),
            state=state,
            size=entry.size,
            problem=problem,
            opener=None if problem else partial(open_content, self.image, fs, entry),
            mtime=entry.times.get("mtime"),
            ctime=entry.times.get("ctime"),
            atime=entry.times.get("atime"),
            crtime=entry.times.get("crtime"),
        )

    def _carved(self, steps: tuple[Step, ...], ranges: list[tuple[int, int, str]]) -> Iterator[Item]:
        if not self.carve or not ranges:
            return
        limit = self.limits.members
        carved = carved_items(steps, self.read, ranges, max_length=min(64 << 20, self.limits.member_bytes))
        yield from islice(carved, limit)
        if next(carved, None) is not None:
            what = f"carving stopped after {limit} files: the limit of items per file system"
            yield self._problem((*steps, Step("carved", "(more)")), refusal(self.limits, "members", what))


def _detail(start: int, length: int, description: str, scheme: str = "mbr") -> dict[str, str | int]:
    return {"start": start, "length": length, "description": description, "scheme": scheme}


def disk_items(
    read: Reader, size: int, container: Item, limits: Limits, *, carve_unallocated: bool = True
) -> Iterator[Item]:
    """Every file in every file system of a disk image, then what carving recovers, in a stable order.

    Args:
        read: ``read(offset, length)`` over the image's media; called only while the generator runs or is
            suspended, and never after it is closed.
        size: the media's size in bytes.
        container: the image's own item: its steps start every item's provenance.
        limits: ``members`` bounds the items of each file system (and the files carved from it);
            ``member_bytes`` the largest file read.
        carve_unallocated: carve unallocated and unpartitioned space.
    """
    # The image is not closed here: items' openers keep it (and its file systems) alive, so an opener
    # called late fails with the closed stream's error instead of reading freed memory in The Sleuth Kit.
    yield from _DiskWalk(read, size, container, limits, carve_unallocated).items()


def disk_parts(read: Reader, size: int, container: Item, limits: Limits) -> list[tuple[str, int]]:
    """The partitions a walk of the image reads, as :meth:`PartitionedContainer.parts` gives them: their
    step names and lengths, from the partition table only (the files are not listed)."""
    volumes, _problem = _DiskWalk(read, size, container, limits, carve=False)._layout()
    return [(volume.step.name, volume.length) for volume in volumes if volume.step is not None]
