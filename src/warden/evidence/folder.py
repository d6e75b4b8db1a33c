"""Folders and single files on a mounted file system: read-only, links never followed, depth bounded."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from warden import settings
from warden.clock import from_timestamp
from warden.evidence import ios_backup
from warden.evidence.base import Item, Step
from warden.evidence.names import escape

_SPECIAL = {
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def printable(name: str) -> str:
    """Text for a message (a link's target...): bytes that are not UTF-8 are shown as ``\\xNN`` escapes.

    Not for names in item paths, which :func:`warden.evidence.names.escape` makes unique and reversible.
    """
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def path_name(name: str) -> str:
    """A name from ``os.scandir`` (undecodable bytes as surrogates) as item-path text."""
    return escape(os.fsencode(name))


def _problem(path: str, problem: str) -> Item:
    return Item(steps=(Step("file", path),), problem=problem)


def _ref(path: str, fs_path: str, st: os.stat_result) -> Item:
    steps = (Step("file", path),)
    mtime, ctime, atime = (from_timestamp(t) for t in (st.st_mtime, st.st_ctime, st.st_atime))
    mode = stat.S_IFMT(st.st_mode)
    if mode == stat.S_IFREG:
        # The file's identity as listed: reading it later checks no link or other file took its place.
        identity = (st.st_dev, st.st_ino)
        return Item(
            steps, size=st.st_size, mtime=mtime, ctime=ctime, atime=atime, fs_path=fs_path, identity=identity
        )
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
            yield _problem(path_name(path.name), f"cannot be read: {exc.strerror}")
            return
        yield _ref(path_name(path.name), str(path), st)


class FolderSource:
    """A folder tree, walked without following links, in sorted order so runs list items identically."""

    name = "folder"

    def claims(self, path: Path) -> bool:
        """A real folder (not a link to one)."""
        return path.is_dir() and not path.is_symlink()

    def items(self, path: Path) -> Iterator[Item]:
        """Every file below ``path``; unreadable or too-deep folders become items with a problem. An iOS
        backup folder (the root or one below it) is listed through its manifest (:mod:`.ios_backup`)."""
        yield from _walk(str(path), "", 0, None)


Frame = tuple[str, str, int, tuple[int, int] | None]
"""A folder to list: its path, its path text in the evidence, its depth and its identity as listed."""


def _walk(
    fs_root: str,
    rel_root: str,
    depth_root: int,
    identity_root: tuple[int, int] | None,
    *,
    backups: bool = True,
) -> Iterator[Item]:
    max_depth = settings.get_int(settings.MAX_DEPTH)
    stack: list[Frame] = [(fs_root, rel_root, depth_root, identity_root)]
    while stack:
        fs_dir, rel_dir, depth, identity = stack.pop()
        try:
            entries = _listing(fs_dir, identity)
        except OSError as exc:
            yield _problem(rel_dir or ".", f"folder cannot be listed: {exc.strerror}")
            continue
        if backups and ios_backup.is_backup(entries):
            yield from _backup(fs_dir, rel_dir, depth, identity, entries)
            continue
        subfolders: list[Frame] = []
        for name, st in entries:
            rel = f"{rel_dir}/{path_name(name)}" if rel_dir else path_name(name)
            fs_path = os.path.join(fs_dir, name)
            if isinstance(st, OSError):
                yield _problem(rel, f"cannot be read: {st.strerror}")
                continue
            if stat.S_ISDIR(st.st_mode):
                if depth + 1 > max_depth:
                    yield _problem(rel, f"folder deeper than {max_depth} levels, not read")
                else:
                    subfolders.append((fs_path, rel, depth + 1, (st.st_dev, st.st_ino)))
                continue
            yield _ref(rel, fs_path, st)
        # Reversed onto the stack so folders are visited in sorted order.
        stack.extend(reversed(subfolders))


def _backup(
    fs_dir: str,
    rel_dir: str,
    depth: int,
    identity: tuple[int, int] | None,
    entries: ios_backup.Listing,
) -> Iterator[Item]:
    """An iOS backup folder: why its manifest could not be used (if so), its files (stored files named by
    their phone paths), then the files its manifest names that it does not hold."""
    backup = ios_backup.IosBackup(fs_dir, rel_dir, entries)
    yield from backup.facts
    for item in _walk(fs_dir, rel_dir, depth, identity, backups=False):
        yield backup.relabel(item)
    yield from backup.missing()


def _listing(fs_dir: str, identity: tuple[int, int] | None) -> list[tuple[str, os.stat_result | OSError]]:
    """A folder's entries, sorted by name, each with its own status (not a link's target's) or why not.

    The folder is opened without following a link, and must be the one listed (``identity``): a folder
    swapped for a link to somewhere else between listing its parent and listing it is refused.

    Raises:
        OSError: it cannot be listed, or is no longer the folder that was listed.
    """
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC
    try:
        descriptor = os.open(fs_dir, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "a symbolic link now, not followed", fs_dir) from None
        raise
    try:
        status = os.fstat(descriptor)
        if identity is not None and (status.st_dev, status.st_ino) != identity:
            raise OSError(errno.ESTALE, "not the folder that was listed (replaced since)", fs_dir)
        entries: list[tuple[str, os.stat_result | OSError]] = []
        with os.scandir(descriptor) as listing:
            for entry in sorted(listing, key=lambda entry: entry.name):
                try:
                    entries.append((entry.name, entry.stat(follow_symlinks=False)))
                except OSError as error:
                    entries.append((entry.name, error))
        return entries
    finally:
        os.close(descriptor)
