"""Folders and single files on a mounted file system: read-only, links never followed, depth bounded."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from warden import settings
from warden.clock import from_timestamp
from warden.evidence.base import Item, Step

_SPECIAL = {
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def printable(name: str) -> str:
    """A file name as text the case can store: bytes that are not UTF-8 are shown as ``\\xNN`` escapes."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _problem(path: str, problem: str) -> Item:
    return Item(steps=(Step("file", path),), problem=problem)


def _ref(path: str, fs_path: str, st: os.stat_result) -> Item:
    steps = (Step("file", path),)
    mtime, ctime, atime = (from_timestamp(t) for t in (st.st_mtime, st.st_ctime, st.st_atime))
    mode = stat.S_IFMT(st.st_mode)
    if mode == stat.S_IFREG:
        return Item(steps, size=st.st_size, mtime=mtime, ctime=ctime, atime=atime, fs_path=fs_path)
    if mode == stat.S_IFLNK:
        try:
            target = os.readlink(fs_path)
        except OSError as exc:
            target = f"<unreadable: {exc.strerror}>"
        # Following links could leave the evidence (and read the examiner's own disk) or loop forever.
        problem = f"symbolic link to {target!r}, not followed"
        return Item(steps, size=st.st_size, mtime=mtime, ctime=ctime, atime=atime, problem=problem)
    kind = _SPECIAL.get(mode, "not a regular file")
    return Item(steps, mtime=mtime, ctime=ctime, atime=atime, problem=f"{kind}, not read")


class FileSource:
    """A single file given as evidence: one item named after the file."""

    name = "file"

    def claims(self, path: Path) -> bool:
        """Any path that is not a folder."""
        return not path.is_dir()

    def items(self, path: Path) -> Iterator[Item]:
        """The file itself."""
        try:
            st = os.lstat(path)
        except OSError as exc:
            yield _problem(printable(path.name), f"cannot be read: {exc.strerror}")
            return
        yield _ref(printable(path.name), str(path), st)


class FolderSource:
    """A folder tree, walked without following links, in sorted order so runs list items identically."""

    name = "folder"

    def claims(self, path: Path) -> bool:
        """A real folder (not a link to one)."""
        return path.is_dir() and not path.is_symlink()

    def items(self, path: Path) -> Iterator[Item]:
        """Every file below ``path``; unreadable or too-deep folders become items with a problem."""
        max_depth = settings.get_int(settings.MAX_DEPTH)
        stack: list[tuple[str, str, int]] = [(str(path), "", 0)]
        while stack:
            fs_dir, rel_dir, depth = stack.pop()
            try:
                with os.scandir(fs_dir) as listing:
                    entries = sorted(listing, key=lambda entry: entry.name)
            except OSError as exc:
                yield _problem(rel_dir or ".", f"folder cannot be listed: {exc.strerror}")
                continue
            subfolders: list[tuple[str, str, int]] = []
            for entry in entries:
                name = printable(entry.name)
                rel = f"{rel_dir}/{name}" if rel_dir else name
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError as exc:
                    yield _problem(rel, f"cannot be read: {exc.strerror}")
                    continue
                if stat.S_ISDIR(st.st_mode):
                    if depth + 1 > max_depth:
                        yield _problem(rel, f"folder deeper than {max_depth} levels, not read")
                    else:
                        subfolders.append((entry.path, rel, depth + 1))
                    continue
                yield _ref(rel, entry.path, st)
            # Reversed onto the stack so folders are visited in sorted order.
            stack.extend(reversed(subfolders))
