"""Inside one file system of a disk image (via The Sleuth Kit): its files, deleted ones, and unused bytes.

:class:`FileSystemWalk` visits every folder from the root plus ``$OrphanFiles``, collects each file and NTFS
alternate data stream with its times, state and data runs, and from the runs of every file works out which
bytes no allocated file uses (what carving then reads). :func:`open_content` reads one file's bytes.
"""

from __future__ import annotations

import bisect
import io
from dataclasses import dataclass, field
from typing import Any, BinaryIO, NamedTuple

import pytsk3

from warden.clock import from_timestamp
from warden.evidence.folder import printable
from warden.evidence.names import escape, repeated
from warden.evidence.positional import PositionalReader

# pytsk3 turns a failed read in the image callback into RuntimeError; its own failures are OSError.
TSK_ERRORS = (OSError, RuntimeError)


def tsk_message(error: BaseException) -> str:
    """pytsk3's error text without its C++ source locations."""
    text = str(error)
    for marker in ("with error: ", "Error opening Volume_Info: ", "Error opening FS_Info: "):
        if marker in text:
            text = text.split(marker, 1)[1]
    return text.strip() or type(error).__name__


class _Content(PositionalReader):
    """A file's content (or one NTFS data stream of it) as a seekable, read-only binary stream."""

    def __init__(self, file: Any, size: int, attribute: tuple[int, int] | None) -> None:
        super().__init__()
        self._file = file
        self._size = size
        self._type: Any = attribute[0] if attribute else pytsk3.TSK_FS_ATTR_TYPE_DEFAULT
        self._id = attribute[1] if attribute else -1

    def end(self) -> int:
        return self._size

    def read_at(self, position: int, count: int) -> bytes:
        length = min(count, self._size - position)
        if length <= 0:
            return b""
        try:
            data: bytes = self._file.read_random(position, length, self._type, self._id)
        except TSK_ERRORS as error:
            raise OSError(f"content unreadable at byte {position}: {tsk_message(error)}") from None
        if not data:
            raise OSError(f"content ends at byte {position} of {self._size}")
        return data


_FS_LABELS = {
    **{1: "ntfs", 2: "fat12", 4: "fat16", 8: "fat32", 10: "exfat", 128: "ext2", 256: "ext3", 8192: "ext4"},
    **{4096: "hfs+", 2048: "iso9660", 16: "ufs1", 32: "ufs1b", 64: "ufs2", 16384: "yaffs2", 65536: "apfs"},
}
_FAT_FAMILY = frozenset({"fat12", "fat16", "fat32", "exfat"})
_SPECIAL = {
    int(pytsk3.TSK_FS_META_TYPE_FIFO): "a named pipe",
    int(pytsk3.TSK_FS_META_TYPE_CHR): "a character device",
    int(pytsk3.TSK_FS_META_TYPE_BLK): "a block device",
    int(pytsk3.TSK_FS_META_TYPE_SOCK): "a socket",
}
_REG = int(pytsk3.TSK_FS_META_TYPE_REG)
_DIR = int(pytsk3.TSK_FS_META_TYPE_DIR)
_LNK = int(pytsk3.TSK_FS_META_TYPE_LNK)
_VIRTUAL = frozenset({int(pytsk3.TSK_FS_META_TYPE_VIRT), int(pytsk3.TSK_FS_NAME_TYPE_VIRT)})
_VIRTUAL_DIR = frozenset({int(pytsk3.TSK_FS_META_TYPE_VIRT_DIR), int(pytsk3.TSK_FS_NAME_TYPE_VIRT_DIR)})
_META_ALLOC = int(pytsk3.TSK_FS_META_FLAG_ALLOC)
_NAME_UNALLOC = int(pytsk3.TSK_FS_NAME_FLAG_UNALLOC)
_NO_DATA = int(pytsk3.TSK_FS_ATTR_RUN_FLAG_SPARSE) | int(pytsk3.TSK_FS_ATTR_RUN_FLAG_FILLER)
_RESIDENT = int(pytsk3.TSK_FS_ATTR_RES)
_NTFS_DATA = int(pytsk3.TSK_FS_ATTR_TYPE_NTFS_DATA)
_HFS_RSRC = int(pytsk3.TSK_FS_ATTR_TYPE_HFS_RSRC)
_HFS_COMPRESSED = int(pytsk3.TSK_FS_ATTR_TYPE_HFS_COMP_REC)
_COMPRESSED = int(pytsk3.TSK_FS_ATTR_COMP)
_TIMES = ("mtime", "ctime", "atime", "crtime")


def fs_label(fs: Any) -> str:
    """The file system's kind as the case records it: ``ntfs``, ``fat32``, ``ext4``..."""
    kind = int(fs.info.ftype)
    return _FS_LABELS.get(kind, f"type {kind:#x}")


def _time(meta: Any, name: str) -> str | None:
    seconds = int(getattr(meta, name) or 0)
    if seconds <= 0:
        return None  # never set (FAT keeps no change time; TSK gives 0)
    try:
        return from_timestamp(seconds + int(getattr(meta, f"{name}_nano") or 0) / 1e9)
    except (OverflowError, OSError, ValueError):
        return None  # a corrupt time beyond what a date can hold


@dataclass(slots=True)
class FileEntry:
    """A file (or NTFS stream) found in a file system, before it becomes an item."""

    path: str
    inode: int
    deleted: bool
    size: int = 0
    times: dict[str, str | None] = field(default_factory=dict)
    problem: str | None = None
    attribute: tuple[int, int] | None = None
    stream: str | None = None
    runs: list[tuple[int, int]] = field(default_factory=list)
    resident: bool = False


class _Folder(NamedTuple):
    """A folder still to list."""

    inode: int
    path: str
    depth: int
    parents: frozenset[int]  # its own inode and its parents': seeing one again inside it is a loop
    deleted: bool  # everything inside a deleted folder is deleted
    orphans: bool = False  # TSK's $OrphanFiles: deleted files that no name points to


class FileSystemWalk:
    """Lists one file system from its root, and learns which bytes its allocated files use."""

    def __init__(self, fs: Any, offset: int, max_depth: int) -> None:
        self.fs = fs
        self.offset = offset
        self.block = int(fs.info.block_size)
        self.label = fs_label(fs)
        self.max_depth = max_depth
        self.entries: list[FileEntry] = []
        self._limit = 0
        self._more = 0
        self._allocated: list[tuple[int, int]] = []
        self._used: list[tuple[int, int]] = []
        self.slack: list[tuple[int, int]] = []
        self._seen: set[int] = set()
        self._listed: dict[int, str] = {}
        self._named: set[int] = set()
        self._paths: set[str] = set()
        # NTFS names cannot hold ":" (it separates a file from its data stream); a hostile one may. On HFS+
        # it separates a file from its resource fork (``photo.jpg:rsrc``).
        self._reserved = "/:" if self.label in ("ntfs", "hfs+") else "/"

    def collect(self, limit: int) -> int:
        """Find the first ``limit`` entries (in walk order) and every allocated run; how many more exist."""
        self._limit = limit
        first, root = int(self.fs.info.first_inum), int(self.fs.info.root_inum)
        # The file system's own metadata files that no folder lists (ext's journal, NTFS's $MFT...).
        for inode in {root, *range(first, first + 16)}:
            try:
                self._take_runs(self.fs.open_meta(inode=inode))
            except TSK_ERRORS:
                continue
        self._listed[root] = "(root)"
        stack = [_Folder(root, "", 0, frozenset({root}), False)]
        orphans: list[_Folder] = []
        while stack or orphans:
            # Orphans last: a deleted file found by its name in any folder is not listed again as an orphan.
            folder = stack.pop() if stack else orphans.pop()
            try:
                files = sorted(
                    self.fs.open_dir(inode=folder.inode), key=lambda file: bytes(file.info.name.name)
                )
            except TSK_ERRORS as error:
                problem = f"folder unreadable: {tsk_message(error)}"
                self._add(FileEntry(folder.path or "(root)", folder.inode, folder.deleted, problem=problem))
                continue
            names: dict[str, int] = {}
            found = [pending for file in files if (pending := self._visit(file, folder, names))]
            stack.extend(reversed([pending for pending in found if not pending.orphans]))
            orphans.extend(pending for pending in found if pending.orphans)
        self._allocated = _merge(self._allocated)
        for entry in self.entries:
            if entry.deleted and entry.problem is None:
                entry.problem = self._lost(entry)
        # A deleted file that is read through its entry is not carved again out of the same clusters: that
        # would count one copy twice, once deleted and once carved.
        recovered = [run for e in self.entries if e.deleted and e.problem is None for run in e.runs]
        self._used = _merge(self._allocated + recovered)
        self.entries.sort(key=lambda entry: entry.path.split("/"))
        return self._more

    def unallocated(self, start: int, end: int) -> list[tuple[int, int]]:
        """The stretches of ``[start, end)`` that carving searches: used neither by an allocated file nor by
        a deleted file read through its entry."""
        return complement(self._used, start, end)

    def _add(self, entry: FileEntry) -> None:
        if len(self.entries) >= self._limit:
            self._more += 1
            return
        # Names repeated in one folder are told apart as they are listed; this is the last guard (a problem
        # entry under a folder's own path...): each entry gets a path of its own, whatever the file system.
        if entry.path in self._paths:
            copy = 2
            while repeated(entry.path, copy) in self._paths:
                copy += 1
            entry.path = repeated(entry.path, copy)
        self._paths.add(entry.path)
        self.entries.append(entry)

    def _runs(self, file: Any) -> list[tuple[int, int]]:
        runs = []
        try:
            for attribute in file:
                for run in attribute:
                    if int(run.flags) & _NO_DATA or int(run.len) <= 0:
                        continue
                    start = self.offset + int(run.addr) * self.block
                    runs.append((start, start + int(run.len) * self.block))
        except TSK_ERRORS:
            pass  # a corrupt attribute list: what was read so far
        return runs

    def _take_runs(self, file: Any) -> None:
        meta = file.info.meta
        if meta is None or not int(meta.flags) & _META_ALLOC or int(meta.addr) in self._seen:
            return
        self._seen.add(int(meta.addr))
        self._allocated.extend(self._runs(file))
        if len(self._allocated) > 1 << 20:
            self._allocated = _merge(self._allocated)
        if int(meta.type) == _REG:
            self.slack.extend(self._slack(file))

    def _slack(self, file: Any) -> list[tuple[int, int]]:
        """File slack: the bytes of a file's last clusters past the end of its content, where what an
        earlier, larger file left behind survives."""
        slack = []
        try:
            for attribute in file:
                left = int(attribute.info.size)
                if int(attribute.info.flags) & _RESIDENT:
                    continue
                for run in attribute:
                    if int(run.flags) & _NO_DATA or int(run.len) <= 0:
                        continue
                    start = self.offset + int(run.addr) * self.block
                    length = int(run.len) * self.block
                    if left < length:
                        slack.append((start + max(left, 0), start + length))
                    left -= length
        except TSK_ERRORS:
            pass  # a corrupt attribute list: no slack from it
        return slack

    def slack_ranges(self, start: int, end: int) -> list[tuple[int, int]]:
        """The file slack inside ``[start, end)``, merged."""
        return [(max(a, start), min(b, end)) for a, b in _merge(self.slack) if b > start and a < end]

    def _lost(self, entry: FileEntry) -> str | None:
        """Why a deleted file's bytes are not its own any more, or None when they still are."""
        if entry.runs:
            taken = sum(covered(self._allocated, start, end) for start, end in entry.runs)
            if taken:
                return (
                    f"deleted, and {taken} bytes of the clusters it used now belong to other files: not read"
                )
        elif entry.size and not entry.resident:
            return "deleted, and the file system no longer records where its content was: not recoverable"
        return None

    def _visit(self, file: Any, folder: _Folder, names: dict[str, int]) -> _Folder | None:
        """One entry of a folder's listing; ``names`` counts the names seen so far in that listing."""
        name = file.info.name
        raw = bytes(name.name)
        if raw in (b".", b".."):
            return None
        text = escape(raw, reserved=self._reserved)
        copy = names[text] = names.get(text, 0) + 1
        if copy > 1:
            text = repeated(text, copy)
        path = f"{folder.path}/{text}" if folder.path else text
        meta = file.info.meta
        if meta is None:
            if not int(name.meta_addr):
                return None  # a deleted name that points nowhere: nothing to read or date
            try:  # orphans and some deleted names come without their metadata: look it up
                file = self.fs.open_meta(inode=int(name.meta_addr))
                meta = file.info.meta
            except TSK_ERRORS as error:
                self._add(
                    FileEntry(
                        path, int(name.meta_addr), True, problem=f"metadata unreadable: {tsk_message(error)}"
                    )
                )
                return None
            if meta is None:
                return None
        inode, kind, name_kind = int(meta.addr), int(meta.type), int(name.type)
        allocated = bool(int(meta.flags) & _META_ALLOC)
        name_deleted = bool(int(name.flags) & _NAME_UNALLOC)
        deleted = folder.deleted or name_deleted or not allocated
        self._take_runs(file)
        if kind in _VIRTUAL or name_kind in _VIRTUAL:
            return None  # FAT's $MBR, $FAT1...: areas of the file system, not files
        if kind in _VIRTUAL_DIR or name_kind in _VIRTUAL_DIR:
            return _Folder(inode, path, folder.depth + 1, folder.parents | {inode}, True, orphans=True)
        if self.label in _FAT_FAMILY and raw.endswith(b"(Volume Label Entry)"):
            return None
        if folder.orphans and (inode in self._named or (kind == _REG and not int(meta.size))):
            return None  # found by its name already, or an empty unused entry (NTFS's reserved 16-23)
        times = {key: _time(meta, key) for key in _TIMES}
        reused = name_deleted and allocated and not folder.orphans
        # NTFS numbers each use of an MFT entry: a name whose number differs points at a later file.
        if self.label == "ntfs" and not folder.orphans and int(name.meta_seq) != int(meta.seq):
            reused = True
        if reused:
            why = "deleted name whose metadata entry now belongs to another file: not read"
            self._add(FileEntry(path, inode, True, times=times, problem=why))
            return None
        runs = self._runs(file) if deleted else []
        if kind == _DIR:
            self._streams(file, path, inode, deleted, times, runs)
            problem: str | None = None
            if inode in folder.parents:
                problem = "folder loop: this folder is one of its own parents; not listed again"
            elif inode in self._listed:
                problem = f"the same folder as {self._listed[inode]!r}; not listed again"
            elif folder.depth + 1 > self.max_depth:
                problem = f"folder deeper than {self.max_depth} levels, not read"
            if problem is None:
                self._listed[inode] = path
                return _Folder(
                    inode, path, folder.depth + 1, folder.parents | {inode}, deleted, folder.orphans
                )
            self._add(FileEntry(path, inode, deleted, times=times, problem=problem))
            return None
        if kind == _REG:
            resident = self._streams(file, path, inode, deleted, times, runs)
            self._named.add(inode)
            self._add(FileEntry(path, inode, deleted, int(meta.size), times, runs=runs, resident=resident))
            return None
        if kind == _LNK:
            target = (
                meta.link.decode("utf-8", "surrogateescape") if isinstance(meta.link, bytes) else meta.link
            )
            problem = f"symbolic link to {printable(str(target or ''))!r}, not followed"
        else:
            problem = f"{_SPECIAL.get(kind, 'not a regular file')}, not read"
        self._add(FileEntry(path, inode, deleted, times=times, problem=problem))
        return None

    def _streams(
        self,
        file: Any,
        path: str,
        inode: int,
        deleted: bool,
        times: dict[str, str | None],
        runs: list[tuple[int, int]],
    ) -> bool:
        """Add the NTFS alternate data streams of a file, or its HFS+ resource fork (``<path>:rsrc``, the
        name dfvfs gives that stream) when it has one; whether its unnamed data is resident. The fork of a
        compressed HFS+ file holds the compressed content, which The Sleuth Kit gives back uncompressed as
        the file's data: it is no item of its own."""
        try:
            attributes = [
                (int(a.info.type), int(a.info.id), a.info.name, int(a.info.size), int(a.info.flags))
                for a in file
            ]
        except TSK_ERRORS:
            return False
        resident = False
        compressed = any(
            kind == _HFS_COMPRESSED or flags & _COMPRESSED for kind, _i, _n, _s, flags in attributes
        )
        for kind, ident, name, size, flags in attributes:
            if self.label == "hfs+" and kind == _HFS_RSRC and size > 0 and not compressed:
                fork = FileEntry(
                    f"{path}:rsrc", inode, deleted, size, times, attribute=(kind, ident), stream="rsrc"
                )
                fork.runs = runs
                self._add(fork)
                continue
            if kind != _NTFS_DATA and self.label == "ntfs":
                continue
            if not name:
                resident = resident or bool(flags & _RESIDENT)
                continue
            stream = escape(bytes(name), reserved=self._reserved)
            # NTFS's own streams ($Bad, $SDS, $J...) are metadata; $BadClus:$Bad is as big as the volume.
            if self.label == "ntfs" and not stream.startswith("$"):
                entry = FileEntry(
                    f"{path}:{stream}", inode, deleted, size, times, attribute=(kind, ident), stream=stream
                )
                entry.runs, entry.resident = runs, bool(flags & _RESIDENT)
                self._add(entry)
        return resident


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def open_content(image: object, fs: Any, entry: FileEntry) -> BinaryIO:
    """Open a file's content. ``image`` is not used, only held by the opener: the file system reads
    through it, so it must live as long as any item that may still be opened."""
    del image
    try:
        file = fs.open_meta(inode=entry.inode)
    except TSK_ERRORS as error:
        raise OSError(f"metadata entry {entry.inode} unreadable: {tsk_message(error)}") from None
    return io.BufferedReader(_Content(file, entry.size, entry.attribute), buffer_size=1 << 16)


def complement(used: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """The stretches of ``[start, end)`` outside every ``(from, to)`` of ``used``."""
    free = []
    position = start
    for begin, finish in sorted(used):
        if begin > position:
            free.append((position, min(begin, end)))
        position = max(position, finish)
        if position >= end:
            break
    if position < end:
        free.append((position, end))
    return [(a, b) for a, b in free if b > a]


def covered(ranges: list[tuple[int, int]], start: int, end: int) -> int:
    """How many bytes of ``[start, end)`` the sorted, merged ``ranges`` cover."""
    total = 0
    at = max(bisect.bisect_right(ranges, (start, start)) - 1, 0)
    for begin, finish in ranges[at:]:
        if begin >= end:
            break
        total += max(0, min(finish, end) - max(begin, start))
    return total
