"""The files of one file system read by a libyal library (libfsapfs, libfsxfs), as evidence items.

Those libraries give the same file entries: a name, a mode, a size, times in nanoseconds, sub-entries, and
``read_buffer_at_offset``. :class:`FileTree` walks them from the root in name order, bounded like every
other container (files per file system, the largest file, the bytes one volume may give out, folder depth,
folders seen twice), and makes each regular file an item read through its entry; links, devices and
unreadable folders become items with the reason. An APFS resource fork (the ``com.apple.ResourceFork``
extended attribute) is an item of its own, ``<path>:rsrc``, as The Sleuth Kit's HFS+ forks are here.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from warden import settings
from warden.clock import from_timestamp
from warden.evidence.base import Item, Limits, Step
from warden.evidence.folder import printable
from warden.evidence.limits import refusal
from warden.evidence.names import escape_text, repeated
from warden.evidence.positional import PositionalReader
from warden.model.states import State

RESOURCE_FORK = "com.apple.ResourceFork"
"""The extended attribute in which APFS (and HFS+ through the attributes file) keeps a resource fork."""

COMPRESSED = "com.apple.decmpfs"
"""The extended attribute of a compressed file; its resource fork then holds the compressed data, which the
reader already gives back uncompressed as the file's content, so the fork is no item of its own."""

FORK_SUFFIX = ":rsrc"
"""How a resource fork is named after its file's path (``photo.jpg:rsrc``), as dfvfs names the stream."""

_TYPE = 0o170000
_KINDS = {
    0o100000: "file",
    0o040000: "folder",
    0o120000: "a symbolic link",
    0o010000: "a named pipe",
    0o020000: "a character device",
    0o060000: "a block device",
    0o140000: "a socket",
}
_TIMES = {"mtime": "modification", "ctime": "inode_change", "atime": "access", "crtime": "creation"}


def _time(entry: Any, name: str) -> str | None:
    try:
        nanoseconds = getattr(entry, f"get_{name}_time_as_integer")()
    except (OSError, AttributeError, ValueError, OverflowError):
        return None  # not kept by this file system, or unreadable
    if not nanoseconds or nanoseconds <= 0:
        return None
    try:
        return from_timestamp(nanoseconds / 1e9)
    except (OverflowError, OSError, ValueError):
        return None  # a corrupt time beyond what a date can hold


class EntryContent(PositionalReader):
    """A file entry's content (or an extended attribute's), read at positions through the library."""

    def __init__(self, source: Any, size: int, what: str) -> None:
        super().__init__()
        self._source = source
        self._size = size
        self._what = what

    def end(self) -> int:
        return self._size

    def read_at(self, position: int, count: int) -> bytes:
        length = min(count, self._size - position)
        if length <= 0:
            return b""
        try:
            data: bytes = self._source.read_buffer_at_offset(length, position)
        except (OSError, ValueError, MemoryError) as error:
            raise OSError(f"{self._what} unreadable at byte {position}: {error}") from None
        if not data:
            raise OSError(f"{self._what} ends at byte {position} of {self._size}")
        return data


@dataclass(frozen=True, slots=True)
class _Folder:
    entry: Any
    path: str
    depth: int
    parents: frozenset[int]


class FileTree:
    """One walk of a libyal file system from its root.

    Args:
        root: the root folder's file entry.
        reopen: the file entry of an identifier (inode number), for reading an item later.
        identifier: an entry's identifier (inode number).
        steps: the steps every item's own step follows (the container's, and a volume's).
        detail: facts every file step carries (``file_system``, ``volume``).
        state: the state of the volume's own item (live unless it was carved, deleted...).
        limits: the container limits; ``budget`` the bytes this file system may give out in all.
    """

    def __init__(
        self,
        root: Any,
        reopen: Callable[[int], Any],
        identifier: Callable[[Any], int],
        steps: tuple[Step, ...],
        detail: dict[str, str | int],
        state: State,
        limits: Limits,
        budget: int,
    ) -> None:
        self.root = root
        self.reopen = reopen
        self.identifier = identifier
        self.steps = steps
        self.detail = detail
        self.state = state
        self.limits = limits
        self.allowance = self.budget = budget
        self.given = 0
        self.max_depth = settings.get_int(settings.MAX_DEPTH)

    def items(self) -> Iterator[Item]:
        """Every file, folder problem and resource fork, depth first in name order, within the limits."""
        root_id = self.identifier(self.root)
        stack = [_Folder(self.root, "", 0, frozenset({root_id}))]
        seen = {root_id}
        while stack:
            folder = stack.pop()
            try:
                children = [
                    folder.entry.get_sub_file_entry(n) for n in range(folder.entry.number_of_sub_file_entries)
                ]
                named = sorted(((self._name(child), child) for child in children), key=lambda pair: pair[0])
            except (OSError, ValueError, MemoryError) as error:
                yield from self._give(
                    self._problem(folder.path or "(root)", None, f"folder unreadable: {error}")
                )
                continue
            pending: list[_Folder] = []
            counts: dict[str, int] = {}
            for name, child in named:
                copy = counts[name] = counts.get(name, 0) + 1
                text = repeated(name, copy) if copy > 1 else name
                path = f"{folder.path}/{text}" if folder.path else text
                below = yield from self._entry(child, path, folder, seen)
                if below is not None:
                    pending.append(below)
                if self.given > self.limits.members:
                    return
            stack.extend(reversed(pending))

    def _name(self, entry: Any) -> str:
        try:
            return escape_text(str(entry.name))
        except (OSError, ValueError, UnicodeError):
            return f"(inode {self.identifier(entry)})"

    def _entry(
        self, entry: Any, path: str, folder: _Folder, seen: set[int]
    ) -> Generator[Item, None, _Folder | None]:
        # Gives the entry's items; returns the folder to list next, if the entry is one.
        ident = self.identifier(entry)
        try:
            mode = int(entry.file_mode)
        except (OSError, ValueError):
            mode = 0
        kind = _KINDS.get(mode & _TYPE, "not a regular file")
        times = {key: _time(entry, name) for key, name in _TIMES.items()}
        if kind == "folder":
            problem = None
            if ident in folder.parents:
                problem = "folder loop: this folder is one of its own parents; not listed again"
            elif ident in seen:
                problem = "a folder already listed under another name; not listed again"
            elif folder.depth + 1 > self.max_depth:
                problem = f"folder deeper than {self.max_depth} levels, not read"
            if problem is None:
                seen.add(ident)
                return _Folder(entry, path, folder.depth + 1, folder.parents | {ident})
            yield from self._give(self._problem(path, ident, problem, times))
            return None
        if kind == "a symbolic link":
            try:
                target = printable(str(entry.symbolic_link_target or ""))
            except (OSError, ValueError, UnicodeError):
                target = "?"
            yield from self._give(
                self._problem(path, ident, f"symbolic link to {target!r}, not followed", times)
            )
            return None
        if kind != "file":
            yield from self._give(self._problem(path, ident, f"{kind}, not read", times))
            return None
        try:
            size = int(entry.size)
        except (OSError, ValueError) as error:
            yield from self._give(self._problem(path, ident, f"size unreadable: {error}", times))
            return None
        yield from self._give(self._file(path, ident, size, times, None))
        fork = self._fork(entry)
        if fork:
            yield from self._give(self._file(path + FORK_SUFFIX, ident, fork, times, "rsrc"))
        return None

    def _fork(self, entry: Any) -> int:
        """The size of a file's resource fork (0 when it has none, or it holds compressed content)."""
        try:
            if not entry.has_extended_attribute_by_name(RESOURCE_FORK):
                return 0
            if entry.has_extended_attribute_by_name(COMPRESSED):
                return 0
            return int(entry.get_extended_attribute_by_name(RESOURCE_FORK).size)
        except (OSError, ValueError, AttributeError):
            return 0

    def _give(self, item: Item) -> Iterator[Item]:
        self.given += 1
        if self.given <= self.limits.members:
            yield item
        elif self.given == self.limits.members + 1:
            what = f"more files not listed: over the limit of {self.limits.members} per file system"
            yield self._problem("(more)", None, refusal(self.limits, "members", what), not_examined=True)

    def _problem(
        self,
        path: str,
        ident: int | None,
        problem: str,
        times: dict[str, str | None] | None = None,
        *,
        not_examined: bool = False,
    ) -> Item:
        detail = dict(self.detail) if ident is None else {**self.detail, "inode": ident}
        times = times or {}
        return Item(
            (*self.steps, Step("file", path, detail)),
            state=self.state,
            problem=problem,
            not_examined=not_examined,
            mtime=times.get("mtime"),
            ctime=times.get("ctime"),
            atime=times.get("atime"),
            crtime=times.get("crtime"),
        )

    def _file(
        self, path: str, ident: int, size: int, times: dict[str, str | None], stream: str | None
    ) -> Item:
        detail: dict[str, str | int] = {**self.detail, "inode": ident}
        if stream is not None:
            detail["stream"] = stream
        problem = None
        if size > self.limits.member_bytes:
            what = f"{size} bytes, over the member size limit of {self.limits.member_bytes}: not read"
            problem = refusal(self.limits, "member_bytes", what)
        else:
            self.budget -= size
            if self.budget < 0:
                what = (
                    "over the limit of bytes one volume may give out: with the files before it, it passes "
                    f"{self.allowance} bytes (the container limit, or twice the volume's size if that is "
                    "more); not read"
                )
                problem = refusal(self.limits, "total_bytes", what)
        opener = None if problem else (lambda: self._open(ident, size, stream, path))
        return Item(
            (*self.steps, Step("file", path, detail)),
            state=self.state,
            size=size,
            problem=problem,
            opener=opener,
            mtime=times.get("mtime"),
            ctime=times.get("ctime"),
            atime=times.get("atime"),
            crtime=times.get("crtime"),
        )

    def _open(self, ident: int, size: int, stream: str | None, path: str) -> BinaryIO:
        try:
            entry = self.reopen(ident)
            source = entry.get_extended_attribute_by_name(RESOURCE_FORK) if stream else entry
        except (OSError, ValueError) as error:
            raise OSError(f"entry {ident} unreadable: {error}") from None
        what = "resource fork" if stream else "content"
        return io.BufferedReader(EntryContent(source, size, f"{printable(path)} {what}"), buffer_size=1 << 16)
